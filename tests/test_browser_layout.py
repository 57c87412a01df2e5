"""The text column as a reader sees it, in headless Chromium, on every page of both languages at
390 px (a phone) and 1280 px (a desktop), one page load per page and width:

* every display formula and table fits the column, or (on the phone only) scrolls inside a box
  that takes the keyboard focus and shows all of it;
* no inline formula is split across lines, and no word of inline code is (``--`` ⏎
  ``allow-synthetic``): inline code may break at its spaces only;
* notebook pages: no code line cut at 1280 px, the prompt above its cell (not a column beside
  it), the copy button never over the code, the setup cells folded, the figures dark in the dark
  scheme.

(axe-core, at both widths and in both schemes, is tests/test_browser.py's.)
"""
import io
from urllib.parse import urljoin

import pytest

from browser_support import BROWSER_TEST, Visit
from site_pages import LANGUAGES, page_url, source_pages

pytestmark = BROWSER_TEST
pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

WIDTHS = (390, 1280)
PAGES = [(lang, rel) for lang in LANGUAGES for rel in source_pages(lang)]
NOTEBOOKS = [(lang, rel) for lang, rel in PAGES if rel.startswith("notebooks/")]

BLOCKS = """async () => {
  const frame = () => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  document.querySelectorAll('.md-typeset details').forEach(d => { d.open = true; });  // as a reader may
  await frame();
  const column = document.querySelector('.md-content .md-typeset').getBoundingClientRect();
  const label = (el) => el.textContent.replace(/\\s+/g, ' ').trim().slice(0, 50);
  const scroller = (el) => {
    for (let e = el; e && e !== document.body; e = e.parentElement) {
      if (/auto|scroll/.test(getComputedStyle(e).overflowX) && e.scrollWidth > e.clientWidth + 1) return e;
    }
    return null;
  };
  const focusable = (e) => e.tabIndex >= 0 || !!e.querySelector('a[href], button, input, select, textarea, [tabindex="0"]');
  const out = {blocks: 0, wide: []};
  for (const el of document.querySelectorAll('.md-typeset mjx-container[display], .md-typeset table:not(.highlighttable)')) {
    if (!el.checkVisibility()) continue;  // the playground's block, hidden until its script runs
    // as the reader sees it: scrolled to (the browser lays out a block near the viewport only)
    el.scrollIntoView({block: 'center'});
    await frame();
    const content = el.tagName === 'TABLE' ? el : el.querySelector('mjx-math');
    const box = content.getBoundingClientRect();
    out.blocks++;
    const s = scroller(content);
    if (!s && box.left >= column.left - 1 && box.right <= column.right + 1) continue;
    let moves = false;
    if (s) {  // the reader can scroll it (a box that clips without scrolling cannot)
      const before = s.scrollLeft;
      s.scrollLeft = before + 10;
      moves = s.scrollLeft !== before;
      s.scrollLeft = before;
    }
    const shown = s && s.getBoundingClientRect();
    const ok = !!s && moves && focusable(s) && shown.left >= column.left - 20 && shown.right <= column.right + 20
      && s.scrollWidth + 1 >= box.width;
    out.wide.push({what: el.tagName === 'TABLE' ? 'table: ' + label(el.rows[0]) : label(el.querySelector('math') || el),
                   width: Math.round(box.width), column: Math.round(column.width), scrolls: moves,
                   focusable: !!s && focusable(s), ok});
  }
  return out;
}"""

INLINE = """() => {
  const column = document.querySelector('.md-content .md-typeset').getBoundingClientRect();
  const lines = (rects) => new Set([...rects].filter(r => r.width > 0).map(r => Math.round(r.bottom))).size;
  const scrolls = (el) => {
    for (let e = el.parentElement; e && e !== document.body; e = e.parentElement) {
      if (/auto|scroll/.test(getComputedStyle(e).overflowX)) return true;
    }
    return false;
  };
  const out = {inlineMath: [], inlineCode: []};
  for (const m of document.querySelectorAll('.md-typeset mjx-container:not([display])')) {
    if (!m.checkVisibility()) continue;
    const r = m.getBoundingClientRect();
    const n = lines(m.getClientRects());
    const sticksOut = !scrolls(m) && (r.left < column.left - 1 || r.right > column.right + 1);
    if (n > 1 || sticksOut) out.inlineMath.push([(m.querySelector('math') || m).textContent, n, Math.round(r.width)]);
  }
  for (const code of document.querySelectorAll('.md-typeset :not(pre) > code')) {
    if (!code.checkVisibility()) continue;
    const walker = document.createTreeWalker(code, NodeFilter.SHOW_TEXT);
    const nodes = [];
    let text = '';
    for (let n; (n = walker.nextNode());) { nodes.push([n, text.length]); text += n.data; }
    const at = (i) => { let k = nodes.length - 1; while (nodes[k][1] > i) k--; return [nodes[k][0], i - nodes[k][1]]; };
    for (const word of text.matchAll(/\\S+/g)) {
      const range = document.createRange();
      range.setStart(...at(word.index));
      const [node, offset] = at(word.index + word[0].length - 1);
      range.setEnd(node, offset + 1);
      if (lines(range.getClientRects()) > 1) out.inlineCode.push(word[0]);
    }
  }
  return out;
}"""

SETTLE = "new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"


def _open(browser, server, lang, rel, width, scheme="light"):
    visit = Visit(browser, server, viewport={"width": width, "height": 900}, color_scheme=scheme)
    page = visit.open(urljoin(server, page_url(rel, lang)))
    page.evaluate("document.fonts.ready")
    page.evaluate(SETTLE)
    return visit, page


def _draw_everything(page):
    """The browser lays out only the blocks near the viewport (content-visibility: auto): the
    measures of lines see the whole page drawn, as a reader who scrolls through it does."""
    page.add_style_tag(content="* { content-visibility: visible !important; }")
    page.evaluate(SETTLE)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("lang,rel", PAGES, ids=lambda v: v)
def test_math_tables_and_code_fit_the_column(browser, server, lang, rel, width):
    visit, page = _open(browser, server, lang, rel, width)
    try:
        found = page.evaluate(BLOCKS)
        _draw_everything(page)
        found.update(page.evaluate(INLINE))
        if width >= 1280:
            assert found["wide"] == [], f"wider than the {width} px column: {found['wide']}"
        else:
            assert [w for w in found["wide"] if not w["ok"]] == [], (
                f"wider than the {width} px column and not a focusable scroll box: {found['wide']}")
        assert found["inlineMath"] == [], f"inline formulas split or sticking out: {found['inlineMath']}"
        assert found["inlineCode"] == [], f"inline code broken inside a word: {found['inlineCode']}"
        widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert widths[0] <= widths[1], f"the page scrolls sideways at {width} px: {widths}"
        assert visit.console_errors() == [], visit.console_errors()
    finally:
        visit.close()


NOTEBOOK = """() => {
  const overlap = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  const cells = [...document.querySelectorAll('.jp-CodeCell .jp-InputArea')].filter(a => a.getBoundingClientRect().width > 0);
  const setup = document.querySelector('details.notebook-setup');
  const figures = [...document.querySelectorAll('.jp-OutputArea-output img')];
  return {
    cells: cells.length,
    cut: cells.map(a => a.querySelector('.highlight-ipynb pre')).filter(p => p.scrollWidth > p.clientWidth + 1)
      .map(p => p.textContent.split('\\n').reduce((a, b) => a.length >= b.length ? a : b).slice(0, 60)),
    covered: cells.filter(a => {
      const copy = a.querySelector('.zeroclipboard-container'), code = a.querySelector('.highlight-ipynb pre');
      return copy && overlap(copy.getBoundingClientRect(), code.getBoundingClientRect());
    }).length,
    prompt: cells.filter(a => {
      const p = a.querySelector('.jp-InputPrompt').getBoundingClientRect();
      const c = a.querySelector('.highlight-ipynb pre').getBoundingClientRect();
      return p.bottom > c.top + 1 || c.width < 0.95 * a.getBoundingClientRect().width;
    }).length,
    setupClosed: !!setup && !setup.open,
    setupHolds: setup ? [...setup.querySelectorAll('.clipboard-copy-txt')].map(t => t.textContent.slice(0, 300)) : [],
    copies: [...document.querySelectorAll('.clipboard-copy-txt')].map(t => t.textContent),
    setupBeforeFigure: !!setup && figures.length > 0
      && !!(setup.compareDocumentPosition(figures[0]) & Node.DOCUMENT_POSITION_FOLLOWING),
  };
}"""


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("lang,rel", NOTEBOOKS, ids=lambda v: v)
def test_notebook_cells_use_the_column(browser, server, lang, rel, width):
    visit, page = _open(browser, server, lang, rel, width)
    try:
        _draw_everything(page)
        found = page.evaluate(NOTEBOOK)
        assert found["cells"] > 5, found
        if width >= 1280:
            assert found["cut"] == [], f"code lines cut at {width} px: {found['cut']}"
        assert found["covered"] == 0, f"{found['covered']} copy buttons over code"
        assert found["prompt"] == 0, f"{found['prompt']} prompts beside their cell's code, not above it"
        assert found["setupClosed"] and found["setupBeforeFigure"], found
        # what each copy button copies is the notebook's cell, as downloaded
        name = rel.split("/")[1].replace(".py", ".ipynb")
        notebook = page.request.get(urljoin(page.url, name)).json()
        cells = ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code"]
        assert found["copies"] == cells
        holds = found["setupHolds"]
        assert len(holds) == 2 and "\nlabels = {" in holds[0] and "import matplotlib" in holds[1], holds
    finally:
        visit.close()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_notebook_figures_follow_the_dark_scheme(browser, server, lang):
    """The first figure a notebook cell drew, as the screen shows it: light on the light scheme,
    dark on the dark one (its mean luminance, from a screenshot of it)."""
    from PIL import Image, ImageStat

    mean = {}
    for scheme in ("light", "dark"):
        visit, page = _open(browser, server, lang, "notebooks/yogi.py", 1280, scheme=scheme)
        try:
            figure = page.locator(".jp-OutputArea-output img").first
            figure.scroll_into_view_if_needed()
            shot = Image.open(io.BytesIO(figure.screenshot())).convert("L")
            mean[scheme] = ImageStat.Stat(shot).mean[0]
        finally:
            visit.close()
    assert mean["light"] > 200 and mean["dark"] < 80, mean
