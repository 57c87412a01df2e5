"""The pages' figures as readers see them, in headless Chromium: at 390 px (a phone) the smallest
text of every figure is at least 9 CSS px, at 1280 px at least 11 px; in each colour scheme the
page shows that scheme's drawing, with the page showing through it and text that contrasts with
the page, and never fetches the other scheme's. Skips (with the reason) without Chromium."""
import re
from urllib.parse import urljoin

import pytest

from browser_support import BROWSER_TEST, Visit
from colour_contrast import contrast, css_rgb, hex_rgb
from site_pages import DOCS, LANGUAGES, page_url, source_pages

pytestmark = BROWSER_TEST
pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

SMALLEST_PX = {390: 9, 1280: 11}

# For every figure of the page that the page shows (display is not none): its rendered width, the
# SVG's own width (viewBox units, in which its font sizes are given), every font size, every text
# colour, and the fill of the figure's background rectangle. The page's background colour too.
FIGURES = """async () => {
  const shown = [...document.querySelectorAll('article img[src*="figures/"]')]
    .filter(img => getComputedStyle(img).display !== 'none');
  const out = [];
  for (const img of shown) {
    img.scrollIntoView({block: 'center'});
    await img.decode().catch(() => null);
    const svg = new DOMParser().parseFromString(await (await fetch(img.src)).text(), 'image/svg+xml');
    const root = svg.documentElement;
    const styles = [...svg.querySelectorAll('text, tspan, g')].map(e => e.getAttribute('style') || '');
    const sizes = styles.flatMap(s => [...s.matchAll(/font-size:\\s*([\\d.]+)px/g)].map(m => +m[1]))
      .concat(styles.flatMap(s => [...s.matchAll(/font:[^;]*?([\\d.]+)px/g)].map(m => +m[1])));
    const fills = [...svg.querySelectorAll('text')].map(t => (t.getAttribute('style') || '').match(/fill:\\s*(#[0-9a-f]{6})/i))
      .filter(Boolean).map(m => m[1]);
    const background = svg.querySelector('#figure_1 > g[id^="patch"] path');
    out.push({src: img.getAttribute('src'), width: img.getBoundingClientRect().width,
              viewBox: +root.getAttribute('viewBox').split(' ')[2], sizes, fills,
              texts: svg.querySelectorAll('text').length,
              background: background ? background.getAttribute('style') : null});
  }
  return {figures: out, page: getComputedStyle(document.body).backgroundColor};
}"""


def _pages_with_figures():
    return [(lang, rel) for lang in LANGUAGES for rel in source_pages(lang)
            if re.search(r"\]\(figures/[a-z0-9-]+\.svg\)", (DOCS / lang / rel).read_text(encoding="utf-8"))]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("lang,rel", _pages_with_figures(), ids=lambda v: v)
def test_figures_are_legible_on_a_phone_and_a_desktop_in_both_schemes(browser, server, lang, rel, scheme):
    with Visit(browser, server, color_scheme=scheme, viewport={"width": 1280, "height": 900}) as visit:
        page = visit.open(urljoin(server, page_url(rel, lang)))
        for width in (390, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            seen = page.evaluate(FIGURES)
            assert seen["figures"], f"{lang}/{rel} at {width} px: no figure shown"
            background = css_rgb(seen["page"])
            for figure in seen["figures"]:
                where = f"{lang}/{rel} {scheme} {width} px {figure['src']}"
                assert figure["src"].endswith(f"#only-{scheme}"), f"{where}: the other scheme's drawing is shown"
                assert ("-dark.svg" in figure["src"]) == (scheme == "dark"), where
                assert figure["texts"] > 0 and len(figure["sizes"]) >= figure["texts"] // 2, f"{where}: no font sizes read"
                smallest = min(figure["sizes"]) * figure["width"] / figure["viewBox"]
                assert smallest >= SMALLEST_PX[width], f"{where}: smallest text {smallest:.1f} px"
                assert figure["background"] is None or "fill: none" in figure["background"] \
                    or "fill-opacity: 0" in figure["background"], f"{where}: an opaque background {figure['background']}"
                # The synthetic-data title is red; every other text is the scheme's ink.
                low = [c for c in set(figure["fills"]) if contrast(hex_rgb(c), background) < 4.5]
                assert low == [], f"{where}: text colours {low} on the page's {seen['page']}"
        fetched = page.evaluate("performance.getEntriesByType('resource').map(e => e.name)")
        other = [url for url in fetched if "/figures/" in url and ("-dark.svg" in url) != (scheme == "dark")]
        assert other == [], f"{lang}/{rel} {scheme}: fetched the other scheme's figures {other}"
        assert visit.failures() == [], visit.failures()
