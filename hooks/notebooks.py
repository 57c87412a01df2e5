"""MkDocs hook: notebook pages, executed by this build.

* Notebook pages survive mkdocs-static-i18n: that plugin rebuilds the file list after
  mkdocs-jupyter has marked the notebooks as pages, and would otherwise publish them as raw
  copies of their ``.py`` source. We re-mark them after it, give them the URL a page gets, and
  link each to its counterpart in the other language.
* Notebooks are executed at the start of every build, all languages at once, in parallel
  (mkdocs-jupyter would run them one after the other, a fresh kernel each, which dominated the
  build time). mkdocs-jupyter then renders these executed notebooks: outputs always come from
  this build, and a cell that raises fails it, exactly as with its own ``execute: true``.
* Each notebook page gets an ``.ipynb`` download: the notebook as this build executed it.
* Notebook kernels can ``import snippets``: the project root is put on ``PYTHONPATH``.
"""
from __future__ import annotations

import hashlib
import os
import posixpath
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path, PurePosixPath

import jupytext
import mkdocs_jupyter.convert
import nbformat
from nbclient import NotebookClient
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import Files
from mkdocs_jupyter.plugin import NotebookFile

ROOT = Path(__file__).resolve().parents[1]


def _i18n(config):
    return config.plugins["i18n"]


def _jupyter(config):
    return config.plugins["mkdocs-jupyter"]


def on_config(config):
    # Kernels that execute the notebooks inherit this environment.
    paths = [str(ROOT), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    os.environ["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    return config


def _page_url(norm_src_uri: str, lang: str, default: str, use_directory_urls: bool) -> str:
    """The URL of the page built from ``<lang>/<norm_src_uri>`` (``notebooks/x.py``)."""
    stem = posixpath.splitext(("" if lang == default else f"{lang}/") + norm_src_uri)[0]
    return f"{stem}/" if use_directory_urls else f"{stem}.html"


class _Alternate:
    """What the language switcher and i18n's sitemap read of a counterpart page."""

    page = None

    def __init__(self, url: str):
        self.url = url


NOTEBOOK_CACHE = ROOT / ".cache" / "notebooks"
_command: dict = {}


def on_startup(command, dirty):
    _command["name"] = command


def _notebook_key(path: str) -> str:
    """What a notebook's outputs depend on: its source, the code it can import, the device."""
    h = hashlib.sha256(Path(path).read_bytes())
    for module in sorted((ROOT / "snippets").rglob("*.py")):
        h.update(module.name.encode() + module.read_bytes())
    h.update(os.environ.get("ADAM_YOGI_DEVICE", "").encode() + os.environ.get("ADAM_YOGI_DATA_DIR", "").encode())
    return h.hexdigest()[:16]


def _execute(path: str, kernel_name: str, use_cache: bool = False):
    """Run one jupytext notebook from the top in a fresh kernel; a raising cell raises here.

    Under `mkdocs serve` (use_cache) a notebook whose source and snippets are unchanged is
    taken from the previous run, so editing prose re-renders in seconds; `mkdocs build` always
    executes.
    """
    # One cache entry per source file (zh/ and en/ notebooks share their names).
    name = f"{Path(path).stem}-{hashlib.sha256(str(Path(path).resolve()).encode()).hexdigest()[:8]}"
    cached = NOTEBOOK_CACHE / f"{name}-{_notebook_key(path)}.ipynb"
    if use_cache and cached.is_file():
        return nbformat.read(cached, as_version=4)
    notebook = jupytext.read(path)
    NotebookClient(
        notebook,
        kernel_name=kernel_name or "python3",
        allow_errors=False,
        timeout=600,
        resources={"metadata": {"path": str(Path(path).parent)}},
    ).execute()
    if use_cache:
        cached.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=cached.parent, suffix=".tmp", delete=False, encoding="utf-8") as tmp:
            nbformat.write(notebook, tmp)
        os.replace(tmp.name, cached)  # whole or not at all
        for stale in NOTEBOOK_CACHE.glob(f"{name}-{'?' * 16}.ipynb"):  # older runs of this file
            if stale != cached:
                stale.unlink()
    return notebook


class NotebookRuns:
    """This build's executions of every notebook source, started together."""

    def __init__(self, paths, kernel_name, use_cache=False):
        self._pool = ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2), thread_name_prefix="notebook")
        self.futures = {path: self._pool.submit(_execute, path, kernel_name, use_cache) for path in paths}
        self._pool.shutdown(wait=False)  # the threads end with their notebook

    def executed(self, path: str):
        try:
            return self.futures[path].result()
        except Exception as error:
            raise PluginError(f"notebook {os.path.relpath(path, ROOT)} failed to execute:\n{error}") from error


_runs: dict = {}
_nb2html = mkdocs_jupyter.convert.nb2html


def _nb2html_from_this_build(nb_path, execute=False, **options):
    """mkdocs-jupyter's converter, given the notebook this build executed (when it has one)."""
    runs = _runs.get("current")
    if not (execute and runs and nb_path in runs.futures):
        return _nb2html(nb_path, execute=execute, **options)
    with tempfile.TemporaryDirectory() as tmp:
        executed = Path(tmp) / (Path(nb_path).stem + ".ipynb")
        nbformat.write(runs.executed(nb_path), executed)
        return _nb2html(str(executed), execute=False, **options)


mkdocs_jupyter.convert.nb2html = _nb2html_from_this_build


def _start_notebooks(config):
    """At the first language of each build: execute every language's notebooks in parallel."""
    jupyter = _jupyter(config)
    if not jupyter.config["execute"]:
        _runs.pop("current", None)
        return
    sources = sorted(
        str(path)
        for path in Path(config.docs_dir).rglob("*.py")
        if any(PurePosixPath(path.as_posix()).match(pattern) for pattern in jupyter.config["include"])
    )
    _runs["current"] = NotebookRuns(sources, jupyter.config["kernel_name"], use_cache=_command.get("name") == "serve")


@event_priority(-200)  # after mkdocs-static-i18n (-100), which rebuilt every File
def on_files(files: Files, config):
    i18n, jupyter = _i18n(config), _jupyter(config)
    current, default = i18n.current_language, i18n.default_language
    languages = [lang.locale for lang in i18n.config.languages if lang.build]
    docs_dir = Path(config.docs_dir)
    urls = config.use_directory_urls

    if current == default:
        _start_notebooks(config)

    kept = []
    for file in files:
        if not (file.abs_src_path and jupyter.should_include(file)):
            kept.append(file)
            continue
        if file.locale != current:
            continue  # the other language's notebook: i18n copies it as an asset, we drop it
        # i18n kept the page destination mkdocs-jupyter gave it but made it a plain File again;
        # wrap it once more, keeping i18n's (language-aware) destination.
        page = NotebookFile(file, **config)
        page.dest_path, page.url = file.dest_path, file.url
        page.abs_dest_path = os.path.normpath(os.path.join(config.site_dir, file.dest_path))
        file.alternates = {
            lang: _Alternate(_page_url(file.norm_src_uri, lang, default, urls))
            for lang in languages
            if (docs_dir / lang / file.norm_src_uri).is_file()
        }
        kept.append(page)

    files = type(files)(i18n, kept)
    i18n.i18n_files_per_language[current] = files.documentation_pages()
    return files


DOWNLOAD_LABEL = {"zh": "下载本笔记本（.ipynb）", "en": "Download this notebook (.ipynb)"}


def on_page_content(html, page, config, files):
    """Notebook pages start with the link to their .ipynb download."""
    if isinstance(page.file, NotebookFile):
        label = DOWNLOAD_LABEL[_i18n(config).current_language]
        html = f'<p class="notebook-download"><a href="{_ipynb_name(page)}" download>{label}</a></p>\n' + html
    return html


def _ipynb_name(page) -> str:
    return posixpath.splitext(posixpath.basename(page.file.src_uri))[0] + ".ipynb"


def on_post_page(output, page, config):
    """Publish the notebook as this build executed it, beside its page, for download."""
    if isinstance(page.file, NotebookFile):
        runs = _runs.get("current")
        source = page.file.abs_src_path
        notebook = runs.executed(source) if runs and source in runs.futures else jupytext.read(source)
        target = Path(page.file.abs_dest_path).parent / _ipynb_name(page)
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, target)
    return output
