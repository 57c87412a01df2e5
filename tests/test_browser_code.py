"""The chapters' code in a real browser: at 1280 px no code block scrolls sideways, printed output
looks like output (labelled, no copy button) while code keeps its copy button. Headless
Chromium, driven by Playwright; skips (with the reason) without Chromium."""
from urllib.parse import urljoin

import pytest

from browser_support import BROWSER_TEST, Visit
from site_pages import LANGUAGES, chapters_hook, page_url

pytestmark = BROWSER_TEST
pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
chapters = chapters_hook()
OUTPUT_LABEL = {"zh": "输出", "en": "Output"}

# Material sets a code block up (its copy button, and an id on its <pre>) when the block first
# comes into view (content.lazy): each block is scrolled to, as a reader scrolls through the
# page, and waited for until it is set up (3 s at most, then it counts as not set up).
BLOCKS = """async () => {
  document.querySelectorAll('article details').forEach(d => d.open = true);
  const divs = [...document.querySelectorAll('article div.highlight')];
  for (const div of divs) {
    div.scrollIntoView({block: 'center'});
    for (let waited = 0; waited < 3000 && !div.querySelector('pre[id^="__code_"]'); waited += 50)
      await new Promise(r => setTimeout(r, 50));
  }
  return divs.map(div => {
    const code = div.querySelector('pre > code');
    return {
      classes: [...div.classList],
      text: code.innerText,
      overflow: code.scrollWidth - code.clientWidth,
      copy: !!div.querySelector('.md-clipboard, button.md-code__button[data-md-type=copy]'),
      title: (div.querySelector('.filename') || {}).textContent || null,
    };
  });
}"""


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("chapter", chapters.chapter_names())
def test_code_fits_at_1280_px_and_output_looks_like_output(browser, server, lang, chapter):
    visit = Visit(browser, server)
    try:
        visit.page.set_viewport_size({"width": 1280, "height": 900})
        page = visit.open(urljoin(server, page_url(f"{chapter}.md", lang)))
        page.wait_for_timeout(300)  # Material adds the copy buttons after load
        blocks = page.evaluate(BLOCKS)
        assert blocks, f"{lang}/{chapter}: no code blocks"
        wide = [b["text"].splitlines()[0] for b in blocks
                if b["overflow"] > 1 and "output" not in b["classes"]]
        assert wide == [], f"{lang}/{chapter}: code blocks that scroll sideways at 1280 px: {wide}"
        outputs = [b for b in blocks if "output" in b["classes"]]
        code = [b for b in blocks if "output" not in b["classes"]]
        for block in outputs:
            assert not block["copy"], f"{lang}/{chapter}: an output block has a copy button"
            assert block["title"] == OUTPUT_LABEL[lang]
            assert block["overflow"] <= 1, f"{lang}/{chapter}: output scrolls sideways: {block['text'][:60]}"
        lost = [b["text"].splitlines()[0] for b in code if not b["copy"]]
        assert lost == [], f"{lang}/{chapter}: code blocks without a copy button: {lost}"
        if chapter in ("adam", "yogi", "convergence"):
            assert outputs, f"{lang}/{chapter}: no output blocks"
        assert visit.console_errors() == [], visit.console_errors()
    finally:
        visit.close()
