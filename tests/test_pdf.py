"""hooks/pdf/: one PDF per language, printed by the build from its own pages — every chapter of
the navigation in order, Chinese text that can be searched and copied, links between chapters as
links inside the PDF — linked with its size from the home pages. The print document (book.py)
and a failed print (download.py) are checked without a build; the PDFs themselves in the
session's built site."""
import html
import re
import sys
import unicodedata
from types import SimpleNamespace

import pytest
import yaml
from mkdocs.exceptions import PluginError

from site_pages import LANGUAGES, ROOT, built_html, hooks_module

book = hooks_module("pdf.book")
download = hooks_module("pdf.download")
printer = hooks_module("pdf.printer")
children = hooks_module("build.children")


# --- the print document, from a small site of two pages ----------------------------------------

def _page(body: str, css: str = "../assets/site.css") -> str:
    return (f'<html><head><link rel="stylesheet" href="{css}"></head><body><nav>menu</nav>'
            f'<article class="md-content__inner md-typeset">{body}</article></body></html>')


@pytest.fixture
def site(tmp_path):
    site = tmp_path / "site"
    (site / "adam").mkdir(parents=True)
    (site / "figures").mkdir()
    (site / "assets").mkdir()
    (site / "assets" / "site.css").write_text("p {}")
    (site / "figures" / "f.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (site / "figures" / "f-dark.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (site / "index.html").write_text(_page(
        '<h1 id="home-title">Home<a class="headerlink" href="#home-title" title="Permanent link">¶</a></h1>'
        '<p><a href="adam/#bias">bias</a> <a href="notebooks/adam/">notebook</a> '
        '<a href="https://arxiv.org/abs/1412.6980">paper</a> <a href="#home-title">top</a></p>', "assets/site.css"))
    (site / "adam" / "index.html").write_text(_page(
        '<h1 id="adam">Adam</h1><h2 id="bias">Bias</h2><details class="note"><summary>s</summary>x</details>'
        '<img alt="f" loading="lazy" src="../figures/f.svg#only-light">'
        '<img alt="f" loading="lazy" src="../figures/f-dark.svg#only-dark"><a href="../">home</a>'))
    return site


COVER = {"title": "T", "description": "D", "date": "2018-02-22"}


def test_the_book_holds_the_articles_in_order_with_links_inside_it(site):
    document, titles = book.book(site, "zh", ["", "adam/"], "", COVER)
    assert titles == ["Home", "Adam"]
    assert document.index('<section class="pdf-chapter" id="home">') < document.index('id="adam"')
    assert "<nav>" not in document and "¶" not in document
    # ids carry their page's name; links to a page of the book land on its section or heading
    assert 'id="adam-bias"' in document and 'id="home-home-title"' in document
    assert 'href="#adam-bias"' in document and 'href="#home"' in document and 'href="#home-home-title"' in document
    # a page the book does not hold, with no site_url: the text stays, the link goes
    assert "<a data-pdf-unlinked>notebook</a>" in document
    assert 'href="https://arxiv.org/abs/1412.6980"' in document
    # the light figure, loaded at once from the site; no dark one; collapsible blocks open
    assert f'src="{(site / "figures" / "f.svg").resolve().as_uri()}"' in document
    assert "f-dark.svg" not in document and 'loading="lazy"' not in document
    assert '<details open class="note">' in document
    assert (site / "assets" / "site.css").resolve().as_uri() in document


def test_with_a_site_url_a_page_outside_the_book_is_linked_there(site):
    document, _ = book.book(site, "zh", ["", "adam/"], "", COVER, site_url="https://example.org/ay/")
    assert 'href="https://example.org/ay/notebooks/adam/">notebook</a>' in document


def test_a_missing_image_or_page_fails_naming_it(site):
    (site / "figures" / "f.svg").unlink()
    with pytest.raises(book.BookError, match=r"adam/: the image '../figures/f.svg#only-light' is not in the site"):
        book.book(site, "zh", ["", "adam/"], "", COVER)
    with pytest.raises(book.BookError, match="prints yogi/, which is not in the site"):
        book.book(site, "zh", ["", "yogi/"], "", COVER)


def test_a_failed_print_fails_the_build_in_one_line_and_leaves_no_pdf(tmp_path):
    (tmp_path / "assets").mkdir()
    (tmp_path / download.PDF.format(lang="zh")).write_bytes(b"%PDF- from an earlier build")
    child = children.Child(prefix="adam-yogi-pdf-test-")
    child.start([sys.executable, "-c", "import sys; print('Chromium crashed', file=sys.stderr); sys.exit(3)"])
    with pytest.raises(PluginError) as raised:
        download.finish(child, tmp_path, ["zh"])
    message = str(raised.value)
    assert "printing the PDF of 'zh' failed" in message and "exit 3" in message and "Chromium crashed" in message
    assert "\n" not in message
    assert not list(tmp_path.rglob("*.pdf")) and not child.folder.exists()


def test_bookmarks_titled_twice_are_titled_once_without_moving_a_byte():
    adam = "Adam 与 Yogi".encode("utf-16-be").hex().upper().encode()
    pdf = (b"1 0 obj << /Title (AdamAdam) >> endobj 2 0 obj << /Title <FEFF" + adam * 2 + b"> >> endobj "
           b"3 0 obj << /Title (GoGo) >> endobj 4 0 obj << /Title (Yogi) >> endobj")
    mended = printer.untwinned(pdf, {"Adam", "Adam 与 Yogi", "Go", "GoGo", "Yogi"})
    assert len(mended) == len(pdf)
    assert b"/Title <4164616D>" in mended  # "Adam", as long as "(AdamAdam)"
    assert b"/Title <FEFF" + adam + b" " * len(adam) + b">" in mended
    assert b"/Title (GoGo)" in mended and b"/Title (Yogi)" in mended  # a real heading, and a single title, stay


@pytest.mark.parametrize("lang, url, href", [("zh", "", "assets/adam-yogi-zh.pdf"),
                                             ("en", "en/", "../assets/adam-yogi-en.pdf")])
def test_the_home_page_marker_becomes_the_link_and_then_gets_the_size(tmp_path, lang, url, href):
    page = SimpleNamespace(file=SimpleNamespace(src_uri=f"{lang}/index.md"), url=url)
    markdown = download.link("Intro.\n\n<!-- pdf-download -->\n", page)
    assert f'<a href="{href}" download><code>adam-yogi-{lang}.pdf</code></a>' in markdown
    assert "pdf-download" not in markdown and download.SIZE.format(lang=lang) in markdown
    (tmp_path / url).mkdir(parents=True, exist_ok=True)
    (tmp_path / url / "index.html").write_text(f"<p>{markdown}</p>")
    (tmp_path / "assets").mkdir()
    (tmp_path / download.PDF.format(lang=lang)).write_bytes(b"%PDF-" + b"x" * 2_345_678)
    download.show_size(tmp_path, lang, "zh")
    shown = (tmp_path / url / "index.html").read_text()
    assert "2.3 MB" in shown and "pdf-size" not in shown


def test_the_title_page_is_dated_by_source_date_epoch_and_a_bad_one_is_named(monkeypatch):
    config = SimpleNamespace(site_name="Adam 与 Yogi", site_description="D")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1519257600")
    assert download.cover(config) == {"title": "Adam 与 Yogi", "description": "D", "date": "2018-02-22"}
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(PluginError, match="SOURCE_DATE_EPOCH='yesterday'"):
        download.cover(config)


# --- the PDFs of the built site ----------------------------------------------------------------

class _Loader(yaml.SafeLoader):
    pass


_Loader.add_multi_constructor("!", lambda loader, suffix, node: None)  # mkdocs.yml's !ENV


def _chapters():
    """The nav's pages in order, less the notebooks (which the PDF leaves out)."""
    nav = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_Loader)["nav"]
    return [next(iter(entry.values())) for entry in nav if isinstance(next(iter(entry.values())), str)]


def _title(site, rel, lang):
    h1 = re.search(r"<h1\b[^>]*>(.*?)</h1>", built_html(site, rel, lang).read_text(encoding="utf-8"), re.S).group(1)
    return html.unescape(re.sub(r"<a class=\"headerlink\".*?</a>|<[^>]+>", "", h1)).strip()


def _plain(text: str) -> str:
    """Text as the PDF gives it back, comparable: compatibility forms folded (a font's glyph for
    二 may map to the Kangxi radical ⼆), white space gone."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


@pytest.fixture(scope="module")
def pdfs(built_site):
    from pypdf import PdfReader

    return {lang: PdfReader(built_site / download.PDF.format(lang=lang)) for lang in LANGUAGES}


def _starts(reader) -> list[int]:
    """The pages the outline's top-level entries (the title page, then each page's h1) start on."""
    return [reader.get_destination_page_number(entry) for entry in reader.outline if not isinstance(entry, list)]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_pdf_holds_every_chapter_in_order(built_site, pdfs, lang):
    """Each chapter starts a page of its own, after the title page, in the nav's order: the
    outline says where, and the text of that page (pypdf reads text slowly: only those pages are
    read) begins with the chapter's title."""
    reader = pdfs[lang]
    chapters = _chapters()
    assert len(chapters) >= 5
    assert 10 * len(chapters) <= len(reader.pages) <= 400, f"{len(reader.pages)} pages"
    starts = _starts(reader)
    assert len(starts) == len(chapters) + 1 and starts[0] == 0 and starts == sorted(set(starts)), starts
    cover = _plain(reader.pages[0].extract_text())
    for rel, start in zip(chapters, starts[1:]):
        title = _plain(_title(built_site, rel, lang))
        text = _plain(reader.pages[start].extract_text())
        assert text.startswith(title), f"{lang}: page {start + 1} should begin with {title!r} ({rel}): {text[:60]!r}"
        assert title in cover  # the title page lists it


def test_the_chinese_pdf_is_chinese_text(built_site, pdfs):
    """The Adam chapter's first words, as a reader copies them from the PDF."""
    reader = pdfs["zh"]
    start = _starts(reader)[1 + _chapters().index("adam.md")]
    text = _plain(reader.pages[start].extract_text())
    assert len(re.findall(r"[\u4e00-\u9fff]", text)) > 300
    page = built_html(built_site, "adam.md", "zh").read_text(encoding="utf-8")
    intro = re.search(r"<h1\b.*?</h1>\s*<p>(.*?)</p>", page, re.S).group(1)
    assert _plain(html.unescape(re.sub(r"<[^>]+>", "", intro)))[:40] in text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_bookmarks_are_the_headings(pdfs, lang):
    def titles(entries):
        for entry in entries:
            yield from titles(entry) if isinstance(entry, list) else [entry.title]

    found = list(titles(pdfs[lang].outline))
    assert len(found) > 40
    twice = [t for t in found if len(t) % 2 == 0 and t[: len(t) // 2] == t[len(t) // 2:]]
    assert not twice, f"{lang}: bookmarks titled twice over: {twice}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_links_between_chapters_are_links_inside_the_pdf(pdfs, lang):
    reader = pdfs[lang]
    names = set(reader.named_destinations)
    sections = {name.lstrip("/") for name in names}
    assert {"home", "adam", "yogi"} <= sections
    targets = []
    for page in reader.pages:
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            if annotation.get("/Subtype") == "/Link" and "/Dest" in annotation:
                targets.append(str(annotation["/Dest"]))
    missing = sorted({t for t in targets if t not in names})
    assert not missing, f"{lang}: links to destinations the PDF lacks: {missing[:5]}"
    # links reach other chapters' headings, not only the title page's contents
    chapters_reached = {t.lstrip("/").split("-")[0] for t in targets if "-" in t}
    assert len(targets) > 30 and {"adam", "yogi"} <= chapters_reached, sorted(chapters_reached)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_home_page_links_its_pdf_with_its_size(built_site, lang):
    if download.MARKER not in (ROOT / "docs" / lang / "index.md").read_text(encoding="utf-8"):
        pytest.skip(f"docs/{lang}/index.md has no {download.MARKER} line yet")
    page = built_html(built_site, "index.md", lang).read_text(encoding="utf-8")
    name = download.PDF.format(lang=lang)
    link = re.search(r'<a href="([^"]*adam-yogi-%s\.pdf)" download[^>]*>.*?</a>([^<]*)' % lang, page)
    assert link, f"{lang}: the home page does not link {name}"
    target = (built_html(built_site, "index.md", lang).parent / link.group(1)).resolve()
    assert target == (built_site / name).resolve() and target.is_file()
    megabytes = float(re.search(r"([0-9.]+) MB", link.group(2)).group(1))
    assert megabytes == round(target.stat().st_size / 1e6, 1)
    assert 'class="pdf-size"' not in page
