"""The built site in a real browser: math typeset, nothing fetched off-host, no console errors,
the language switcher, and Chinese search. Headless Chromium, driven by Playwright.

Skips (with the reason) when Chromium is not installed; CI installs it (.ci/setup --browser).
"""
from urllib.parse import urljoin

import pytest

from browser_support import CHROMIUM, Visit, chromium_available
from site_pages import LANGUAGES, page_url, source_pages

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        not chromium_available(),
        reason=f"no Chromium at {CHROMIUM}: install it with `apt-get install chromium` (CI does)",
    ),
]
playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
SEARCH_TERM = {"zh": "偏差", "en": "bias"}  # 偏差 sits inside 偏差校正 on the home page


def _all_pages():
    return [(lang, rel) for lang in LANGUAGES for rel in source_pages(lang)]


MATH_STATE = """() => {
  const text = (root) => {
    const copy = root.cloneNode(true);
    copy.querySelectorAll('pre, code, script, style, mjx-container, .md-search, nav').forEach(n => n.remove());
    return copy.textContent;
  };
  const body = text(document.querySelector('article') || document.body);
  return {
    containers: document.querySelectorAll('mjx-container').length,
    errors: document.querySelectorAll('mjx-merror').length,
    arithmatex: document.querySelectorAll('.arithmatex').length,
    raw: ['\\\\(', '\\\\)', '\\\\[', '\\\\]', '$$'].filter(d => body.includes(d)),
    fracs: document.querySelectorAll('mjx-container mjx-mfrac').length,
    flatFracs: [...document.querySelectorAll('mjx-container mjx-mfrac')].filter(f => f.getBoundingClientRect().height < 12).length,
  };
}"""


@pytest.mark.parametrize("lang,rel", _all_pages(), ids=lambda v: v)
def test_page_typesets_math_offline_without_errors(browser, server, lang, rel):
    visit = Visit(browser, server)
    try:
        page = visit.open(urljoin(server, page_url(rel, lang)))
        state = page.evaluate(MATH_STATE)
        assert state["containers"] >= state["arithmatex"], f"formulas left untypeset: {state}"
        assert state["errors"] == 0, state
        assert state["raw"] == [], f"untypeset TeX delimiters in the text: {state}"
        assert state["flatFracs"] == 0, f"fractions rendered flat: {state}"
        assert visit.offsite == [], f"requests left 127.0.0.1: {visit.offsite}"
        assert visit.failures() == [], visit.failures()
        assert visit.console_errors() == [], visit.console_errors()
        # A cold load of any page, everything included, stays under 2 MB (issue 2's floor;
        # timings are measured by tests/measure_site.py, not asserted).
        assert 100_000 < visit.bytes <= 2_000_000, f"{visit.bytes} bytes transferred"
    finally:
        visit.close()


@pytest.mark.parametrize("lang,rel", _all_pages(), ids=lambda v: v)
def test_language_switch_lands_on_the_counterpart(browser, server, lang, rel):
    other = [code for code in LANGUAGES if code != lang][0]
    visit = Visit(browser, server)
    try:
        page = visit.open(urljoin(server, page_url(rel, lang)))
        page.eval_on_selector(f'a.md-select__link[hreflang="{other}"]', "a => a.click()")
        page.wait_for_url(urljoin(server, page_url(rel, other)), timeout=10000)
        assert page.evaluate("document.documentElement.lang") == other
    finally:
        visit.close()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_search_finds_a_word_inside_a_sentence(browser, server, lang):
    visit = Visit(browser, server)
    try:
        page = visit.open(urljoin(server, page_url("index.md", lang)))
        results = page.locator(".md-search-result__item")
        # A query typed before the worker has built the index stays unanswered: reload and
        # type again after a longer pause each time (bounded), then require a matching hit.
        for attempt in range(1, 8):
            page.wait_for_timeout(500 * attempt)
            page.click("input.md-search__input")
            page.keyboard.type(SEARCH_TERM[lang])  # Material listens to key events, not fill()
            try:
                results.first.wait_for(timeout=3000)
                break
            except playwright_api.TimeoutError:
                page.reload(wait_until="load")
        text = results.first.inner_text()
        assert SEARCH_TERM[lang].lower() in text.lower(), text
        assert visit.offsite == [] and visit.console_errors() == [], (visit.offsite, visit.console_errors())
    finally:
        visit.close()
