"""One language's print document: the articles of its built pages, in the order of the
navigation, after a title page, as one HTML file for Chromium to print.

Each page becomes a ``<section>`` whose id is the page's name (``adam``; the home page is
``home``), and every id inside it is prefixed with that name (``adam-bias-correction``): a link
from one chapter to another (``../yogi/#spikes``) becomes a link inside the document
(``#yogi-spikes``), which Chromium prints as a link to a named destination of the PDF. A link to
a page or file of the site that the PDF does not hold (a notebook page, a download) becomes an
absolute link when ``site_url`` is set, and text otherwise (a relative link means nothing in a
PDF read on its own). Images and style sheets are the site's files, by absolute ``file:``
URLs; the dark figures (``#only-dark``) are left out, images load at once (not lazily), and
every collapsible block is open.
"""
from __future__ import annotations

import html as html_lib
import posixpath
import re
from pathlib import Path
from urllib.parse import urlsplit

PRINT_CSS = Path(__file__).with_name("print.css")
ARTICLE = re.compile(r'<article class="md-content__inner md-typeset">(.*?)</article>', re.S)
STYLESHEET = re.compile(r'<link rel="stylesheet" href="([^"]+)">')
TITLE = re.compile(r"<h1\b[^>]*>(.*?)</h1>", re.S)
ID = re.compile(r'(\sid=")([^"]*)(")')
LINK = re.compile(r'(<a\b[^>]*?\s)href="([^"]*)"')
SRC = re.compile(r'(\ssrc=")([^"]*)(")')
HEADERLINK = re.compile(r'<a class="headerlink" href="[^"]*" title="[^"]*">[^<]*</a>')
DARK_IMAGE = re.compile(r'<img\b[^>]*\ssrc="[^"]*#only-dark"[^>]*>')
LAZY = re.compile(r'\sloading="lazy"')
DETAILS = re.compile(r"<details\b(?![^>]*\sopen\b)")
TAG = re.compile(r"<[^>]+>")


class BookError(ValueError):
    """A page of the book is not what the build writes; the message says which, in one line."""


def page_name(url: str, root: str) -> str:
    """The section id of the page at ``url`` (site-relative, ``en/adam/``) of a language whose
    pages sit under ``root`` (``en/``, or ``""``): ``adam``, ``notebooks-adam``, the home page
    ``home``."""
    rest = url.removeprefix(root).strip("/")
    return rest.replace("/", "-") if rest else "home"


def _site_path(href_path: str, page_url: str) -> str:
    """A relative href of the page at ``page_url`` as a site-relative path (``adam/``, ``figures/x.svg``)."""
    joined = posixpath.normpath(posixpath.join(page_url or ".", href_path))
    if joined == ".":
        return ""
    if joined.startswith("../") or joined == "..":
        raise BookError(f"the link {href_path!r} of {page_url or 'the home page'} leads out of the site")
    return joined + ("/" if href_path.endswith("/") or href_path in ("", ".", "..") else "")


def chapter(html: str, url: str, root: str, names: dict[str, str], site: Path, site_url: str) -> tuple[str, str]:
    """(title, section) of the built page ``html`` at ``url``; ``names`` maps the URL of every page
    in the book to its section id."""
    where = url or "the home page"
    found = ARTICLE.search(html)
    if found is None:
        raise BookError(f"{where}: no <article class=\"md-content__inner md-typeset\"> in the built page")
    body = found.group(1)
    title_match = TITLE.search(body)
    if title_match is None:
        raise BookError(f"{where}: the built page has no <h1> title")
    name = names[url]
    body = HEADERLINK.sub("", body)
    title_match = TITLE.search(body)
    body = DARK_IMAGE.sub("", body)
    body = LAZY.sub("", body)
    body = DETAILS.sub("<details open", body)
    body = ID.sub(lambda m: f"{m.group(1)}{name}-{m.group(2)}{m.group(3)}", body)

    def link(match):
        before, href = match.group(1), html_lib.unescape(match.group(2))
        parts = urlsplit(href)
        if parts.scheme or parts.netloc:
            return match.group(0)  # a link out of the site
        if href.startswith("#"):
            return f'{before}href="#{name}-{html_lib.escape(href[1:])}"'
        target = _site_path(parts.path, url)
        if target in names:
            fragment = f"-{parts.fragment}" if parts.fragment else ""
            return f'{before}href="#{names[target]}{html_lib.escape(fragment)}"'
        if site_url:
            absolute = site_url.rstrip("/") + "/" + target + (f"#{parts.fragment}" if parts.fragment else "")
            return f'{before}href="{html_lib.escape(absolute)}"'
        return f"{before}data-pdf-unlinked"  # the text stays, without a link (print.css: as text)

    body = LINK.sub(link, body)

    def source(match):
        src = html_lib.unescape(match.group(2))
        parts = urlsplit(src)
        if parts.scheme or parts.netloc:
            if parts.scheme == "data":
                return match.group(0)
            raise BookError(f"{where}: the image {src!r} is not a file of the site (the PDF is made offline)")
        target = site / _site_path(parts.path, url)
        if not target.is_file():
            raise BookError(f"{where}: the image {src!r} is not in the site ({target})")
        return f"{match.group(1)}{html_lib.escape(target.resolve().as_uri())}{match.group(3)}"

    body = SRC.sub(source, body)
    title = html_lib.unescape(TAG.sub("", title_match.group(1))).strip()
    return title, f'<section class="pdf-chapter" id="{name}">\n{body.strip()}\n</section>'


def stylesheets(html: str, url: str, site: Path) -> list[str]:
    """The style sheets the built page links (Material's, the site's, the math's), as file: URLs."""
    sheets = []
    for href in STYLESHEET.findall(html):
        target = site / _site_path(html_lib.unescape(href), url)
        if not target.is_file():
            raise BookError(f"{url or 'the home page'}: the style sheet {href!r} is not in the site")
        sheets.append(target.resolve().as_uri())
    return sheets


def book(site: Path, lang: str, urls: list[str], root: str, cover: dict, site_url: str = "") -> tuple[str, list[str]]:
    """(print document, chapter titles in order) of the pages at ``urls`` (site-relative, in the
    order of the navigation) of the language ``lang``, whose pages sit under ``root``. ``cover``
    holds the title page's ``title``, ``description`` and ``date``."""
    site = Path(site)
    if not urls:
        raise BookError(f"the PDF of {lang!r} has no pages")
    names = {url: page_name(url, root) for url in urls}
    if len(set(names.values())) != len(names):
        raise BookError(f"the PDF of {lang!r}: two pages share a section id ({sorted(names.values())})")
    titles, sections, sheets = [], [], None
    for url in urls:
        path = site / url / "index.html"
        if not path.is_file():
            raise BookError(f"the PDF of {lang!r} prints {url or 'the home page'}, which is not in the site ({path})")
        page = path.read_text(encoding="utf-8")
        if sheets is None:
            sheets = stylesheets(page, url, site)
        title, section = chapter(page, url, root, names, site, site_url)
        titles.append(title)
        sections.append(section)
    contents = "\n".join(f'<li><a href="#{names[url]}">{html_lib.escape(title)}</a></li>'
                         for url, title in zip(urls, titles))
    head = "\n".join(f'<link rel="stylesheet" href="{html_lib.escape(sheet)}">' for sheet in sheets)
    document = f"""<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<title>{html_lib.escape(cover["title"])}</title>
{head}
<style>
{PRINT_CSS.read_text(encoding="utf-8")}
</style>
</head>
<body dir="ltr" data-md-color-scheme="default" data-md-color-primary="indigo" data-md-color-accent="indigo">
<article class="md-content__inner md-typeset">
<section class="pdf-cover" id="pdf-cover">
<h1>{html_lib.escape(cover["title"])}</h1>
<p class="pdf-description">{html_lib.escape(cover["description"])}</p>
<p class="pdf-date">{html_lib.escape(cover["date"])}</p>
<ol class="pdf-contents">
{contents}
</ol>
</section>
{chr(10).join(sections)}
</article>
</body>
</html>
"""
    return document, titles
