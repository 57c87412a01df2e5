"""The whole site as a zip to read from disk (file://), linked from the home pages.

Opened from disk, the built site does not work: its links end in ``adam/`` (a browser shows a
folder listing there), browsers load no web fonts, search index or web worker from file:// URLs.
At the end of each build this step writes ``assets/adam-yogi-offline.zip``, a copy of the site
(its ``use_directory_urls: false`` form, without a second build) in which:

* every link to a page names its file (``adam/index.html``), absolute links to the site too;
* the search index of each language is a script (search/search_index.js), which Material loads
  from file:// (a page picks its own language's index), with result links to files as well;
* Material's search worker runs in an iframe (iframe-worker's shim, from node_modules: Chromium
  starts no worker from a file:// page);
* the math fonts are inside the math style sheet (data: URLs);
* what only a server needs is left out: 404 pages, sitemaps, the JSON search indexes, the
  ``<link rel="alternate">`` tags (Material fetches a sitemap beside each), and the home page's
  link to this zip (``{ .offline-download }`` paragraph);
* the repository's licences (``LICENSE``, MIT, for the code; ``LICENSE-docs``, CC BY-SA 4.0, for
  the text) sit beside the home page.
"""
from __future__ import annotations

import base64
import io
import json
import posixpath
import re
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

from hooks import ROOT
from hooks.build import plugins
from hooks.build.files import write_atomic
from hooks.downloads.archive import licences

ZIP = "assets/adam-yogi-offline.zip"
FOLDER = "adam-yogi"  # the folder the zip unpacks to
SHIM = ROOT / "node_modules" / "iframe-worker" / "shim" / "index.js"
SHIM_DEST = "assets/javascripts/iframe-worker.js"
INDEX = "search/search_index.json"
FONT_CSS = "assets/mathjax/mathjax.css"
FONT_URL = re.compile(r'url\("woff2/([\w.-]+\.woff2)"\)')
LEFT_OUT = re.compile(r"(^|/)(404\.html|sitemap\.xml(\.gz)?|search_index\.json)$|^assets/mathjax/woff2/|\.tmp$")
HREF = re.compile(r'(\shref=")([^"]*)(")')
ALTERNATE = re.compile(r'<link rel="alternate" href="[^"]*" hreflang="[^"]*">\s*')
BUNDLE = re.compile(r'<script src="([^"]*)assets/javascripts/bundle\.[0-9a-f]+\.min\.js"( defer)?></script>')
DOWNLOAD = re.compile(r'<p class="offline-download">.*?</p>\s*', re.S)
FONT_PRELOAD = re.compile(r'<link rel="preload" href="[^"]*assets/mathjax/woff2/[^"]*" as="font"[^>]*>')
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the same zip for the same site


def page_link(href: str, page_dir: str, site_url: str) -> str:
    """An href of a page in ``page_dir`` (a folder of the site) as a link to a file on disk."""
    if site_url and href.startswith(site_url):
        rest, base = href[len(site_url):], ""  # absolute, to this site: made relative
    else:
        url = urlsplit(href)
        if url.scheme or url.netloc or not href or href.startswith(("/", "#")):
            return href
        rest, base = href, page_dir
    path, _, fragment = rest.partition("#")
    path, _, query = path.partition("?")
    folder = path == "" or path.endswith("/") or posixpath.basename(path) in (".", "..")
    site_path = posixpath.normpath(posixpath.join(base, path)) if path else (base or ".")
    site_path = "" if site_path == "." else site_path
    file_path = posixpath.join(site_path, "index.html") if folder else site_path
    relative = posixpath.relpath(file_path, page_dir or ".")
    return relative + (f"?{query}" if query else "") + (f"#{fragment}" if fragment else "")


def offline_html(html: str, page_dir: str, site_url: str) -> str:
    html = ALTERNATE.sub("", html)
    html = DOWNLOAD.sub("", html)
    html = FONT_PRELOAD.sub("", html)  # the copy's style sheet carries its fonts (no woff2 files)
    html = HREF.sub(lambda m: m.group(1) + page_link(m.group(2), page_dir, site_url) + m.group(3), html)
    # the shim runs just before the bundle (deferred like it, when it is)
    html, shims = BUNDLE.subn(lambda m: f'<script src="{m.group(1)}{SHIM_DEST}"{m.group(2) or ""}></script>{m.group(0)}', html)
    if shims != 1:
        raise PluginError(f"offline copy: expected Material's bundle script once in {page_dir or '.'}/…, found {shims}")
    return html


def offline_css(css: str, fonts: Path) -> str:
    """The math style sheet with its fonts inlined (browsers load no font from file://)."""

    def inline(match):
        data = base64.b64encode((fonts / match.group(1)).read_bytes()).decode("ascii")
        return f'url("data:font/woff2;base64,{data}")'

    return FONT_URL.sub(inline, css)


def _index_location(location: str) -> str:
    """A search result's location (site-relative: "adam/#bias") as a file: "adam/index.html#bias"."""
    return page_link("./" + location if location.startswith("#") or not location else location, "", "")


def offline_index(site: Path, languages: list[str], default: str) -> str:
    """Every language's search index in one script; a page takes its own language's."""
    indexes = {}
    for lang in languages:
        index = json.loads((site / (INDEX if lang == default else f"{lang}/{INDEX}")).read_text(encoding="utf-8"))
        for entry in index["docs"]:
            entry["location"] = _index_location(entry["location"])
        indexes[lang] = index
    data = json.dumps(indexes, ensure_ascii=False, separators=(",", ":"))
    return (
        f"var __index = (function (all) {{ return all[document.documentElement.lang] || all[{json.dumps(default)}]; }})({data});\n"
    )


def build_zip(site: Path, config) -> bytes:
    """The zip of the site in ``site`` (the files this build wrote there: a symbolic link among
    them fails, since nothing of the build makes one)."""
    languages, default = plugins.languages(config), plugins.default_language(config)
    site_url = config.site_url or ""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:

        def add(name: str, data: bytes | str):
            info = zipfile.ZipInfo(f"{FOLDER}/{name}", date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)

        paths = sorted(site.rglob("*"))
        links = [path.relative_to(site).as_posix() for path in paths if path.is_symlink()]
        if links:
            raise PluginError(f"offline copy: {', '.join(links)} is a symbolic link in the site, which the build never makes")
        for path in paths:
            name = path.relative_to(site).as_posix()
            if not path.is_file():
                continue
            if name == ZIP or LEFT_OUT.search(name):
                continue
            if name.endswith(".html"):
                add(name, offline_html(path.read_text(encoding="utf-8"), posixpath.dirname(name), site_url))
            elif name == FONT_CSS:
                add(name, offline_css(path.read_text(encoding="utf-8"), path.parent / "woff2"))
            else:
                add(name, path.read_bytes())
        add("search/search_index.js", offline_index(site, languages, default))
        add(SHIM_DEST, SHIM.read_bytes())
        for name, content in licences().items():
            add(name, content)
    return buffer.getvalue()


def placeholder(files, config):
    """The zip is made last; a placeholder lets the home pages' links to it validate."""
    if not SHIM.is_file():
        raise PluginError(f"{SHIM} is missing: run `npm ci` (package-lock.json pins iframe-worker)")
    if files.get_file_from_path(ZIP) is None:
        files.append(File.generated(config, ZIP, content=b""))
    return files


def write(config) -> None:
    site = Path(config.site_dir)
    write_atomic(site / ZIP, build_zip(site, config))
