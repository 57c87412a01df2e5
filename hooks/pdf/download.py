"""Each language's PDF, printed by Chromium beside the build, and the home pages' link to it.

:func:`launch` starts the printer (hooks/pdf/printer.py) as a child of the build
(hooks/build/children.py: a build that is stopped leaves no Chromium running and no temporary
folder) once the first language's pages are written: Chromium starts while the next language
builds. :func:`print_books`, once every page and the math's style sheet are written, makes each
language's print document (hooks/pdf/book.py) and tells the printer to go; it prints the
languages side by side while the build writes its other downloads. :func:`finish` waits for it
and puts each PDF in place whole (``assets/adam-yogi-<lang>.pdf``), or fails the build in one
line; a failed print leaves no PDF, half-written or old.

A book holds the pages of its language's navigation, in order, except the notebooks (they repeat
the chapters' code with its output, which the chapters show already). The home page's
``<!-- pdf-download -->`` becomes the link to its language's PDF; the PDF's size, known only
once it is printed, is put into the written home page by :func:`show_size` (until then an
empty element, which the search index reads as nothing).
"""
from __future__ import annotations

import html as html_lib
import json
import os
import posixpath
import sys
import time
from pathlib import Path

from mkdocs.exceptions import PluginError

from hooks.build.children import Child, ChildFailed
from hooks.build.files import write_atomic
from hooks.downloads import from_page
from hooks.pages import labels
from hooks.pdf import book

PRINTER = Path(__file__).with_name("printer.py")
PDF = "assets/adam-yogi-{lang}.pdf"
MARKER = "<!-- pdf-download -->"
SIZE = '<span class="pdf-size" data-pdf="{lang}"></span>'  # filled by show_size
TIMEOUT = 300  # seconds the prints may take, all together (about 10 on an idle 2-core machine)


def cover(config) -> dict:
    """The title page of the language being built: its site name and description, and the day of
    the build (UTC; SOURCE_DATE_EPOCH when set, as for the wheel)."""
    given = os.environ.get("SOURCE_DATE_EPOCH", "")
    if given and not given.isdigit():
        raise PluginError(f"SOURCE_DATE_EPOCH={given!r}: the PDFs' date wants a whole number of seconds since 1970")
    stamp = int(given) if given else int(time.time())
    return {"title": config.site_name, "description": config.site_description or "",
            "date": time.strftime("%Y-%m-%d", time.gmtime(stamp))}


def launch() -> Child:
    """The printer started: Chromium loads while the build goes on, then waits for print_books."""
    child = Child(prefix="adam-yogi-pdf-")
    try:
        return child.start([sys.executable, "-I", str(PRINTER), str(child.folder)])
    except BaseException:
        child.close()
        raise


def root(lang: str, default: str) -> str:
    """The folder of a language's pages in the site (site-relative, "" for the default language)."""
    return "" if lang == default else f"{lang}/"


def print_books(child: Child, site: Path, books: dict[str, tuple[list[str], dict]], default: str,
                site_url: str) -> dict:
    """Each language's print document, and the printer told to go. ``books`` maps a language to
    (the site-relative URLs of its pages in navigation order; its cover). Returns {language: its
    chapters' titles, in order}."""
    jobs, titles = [], {}
    for lang, (urls, front) in books.items():
        try:
            document, titles[lang] = book.book(site, lang, urls, root(lang, default), front, site_url)
        except book.BookError as error:
            raise PluginError(f"the PDF of {lang!r}: {error}") from None
        html = child.folder / f"book-{lang}.html"
        html.write_text(document, encoding="utf-8")
        jobs.append({"html": str(html), "pdf": str(child.folder / f"book-{lang}.pdf")})
    write_atomic(child.folder / "go", json.dumps(jobs))
    return titles


def finish(child: Child, site: Path, languages) -> list[Path]:
    """Wait for the printer and put each language's PDF in place; the printer's folder goes
    either way."""
    try:
        try:
            code = child.wait(timeout=TIMEOUT)
        except ChildFailed as error:
            raise PluginError(f"printing the PDFs failed: {error}") from None
        printed = {}
        for lang in languages:
            path = child.folder / f"book-{lang}.pdf"
            data = path.read_bytes() if code == 0 and path.is_file() else b""
            if not (data.startswith(b"%PDF-") and b"%%EOF" in data[-1024:]):
                for other in languages:  # none from an earlier build (`mkdocs build --dirty`) stays either
                    (Path(site) / PDF.format(lang=other)).unlink(missing_ok=True)
                output = " ".join((child.output("stderr") or child.output("stdout")).split())
                raise PluginError(f"printing the PDF of {lang!r} failed (Chromium's printer, exit {code}): "
                                  f"{output[-600:] or 'no PDF written'}")
            printed[lang] = data
        return [write_atomic(Path(site) / PDF.format(lang=lang), data) for lang, data in printed.items()]
    finally:
        child.close()


def link(markdown: str, page) -> str:
    """The home page links its language's PDF (its size comes later: show_size)."""
    if MARKER not in markdown:
        return markdown
    lang = page.file.src_uri.split("/", 1)[0]
    name = PDF.format(lang=lang)
    sentence = labels.TEXT[lang]["pdf_download"].format(pdf=from_page(page, name),
                                                        name=posixpath.basename(name), size=SIZE.format(lang=lang))
    return markdown.replace(MARKER, sentence, 1)


def show_size(site: Path, lang: str, default: str) -> None:
    """The printed PDF's size, in the written home page of its language, which links it."""
    path = Path(site) / root(lang, default) / "index.html"
    page = path.read_text(encoding="utf-8")
    placeholder = SIZE.format(lang=lang)
    if placeholder not in page:
        return  # this home page has no pdf-download marker
    size = (Path(site) / PDF.format(lang=lang)).stat().st_size
    text = labels.TEXT[lang]["pdf_size"].format(mb=f"{size / 1e6:.1f}")
    write_atomic(path, page.replace(placeholder, html_lib.escape(text), 1))
