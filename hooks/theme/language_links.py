"""The links between a page and its counterpart in the other language.

* The language switcher and the ``<link rel="alternate" hreflang>`` of every page point to the
  counterpart page: relative (so the site works from any folder or host), or absolute when
  SITE_URL sets ``site_url`` (search engines need absolute hreflang links).
* Each switcher link carries the heading ids of the page it leads to (``data-anchors``), when
  that page was built before this one (i18n builds the default language first: the other
  language's pages list the default language's ids). docs/assets/javascripts/language-switch.js
  uses them to keep the reader's place: it adds the heading the reader is in to the link, or the
  nearest heading above it that the other page has (the script is loaded by
  overrides/partials/alternate.html).
* Material fetches ``sitemap.xml`` beside every alternate link (to map pages between languages).
  With alternates that are pages, not language roots, that is a ``sitemap.xml`` in each page's
  folder: this step writes one there, listing the page and its alternates, so that no request of
  a page load fails. (The site root keeps mkdocs-static-i18n's sitemap of the whole site.)
"""
from __future__ import annotations

import posixpath
import re
from collections import defaultdict
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from hooks.build.files import write_atomic

SITEMAP = "sitemap.xml"
_folders: dict = defaultdict(list)  # folder of the site -> (url, {lang: url}) of its pages
# page URL -> its headings' ids, in order (kept between `mkdocs serve` rebuilds, each page's
# replaced as it is built again)
_headings: dict[str, list[str]] = {}
HEADING_ID = re.compile(r"<h[1-6]\b[^>]*?\sid=\"([^\"]+)\"")


def _absolute(config, url: str) -> str:
    return (config.site_url or "") + ("" if url in (".", "./") else url)


def switcher_links(page, config):
    """Switcher and alternate links are the counterpart page's URL, on every page.

    i18n leaves the homepage with root-absolute links ("/", "/en/"), which break when the site
    is opened from a folder or served under a path; Material makes site-relative URLs relative
    to the page, and keeps absolute ones (with site_url) as they are.
    """
    alternates = getattr(page.file, "alternates", {})
    _headings[_key(page.url)] = heading_ids(page.content or "")
    links = {}
    # i18n sets `config.extra.alternate` as an attribute, which is what the template reads.
    for alternate in getattr(config.extra, "alternate", None) or []:
        alternate["anchors"] = None  # config.extra.alternate serves every page: each sets its own
        if alternate["lang"] in alternates:
            url = alternates[alternate["lang"]].url
            alternate["link"] = _absolute(config, url) if config.site_url else url
            links[alternate["lang"]] = url
        else:  # the homepages: i18n's links ("/", "/en/"), which name the page too
            url = alternate.get("link") or ""
        if _key(url) != _key(page.url):
            alternate["anchors"] = _headings.get(_key(url))
    folder = posixpath.dirname(page.file.dest_uri)
    if folder:  # the site root has the sitemap of the whole site
        _folders[folder].append((page.url, links))


def _key(url: str) -> str:
    """A page's URL, site-relative: the homepage is "./" to MkDocs, "/" to i18n (and "en/", "/en/")."""
    return url.lstrip("/").removeprefix("./")


def heading_ids(html: str) -> list[str]:
    """The ids of the headings (h1-h6) of a page's HTML, in order."""
    return HEADING_ID.findall(html)


def write_sitemaps(config):
    """One sitemap.xml in each folder that holds a page (for Material's language probes)."""
    for folder, pages in _folders.items():
        entries = []
        for url, links in pages:
            alternates = "".join(
                f"\n    <xhtml:link rel=\"alternate\" hreflang={quoteattr(lang)} href={quoteattr(_absolute(config, link))}/>"
                for lang, link in links.items()
            )
            entries.append(f"  <url>\n    <loc>{escape(_absolute(config, url))}</loc>{alternates}\n  </url>")
        sitemap = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">\n'
            + "\n".join(entries)
            + "\n</urlset>\n"
        )
        write_atomic(Path(config.site_dir) / folder / SITEMAP, sitemap)
    _folders.clear()
