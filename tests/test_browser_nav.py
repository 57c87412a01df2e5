"""The language switch keeps the reader's place: both languages give a chapter's sections the same
heading ids, every switch link lists the other page's ids where the build knew them, and in
Chromium a reader deep in a section lands on that section in the other language (served, and
from the offline copy on file://), or on the nearest heading above it that the other page has.
"""
import re
import zipfile
from pathlib import Path
from urllib.parse import urljoin

import pytest

from browser_support import BROWSER_TEST, ROOT, Visit
from site_pages import LANGUAGES, built_html, page_url, source_pages

SCRIPT = ROOT / "docs" / "assets" / "javascripts" / "language-switch.js"
HEADING = re.compile(r"<h[1-6]\b[^>]*?\sid=\"([^\"]+)\"")
# a section deep in a long chapter, and where the reader is: 200 px past its heading
SECTION = ("adam.md", "adamw")
PAST_HEADING = 200


def _ids(path):
    article = path.read_text(encoding="utf-8").split("<article", 1)[1].split("</article>", 1)[0]
    return HEADING.findall(article)


def _switch_links(path):
    return {m.group(1): m.group(0) for m in re.finditer(r'<a href="[^"]*" hreflang="(\w+)"[^>]*>', path.read_text(encoding="utf-8"))}


def _pairs():
    return [rel for rel in source_pages(LANGUAGES[0]) if rel in source_pages(LANGUAGES[1])]


@pytest.mark.slow
def test_both_languages_give_each_chapter_section_the_same_heading_id(built_site):
    """The switch lands on the same section by its id: a chapter's headings (Markdown pages;
    the notebooks' are hooks/notebooks' to align, and are mapped to the nearest shared heading)
    have the same ids in the same order in both languages."""
    chapters = [rel for rel in _pairs() if rel.endswith(".md")]
    assert len(chapters) >= 7, chapters
    differ = {}
    for rel in chapters:
        ids = {lang: _ids(built_html(built_site, rel, lang)) for lang in LANGUAGES}
        assert ids[LANGUAGES[0]], f"{rel}: no heading with an id"
        if ids[LANGUAGES[0]] != ids[LANGUAGES[1]]:
            differ[rel] = ids
    assert differ == {}, differ


@pytest.mark.slow
def test_every_switch_link_lists_the_heading_ids_of_the_page_it_leads_to(built_site):
    """What the switch maps a section by where the ids differ: the link of each page of the
    language built second to its counterpart lists the counterpart's heading ids, in order (the
    first language's links cannot: the second was not built yet, and the script maps on arrival)."""
    first, second = LANGUAGES
    for rel in _pairs():
        link = _switch_links(built_html(built_site, rel, second))[first]
        listed = re.search(r'data-anchors="([^"]*)"', link)
        assert listed, f"{second}/{rel}: the link to {first} lists no heading ids: {link}"
        assert listed.group(1).split() == _ids(built_html(built_site, rel, first)), rel
        for lang in LANGUAGES:  # a page's link to itself lists nothing
            own = _switch_links(built_html(built_site, rel, lang))[lang]
            assert "data-anchors" not in own, own


# --- in the browser ------------------------------------------------------------------------------


def _read_to_section(page, heading_id):
    """Scroll as a reader does until ``heading_id`` is PAST_HEADING px above the viewport's top."""
    page.evaluate("id => document.getElementById(id).scrollIntoView()", heading_id)
    page.mouse.wheel(0, PAST_HEADING)
    page.wait_for_function(
        "([id, past]) => document.getElementById(id).getBoundingClientRect().top < -past / 2", arg=[heading_id, PAST_HEADING]
    )
    return page.evaluate("scrollY")


def _switch(page, lang):
    """Open the language menu and follow the link to ``lang``, as a reader does."""
    page.hover(".md-header__option .md-select")
    link = page.locator(f'a.md-select__link[hreflang="{lang}"]')
    link.wait_for(state="visible")
    with page.expect_navigation():
        link.click()
    page.wait_for_load_state("load")


def _section_shown(page, heading_id):
    return page.evaluate(
        """id => { const h = document.getElementById(id); if (!h) return null;
                   const r = h.getBoundingClientRect();
                   return {top: r.top, bottom: r.bottom, height: innerHeight, scrollY: scrollY}; }""",
        heading_id,
    )


def _assert_in_view(shown, heading_id):
    assert shown is not None, f"no #{heading_id} on the page"
    assert 0 <= shown["top"] and shown["bottom"] <= shown["height"], f"#{heading_id} is not in the viewport: {shown}"
    assert shown["scrollY"] > 2000, f"the page opened near its top: {shown}"


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.browser
@pytest.mark.slow
def test_the_language_switch_lands_on_the_section_the_reader_is_in(browser, server, lang):
    rel, heading_id = SECTION
    other = [code for code in LANGUAGES if code != lang][0]
    with Visit(browser, server, viewport={"width": 1280, "height": 800}) as visit:
        page = visit.open(urljoin(server, page_url(rel, lang)))
        assert _read_to_section(page, heading_id) > 2000, "the section is not deep in the page"
        _switch(page, other)
        assert page.url == urljoin(server, page_url(rel, other)) + f"#{heading_id}"
        assert page.evaluate("document.documentElement.lang") == other
        _assert_in_view(_section_shown(page, heading_id), heading_id)
        # …and back again, from where the reader now is
        _read_to_section(page, heading_id)
        _switch(page, lang)
        assert page.url == urljoin(server, page_url(rel, lang)) + f"#{heading_id}"
        _assert_in_view(_section_shown(page, heading_id), heading_id)
        assert visit.failures() == [] and visit.console_errors() == [], (visit.failures(), visit.console_errors())


@pytest.mark.browser
@pytest.mark.slow
def test_the_language_switch_keeps_the_section_on_a_phone(browser, server):
    """390 px, touch: the menu opens with a tap, and the link is tapped."""
    rel, heading_id = SECTION
    with Visit(browser, server, viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True) as visit:
        page = visit.open(urljoin(server, page_url(rel, "zh")))
        page.evaluate("id => document.getElementById(id).scrollIntoView()", heading_id)
        page.evaluate(f"scrollBy(0, {PAST_HEADING})")
        page.wait_for_function("id => document.getElementById(id).getBoundingClientRect().top < -50", arg=heading_id)
        page.tap(".md-header__option .md-select button")
        link = page.locator('a.md-select__link[hreflang="en"]')
        link.wait_for(state="visible")
        with page.expect_navigation():
            link.tap()
        page.wait_for_load_state("load")
        assert page.url == urljoin(server, page_url(rel, "en")) + f"#{heading_id}"
        _assert_in_view(_section_shown(page, heading_id), heading_id)


@pytest.mark.browser
@pytest.mark.slow
def test_the_language_switch_at_the_top_of_a_page_adds_no_section(browser, server):
    with Visit(browser, server) as visit:
        page = visit.open(urljoin(server, page_url("yogi.md", "zh")))
        _switch(page, "en")
        assert page.url == urljoin(server, page_url("yogi.md", "en"))
        assert page.evaluate("scrollY") == 0


@pytest.fixture(scope="module")
def offline_copy(built_site, tmp_path_factory):
    dest = tmp_path_factory.mktemp("offline-nav")
    with zipfile.ZipFile(built_site / "assets" / "adam-yogi-offline.zip") as archive:
        archive.extractall(dest)
    (folder,) = list(dest.iterdir())
    return folder


@pytest.mark.browser
@pytest.mark.slow
def test_the_language_switch_keeps_the_section_in_the_offline_copy(browser, offline_copy):
    rel, heading_id = SECTION
    with Visit(browser, offline_copy.as_uri()) as visit:
        page = visit.open((offline_copy / "adam" / "index.html").as_uri())
        _read_to_section(page, heading_id)
        _switch(page, "en")
        assert page.url == (offline_copy / "en" / "adam" / "index.html").as_uri() + f"#{heading_id}"
        _assert_in_view(_section_shown(page, heading_id), heading_id)
        assert visit.failures() == [] and visit.console_errors() == [], (visit.failures(), visit.console_errors())


# --- the mapping to the nearest shared heading, on pages made for it (file://, no site build) ------

PAGE = """<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><style>h2 {{scroll-margin-top: 56px}}</style></head><body>
<header class="md-header" style="position:sticky;top:0;height:48px;background:#fff">
<a class="md-select__link" hreflang="{lang}" href="{own}">own</a>
<a class="md-select__link" hreflang="{other}" href="{target}"{anchors}>other</a></header>
<article>{sections}</article>
<script src="{script}" defer></script></body></html>"""


def _page(folder, name, lang, other, ids, target, anchors=None):
    sections = "".join(f'<h2 id="{i}">{i}</h2><p style="height:1500px">text of {i}</p>' for i in ids)
    listed = "" if anchors is None else f' data-anchors="{" ".join(anchors)}"'
    path = folder / name
    path.write_text(PAGE.format(lang=lang, other=other, own=name, target=target, anchors=listed,
                                sections=sections, script=SCRIPT.as_uri()), encoding="utf-8")
    return path


@pytest.mark.browser
@pytest.mark.slow
def test_a_section_the_other_page_lacks_maps_to_the_nearest_shared_heading_above(browser, tmp_path):
    """Leaving: the link lists the other page's ids (b is not among them): the reader in b is
    sent to a. Arriving: a page opened at #y, which it lacks, from a page whose ids its own link
    lists (x y z), shows x, the nearest heading above y that it has."""
    target = _page(tmp_path, "target.html", "en", "zh", ["a", "c"], "source.html")
    source = _page(tmp_path, "source.html", "zh", "en", ["a", "b", "c"], "target.html", anchors=["a", "c"])
    arrival = _page(tmp_path, "arrival.html", "en", "zh", ["w", "x", "z"], "elsewhere.html", anchors=["w", "x", "y", "z"])
    with Visit(browser, tmp_path.as_uri()) as visit:
        page = visit.open(source.as_uri())
        _read_to_section(page, "b")
        with page.expect_navigation():
            page.click('a[hreflang="en"]')
        assert page.url == target.as_uri() + "#a"

        page.goto(arrival.as_uri() + "#y", wait_until="load")
        page.wait_for_function("location.hash === '#x'")
        shown = _section_shown(page, "x")
        assert 48 <= shown["top"] < 100, shown  # below the header
        assert visit.console_errors() == [], visit.console_errors()
