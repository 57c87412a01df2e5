"""The playground in the built site, in headless Chromium: it appears only with JavaScript, next to
the build-time figure that stays in place; window.playground.run returns the numbers of
snippets/counterexample.py; the preset marked as the figure above draws the page's own run; the
controls are labelled and work from the keyboard; both color schemes and a 390 px wide screen.
"""
import re
from pathlib import Path
from urllib.parse import urljoin

import pytest

from browser_support import BROWSER_TEST, Visit
from site_pages import LANGUAGES, ROOT, chapters_hook, hooks_module, page_url

pytestmark = BROWSER_TEST
pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

from snippets import counterexample  # noqa: E402


def page_block(target):
    """Run one of the pages' code blocks as the page runs it, with the names it uses from the
    blocks before it imported from their files: its namespace (here, in the test's process; the
    build takes the playground's data from its page run, hooks/runs/playground.py)."""
    import contextlib
    import io

    from snippets import moments

    namespace = {"spiky_gradients": moments.spiky_gradients, "second_moments": moments.second_moments,
                 "play": counterexample.play}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(chapters_hook().section(target), target, "exec"), namespace)
    return namespace


playground_hook = hooks_module("runs.playground")

PAGES = {"yogi.md": ("spikes", "spikes-0.99", 3), "convergence.md": ("counterexample", "counterexample-3", 4)}
CASES = [(lang, rel) for lang in LANGUAGES for rel in PAGES]


def _open(browser, server, lang, rel, scheme="light", width=1280):
    visit = Visit(browser, server)
    visit.page.set_viewport_size({"width": width, "height": 900})
    visit.page.emulate_media(color_scheme=scheme)
    page = visit.open(urljoin(server, page_url(rel, lang)))
    page.wait_for_function("window.playground !== undefined", timeout=10000)
    page.evaluate("playground.ready")
    return visit, page


STYLESHEET = Path(__file__).resolve().parents[1] / "docs" / "assets" / "stylesheets" / "playground.css"
ADAM_COLOR = dict(zip(("light", "dark"), re.findall(r"--pg-adam: (#[0-9a-f]+);", STYLESHEET.read_text())))

PAINTED = """() => [...document.querySelectorAll('.pg-chart:not([hidden]) canvas')].map(c => {
  const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let painted = 0;
  for (let i = 3; i < data.length; i += 4) painted += data[i] > 0;
  return painted > 0.01 * c.width * c.height;
})"""
# How many pixels of a canvas are close to a CSS color (the method's line color, say).
PIXELS_OF = """([selector, color]) => {
  const probe = document.createElement('canvas').getContext('2d');
  probe.fillStyle = color;
  probe.fillRect(0, 0, 1, 1);
  const [r, g, b] = probe.getImageData(0, 0, 1, 1).data;
  const c = document.querySelectorAll('.pg-chart canvas')[selector];
  const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 0; i < data.length; i += 4) {
    n += Math.abs(data[i] - r) < 24 && Math.abs(data[i + 1] - g) < 24 && Math.abs(data[i + 2] - b) < 24 && data[i + 3] > 200;
  }
  return n;
}"""

CONTROLS = """() => [...document.querySelectorAll('.pg-widget input, .pg-widget select, .pg-widget button')]
  .filter(el => el.offsetParent !== null)
  .map(el => ({id: el.id, tag: el.tagName, name: (el.labels && el.labels.length ? el.labels[0].textContent
    : el.getAttribute('aria-label') || el.textContent).trim()}))"""


@pytest.mark.parametrize("lang,rel", CASES, ids=lambda v: v)
def test_the_widget_sits_beside_the_figure_with_labelled_controls(browser, server, lang, rel):
    problem, preset, charts = PAGES[rel]
    visit, page = _open(browser, server, lang, rel)
    try:
        assert page.locator(f'.playground[data-playground="{problem}"]').is_visible()
        figure = page.locator(f'img[src$="figures/{"spikes" if problem == "spikes" else "counterexample"}.svg#only-light"]')
        assert figure.is_visible()  # the build-time figure stays where it was
        assert page.evaluate(PAINTED) == [True] * charts  # every chart shown has been drawn
        controls = page.evaluate(CONTROLS)
        assert len(controls) >= 10 and all(c["name"] for c in controls), controls
        pressed = page.eval_on_selector_all('[aria-pressed="true"]', "els => els.map(e => e.dataset.preset)")
        assert pressed == [preset]
        assert visit.offsite == [] and visit.failures() == [] and visit.console_errors() == []
    finally:
        visit.close()


@pytest.mark.parametrize("lang,rel", CASES, ids=lambda v: v)
def test_run_returns_what_snippets_counterexample_returns(browser, server, lang, rel):
    visit, page = _open(browser, server, lang, rel)
    try:
        for C, steps, lr, eps in [(3.0, 3000, 0.5, 1e-8), (2.3, 3000, 0.5, 1e-8), (2.45, 1000, 0.2, 1e-3)]:
            for method in counterexample.METHODS:
                options = {"problem": "counterexample", "method": method, "C": C, "steps": steps, "lr": lr, "eps": eps}
                js = page.evaluate("options => playground.run(options)", options)
                py = counterexample.run(method, C=C, steps=steps, lr=lr, eps=eps)
                assert js["xs"] == py.xs and js["avgRegret"] == py.avg_regret, (method, C)
        error = page.evaluate("""() => { try { playground.run({problem: "counterexample", method: "adam", C: 1.5}); }
                                 catch (e) { return e.message; } }""")
        assert error == "Invalid C: 1.5 (the counterexample needs a finite C > 2)"
    finally:
        visit.close()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_preset_marked_as_the_figure_draws_the_pages_run(browser, server, lang):
    visit, page = _open(browser, server, lang, "yogi.md")
    try:
        drawn = page.evaluate("playground.drawn()")
        run = page_block(playground_hook.SPIKES)  # the page's own block
        assert drawn["adam"]["g"] == run["g"].tolist()
        assert drawn["adam"]["s"] == run["s_adam"] and drawn["yogi"]["s"] == run["s_yogi"]
    finally:
        visit.close()
    visit, page = _open(browser, server, lang, "convergence.md")
    try:
        drawn = page.evaluate("playground.drawn()")
        run = page_block(playground_hook.COUNTEREXAMPLE)
        for method, trajectory in run["trajectories"].items():
            assert drawn[method]["xs"] == trajectory.xs and drawn[method]["avgRegret"] == trajectory.avg_regret
    finally:
        visit.close()


def test_keyboard_moves_a_slider_and_presses_a_preset(browser, server):
    visit, page = _open(browser, server, "en", "convergence.md")
    try:
        page.focus("#pg-C")
        for _ in range(70):  # 3.00 → 2.30 in steps of 0.01
            page.keyboard.press("ArrowLeft")
        page.wait_for_function("document.querySelector('output[for=pg-C]').textContent === '2.3'")
        assert page.get_attribute("#pg-C", "aria-valuetext") == "2.3"
        assert page.eval_on_selector_all('[aria-pressed="true"]', "els => els.length") == 0
        page.wait_for_timeout(100)  # one animation frame draws the new C
        drawn = page.evaluate("playground.drawn()")
        assert drawn["yogi"]["xs"] == counterexample.run("yogi", C=2.3).xs
        # the summary (a live region) follows once the keys stop: Yogi drifts to +1 as well
        page.wait_for_function("document.querySelector('.pg-summary').textContent.includes('Yogi: x_T = +0.995')")
        page.focus('[data-preset="rosenbrock-0.99"]')
        page.keyboard.press("Enter")
        assert page.get_attribute('[data-preset="rosenbrock-0.99"]', "aria-pressed") == "true"
        assert page.input_value("#pg-problem") == "rosenbrock"
        assert page.evaluate(PAINTED) == [True] * 4
        page.select_option("#pg-coordinate", "1")
        page.wait_for_timeout(100)
        assert visit.console_errors() == []
    finally:
        visit.close()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_widget_loads_only_when_the_reader_nears_it(browser, server, lang):
    visit = Visit(browser, server)
    try:
        page = visit.open(urljoin(server, page_url("yogi.md", lang)))
        loaded = "performance.getEntriesByType('resource').map(r => r.name).filter(n => n.includes('playground'))"
        assert [url.rsplit("/", 1)[1] for url in page.evaluate(loaded)] == ["main.js"]  # the page load: one small file
        assert not page.locator(".playground").is_visible()
        page.locator('img[src$="figures/spikes.svg#only-light"]').scroll_into_view_if_needed()
        page.locator(".pg-widget").wait_for(state="visible", timeout=10000)
        names = {url.rsplit("/", 1)[1] for url in page.evaluate(loaded)}
        assert {"bundle.js", "playground.css"} <= names  # one classic script: it runs from file:// too
        assert visit.failures() == [] and visit.console_errors() == []
    finally:
        visit.close()


def test_without_javascript_only_the_figure_shows(browser, server):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        for rel, figure in (("yogi.md", "spikes"), ("convergence.md", "counterexample")):
            page.goto(urljoin(server, page_url(rel, "en")), wait_until="load")
            assert page.locator(f'img[src$="figures/{figure}.svg#only-light"]').is_visible()
            assert page.locator(".playground").count() == 1
            assert not page.locator(".playground").is_visible()  # its "Try it" prose included
    finally:
        context.close()


CONTRAST = """() => {
  const rgb = (c) => c.match(/[\\d.]+/g).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map(v => v / 255).map(v => v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)
    .reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length < 4 || c[3] > 0) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const ratio = (el) => {
    const [a, b] = [lum(rgb(getComputedStyle(el).color).slice(0, 3)), lum(background(el))];
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  };
  const els = [...document.querySelectorAll('.pg-widget label, .pg-widget output, .pg-note, .pg-widget button, .pg-widget figcaption, .pg-summary, .pg-legend li')];
  return els.map(el => [el.textContent.trim().slice(0, 30), Math.round(ratio(el) * 100) / 100]);
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("lang", LANGUAGES)
def test_both_schemes_and_a_narrow_screen(browser, server, lang, scheme):
    visit, page = _open(browser, server, lang, "yogi.md", scheme=scheme, width=390)
    try:
        expected = "slate" if scheme == "dark" else "default"
        assert page.evaluate("document.body.dataset.mdColorScheme") == expected
        for problem in ("spikes", "counterexample", "rosenbrock"):
            page.evaluate("p => playground.apply({problem: p})", problem)
            widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
            assert widths[0] <= widths[1], f"{problem}: the page scrolls sideways at 390 px: {widths}"
            box = page.locator(".pg-widget").bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390
            page.wait_for_timeout(50)
            assert page.evaluate(PAINTED) == [True] * (3 if problem == "spikes" else 4)
            # the lines are drawn in this scheme's colors (playground.css), e.g. Adam's on chart 2
            adam = page.evaluate("getComputedStyle(document.querySelector('.playground')).getPropertyValue('--pg-adam')")
            assert adam.strip() == ADAM_COLOR[scheme]
            assert page.evaluate(PIXELS_OF, [1, adam]) > 50, problem
        page.evaluate("Promise.all(document.getAnimations().map(a => a.finished))")  # colors mid-transition are not the scheme's
        low = [(text, r) for text, r in page.evaluate(CONTRAST) if r < 4.5]
        assert low == [], f"text below 4.5:1 contrast in the {scheme} scheme: {low}"
        if scheme == "light":  # Material's scheme toggle flips this attribute: the charts follow
            page.evaluate("document.body.setAttribute('data-md-color-scheme', 'slate')")
            page.wait_for_timeout(100)
            assert page.evaluate(PIXELS_OF, [1, ADAM_COLOR["dark"]]) > 50
        assert visit.console_errors() == []
    finally:
        visit.close()


# Every text the charts draw, as (CSS px high, text): the canvases' fillText, recorded with the
# context's transform (units → device pixels) and the screen's pixel density.
RECORD_TEXT = """(() => {
  window.__chartText = [];
  for (const proto of [CanvasRenderingContext2D.prototype, globalThis.OffscreenCanvasRenderingContext2D?.prototype]) {
    if (!proto) continue;
    const fillText = proto.fillText;
    proto.fillText = function (text, ...rest) {
      const t = this.getTransform();
      window.__chartText.push([parseFloat(this.font) * Math.hypot(t.a, t.b) / devicePixelRatio, String(text)]);
      return fillText.call(this, text, ...rest);
    };
  }
})()"""


@pytest.mark.parametrize("width", [360, 390])
def test_tick_labels_are_readable_on_a_phone(browser, server, width):
    """Every label the charts draw is at least 11 CSS px high at 360 and 390 px (it was ~10)."""
    visit = Visit(browser, server)
    try:
        visit.context.add_init_script(RECORD_TEXT)
        visit.page.set_viewport_size({"width": width, "height": 900})
        page = visit.open(urljoin(server, page_url("yogi.md", "en")))
        page.wait_for_function("window.playground !== undefined", timeout=10000)
        page.evaluate("playground.ready")
        for problem in ("spikes", "counterexample", "rosenbrock"):
            page.evaluate("p => playground.apply({problem: p})", problem)
            page.wait_for_timeout(50)
        drawn = page.evaluate("window.__chartText")
        assert len(drawn) > 30, drawn
        small = sorted({(round(px, 2), text) for px, text in drawn if px < 11 - 1e-6})
        assert small == [], f"chart text under 11 px at {width} px: {small[:10]}"
        assert visit.console_errors() == []
    finally:
        visit.close()
