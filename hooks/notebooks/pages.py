"""The notebook pages: files, pages and download links of the chapters' notebooks.

* For each notebook page of the language being built, the executed notebook (``.ipynb``) and the
  chapter's script (``.py``) are written into the page's folder of the site
  (hooks/notebooks/generate.py makes them): they are the page's two downloads. The page's file
  becomes that ``.ipynb`` (MkDocs' ``File.generated`` with ``abs_src_path``), which mkdocs-jupyter
  renders as it renders any notebook (``execute: false``: it only converts), through its own
  options; nothing of mkdocs-jupyter is patched.
* Notebook pages survive mkdocs-static-i18n: that plugin rebuilds the file list after
  mkdocs-jupyter has marked the notebooks as pages, and would otherwise publish them as raw
  copies of their ``.py`` source. They are marked again after it (hooks/build/plugins.py says
  why that needs its internals), with the URL a page gets, and linked to their counterpart in
  the other language.
* A chapter page's ``<!-- downloads -->`` becomes the links to its notebook and script; a
  notebook page starts with them. A notebook page's code stays out of the search index: the
  chapter page holds the same code, and indexing it twice doubled the index every page loads.
"""
from __future__ import annotations

import os
import posixpath
from pathlib import Path, PurePosixPath

import nbformat
from mkdocs.exceptions import PluginError

from hooks.build import plugins
from hooks.build.files import write_atomic
from hooks.notebooks import generate
from hooks.pages import labels

NotebookFile = plugins.NotebookFile
SOURCE = "*/notebooks/*.py"  # a notebook page's source, docs/<lang>/notebooks/<chapter>.py
DOWNLOADS = "<!-- downloads -->"
# What of a notebook page stays out of the search index: the code and its hidden copy for the
# copy button. Only elements with no descendant of their own tag: Material's
# search parser ends an excluded element at the first closing tag of the same name.
SEARCH_EXCLUDED = {
    "<pre>": "<pre data-search-exclude>",
    '<div class="clipboard-copy-txt"': '<div data-search-exclude class="clipboard-copy-txt"',
}


def check_config(config) -> None:
    """mkdocs-jupyter converts the notebooks this build executed; it must not run them again,
    and it must take the executed ``.ipynb`` written beside each page for a notebook."""
    jupyter = plugins.jupyter(config)
    if jupyter.config["execute"]:
        raise PluginError("mkdocs-jupyter must not execute the notebooks again (execute: false): "
                          "their outputs come from this build's page runs")
    probe = PurePosixPath("/site/en/notebooks/adam/adam.ipynb")
    if not any(probe.match(pattern) for pattern in jupyter.config["include"]):
        raise PluginError("mkdocs-jupyter's include must match the executed notebooks the build writes "
                          "(<site>/<lang>/notebooks/<chapter>/<chapter>.ipynb): add \"*/notebooks/*/*.ipynb\"")


def download_names(chapter: str) -> tuple[str, str]:
    return f"{chapter}.ipynb", f"{chapter}.py"


def _page_url(norm_src_uri: str, lang: str, default: str, use_directory_urls: bool) -> str:
    """The URL of the page built from ``<lang>/<norm_src_uri>`` (``notebooks/x.py``)."""
    stem = posixpath.splitext(("" if lang == default else f"{lang}/") + norm_src_uri)[0]
    return f"{stem}/" if use_directory_urls else f"{stem}.html"


class _Alternate:
    """What the language switcher and i18n's sitemap read of a counterpart page."""

    page = None

    def __init__(self, url: str):
        self.url = url


def notebook_pages(files, config, pages, results: dict):
    """The files of the language being built, its notebook pages made again: each one's executed
    notebook and script written into its folder of the site, and the page rendered from that
    notebook. (Run after mkdocs-static-i18n has rebuilt the file list.)"""
    current, default = plugins.current_language(config), plugins.default_language(config)
    languages = plugins.languages(config)
    docs_dir = Path(config.docs_dir)
    kept = []
    for file in files:
        if not (file.abs_src_path and file.src_uri.endswith(".py") and PurePosixPath(file.src_uri).match(SOURCE)
                and Path(file.abs_src_path).is_relative_to(docs_dir)):
            kept.append(file)
            continue
        if plugins.locale(file) != current:
            continue  # the other language's notebook: i18n copies it as an asset, we drop it
        notebook, script = generate.executed(file.abs_src_path, pages, results, f"docs/{file.src_uri}")
        folder = Path(config.site_dir) / posixpath.dirname(file.dest_uri)
        ipynb, py = download_names(Path(file.src_uri).stem)
        write_atomic(folder / ipynb, nbformat.writes(notebook) + "\n")
        write_atomic(folder / py, script)
        # The page is read from the executed notebook (as File.generated(abs_src_path=...) does);
        # i18n's File keeps its language-aware destination and its other languages.
        file.abs_src_path = str(folder / ipynb)
        file.alternates = {
            lang: _Alternate(_page_url(file.norm_src_uri, lang, default, config.use_directory_urls))
            for lang in languages
            if (docs_dir / lang / file.norm_src_uri).is_file()
        }
        page = NotebookFile(file, **config)
        page.abs_src_path = file.abs_src_path  # File's own property would compute the source's path
        page.dest_path, page.url = file.dest_path, file.url
        page.abs_dest_path = os.path.normpath(os.path.join(config.site_dir, file.dest_path))
        kept.append(page)
    files = plugins.files_like(files, config, kept)
    plugins.set_pages(config, current, files.documentation_pages())
    return files


def is_notebook_page(page) -> bool:
    return isinstance(page.file, NotebookFile)


def download_box(markdown: str, page, config) -> str:
    """A chapter page's ``<!-- downloads -->`` becomes the links to its notebook and script."""
    if DOWNLOADS not in markdown:
        return markdown
    lang, rel = page.file.src_uri.split("/", 1)
    chapter = rel.removesuffix(".md")
    if not (Path(config.docs_dir) / lang / "notebooks" / f"{chapter}.py").is_file():
        raise PluginError(f"{page.file.src_uri}: download links, but no notebook docs/{lang}/notebooks/{chapter}.py")
    here = posixpath.dirname(page.url.rstrip("/") + "/index.html") if config.use_directory_urls else posixpath.dirname(page.url)
    prefix = "" if lang == plugins.default_language(config) else f"{lang}/"
    folder = f"{prefix}notebooks/{chapter}"
    ipynb, py = download_names(chapter)
    links = {name: posixpath.relpath(f"{folder}/{target}", here or ".") for name, target in (("ipynb", ipynb), ("py", py))}
    links["page"] = posixpath.relpath(folder, here or ".") + "/"
    text = labels.TEXT[lang]
    box = f'!!! tip "{text["downloads_title"]}"\n    {text["downloads"].format(**links)}'
    return markdown.replace(DOWNLOADS, box, 1)


def with_downloads(html: str, page, config) -> str:
    """A notebook page starts with the links to its .ipynb and the chapter's .py; its code
    cells stay out of the search index."""
    ipynb, py = download_names(Path(page.file.src_uri).stem)
    links = labels.TEXT[plugins.current_language(config)]["notebook_downloads"].format(ipynb=ipynb, py=py)
    html = f'<p class="notebook-download">{links}</p>\n' + html
    for opening, excluded in SEARCH_EXCLUDED.items():
        html = html.replace(opening, excluded)
    return html
