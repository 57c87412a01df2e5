"""MkDocs hook: the chapters' notebooks and scripts, generated from the pages and executed by
this build.

* A notebook page's source, ``docs/<lang>/notebooks/<chapter>.py`` (jupytext), holds its
  markdown introduction only. The build appends the chapter's cells (hooks/chapters.py): the
  code blocks of ``docs/<lang>/<chapter>.md`` in page order, the plotting cells of its figures
  (snippets/plots.py, labelled from hooks/labels.py), and markdown cells for its headings and
  boxes. The first cell states the requirements. Every code cell comes from a snippet section.
* Their outputs are this build's: hooks/page_runner.py runs each chapter's code once, in page
  order, in a fresh ``python -I`` in a temporary folder outside the repository, without
  ``PYTHONPATH`` (the reader's situation), and runs the notebooks' plotting cells there too,
  per language, among the page's blocks. Each code cell gets what it printed, the figures it
  showed and its result, as a Jupyter kernel shows them (tests/test_takeaway.py executes every
  published notebook in a kernel and compares). A raising cell fails the build. mkdocs-jupyter
  renders these notebooks; it executes nothing itself (``execute: false``).
* Each chapter offers two downloads, linked from its page (``<!-- downloads -->``) and from its
  notebook page: the notebook with this build's outputs (``.ipynb``), and the chapter's
  complete script (``.py``: the same cells, which runs with ``python`` alone).
* Notebook pages survive mkdocs-static-i18n: that plugin rebuilds the file list after
  mkdocs-jupyter has marked the notebooks as pages, and would otherwise publish them as raw
  copies of their ``.py`` source. We re-mark them after it, give them the URL a page gets, and
  link each to its counterpart in the other language.
"""
from __future__ import annotations

import copy
import hashlib
import json
import os
import posixpath
import sys
import tempfile
from pathlib import Path, PurePosixPath

import jupytext
import mkdocs_jupyter
import mkdocs_jupyter.convert
import nbformat
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import Files
from mkdocs_jupyter.plugin import NotebookFile

HOOKS = Path(__file__).resolve().parent
ROOT = HOOKS.parent
if str(ROOT) not in sys.path:  # `import hooks.chapters` (and `import snippets`) in this process
    sys.path.insert(0, str(ROOT))
from hooks import fresh, page_results  # noqa: E402


chapters, figures, labels = fresh("chapters", "figures", "labels")


def _i18n(config):
    return config.plugins["i18n"]


def _jupyter(config):
    return config.plugins["mkdocs-jupyter"]


def on_config(config):
    global chapters, figures, labels
    chapters, figures, labels = fresh("chapters", "figures", "labels")
    return config


# --- the notebook and the script of a chapter ---------------------------------------------------


def chapter_of(source: str | Path) -> tuple[str, str]:
    """(lang, chapter) of ``docs/<lang>/notebooks/<chapter>.py``."""
    path = Path(source)
    return path.parent.parent.name, path.stem


def generate(source: str | Path) -> tuple[dict, str]:
    """The chapter's notebook (not executed) and its script, from the notebook page's source
    (the introduction) and the chapter page (the code)."""
    lang, chapter = chapter_of(source)
    intro = jupytext.read(str(source))
    if any(cell.cell_type != "markdown" for cell in intro.cells):
        raise PluginError(f"{source}: a notebook source holds markdown only; its code comes from the chapter page")
    if not intro.cells:
        raise PluginError(f"{source}: no introduction")
    text, versions = labels.TEXT[lang], chapters.tested_versions()
    first = intro.cells[0].source.rstrip() + "\n\n" + text["requirements"].format(chapter=f"../../{chapter}/", **versions)
    intro_cells = [{"cell_type": "markdown", "metadata": {}, "source": first}]
    intro_cells += [{"cell_type": "markdown", "metadata": {}, "source": c.source} for c in intro.cells[1:]]
    items = chapters.page(lang, chapter)
    cells = chapters.notebook_cells(items, figures.FIGURES, labels.FIGURE_LABELS[lang], text)
    notebook = nbformat.from_dict(chapters.notebook(intro_cells, cells))
    nbformat.validate(notebook)
    title = intro.cells[0].source.lstrip("# ").splitlines()[0]
    header = text["script_header"].format(title=title, file=f"{chapter}.py", **versions)
    return notebook, chapters.script(header, intro_cells + cells)


# --- their outputs ------------------------------------------------------------------------------

_command: dict = {}


def on_startup(command, dirty):
    _command["name"] = command


def with_outputs(notebook, outputs: list, name: str):
    """A copy of ``notebook`` whose code cells hold ``outputs`` (one list per code cell, from the
    page run) and are numbered as a kernel numbers them."""
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    if len(outputs) != len(code):
        raise PluginError(f"{name}: {len(code)} code cells, but the page run gave outputs for {len(outputs)}")
    notebook = copy.deepcopy(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    for count, (cell, shown) in enumerate(zip(code, outputs), start=1):
        cell.execution_count = count
        cell.outputs = [nbformat.from_dict(dict(o, execution_count=count) if o["output_type"] == "execute_result" else o)
                        for o in shown]
    nbformat.validate(notebook)
    return notebook


class NotebookRuns:
    """This build's notebooks: ``generated`` maps each notebook page's source to its (notebook,
    script); :meth:`executed` gives the notebook with the outputs of this build's run of the
    chapter (hooks/page_runner.py runs the notebook's cells with the page's blocks, in a fresh
    ``python -I`` outside the repository; tests/test_takeaway.py runs the published notebooks in
    a Jupyter kernel and finds the same outputs)."""

    def __init__(self, generated: dict, results: dict):
        self.generated, self._results, self._executed = generated, results, {}

    def executed(self, path: str):
        if path not in self._executed:
            lang, chapter = chapter_of(path)
            try:
                outputs = self._results[chapter]["notebooks"][lang]
            except KeyError:
                raise PluginError(f"{os.path.relpath(path, ROOT)}: this build did not run chapter {chapter!r}") from None
            self._executed[path] = with_outputs(self.generated[path][0], outputs, os.path.relpath(path, ROOT))
        return self._executed[path]

    def script(self, path: str) -> str:
        return self.generated[path][1]


_runs: dict = {}
_nb2html = mkdocs_jupyter.convert.nb2html


CONVERSION_CACHE = ROOT / ".cache" / "notebook-html"


def _converted(convert, nb_path, notebook, suffix, **options) -> str:
    """``convert`` (an nbconvert call of mkdocs-jupyter's) of ``notebook``, given to it as the
    file it expects. Under `mkdocs serve` a conversion whose notebook and options are unchanged
    comes from the previous rebuild (nbconvert took 0.9 s a notebook, half of a prose edit's
    rebuild); a build always converts."""
    cached = None
    if _command.get("name") == "serve":
        digest = hashlib.sha256(json.dumps([notebook, options, mkdocs_jupyter.__version__], sort_keys=True,
                                           default=str).encode())
        cached = CONVERSION_CACHE / f"{Path(nb_path).stem}-{digest.hexdigest()[:16]}{suffix}"
        if cached.is_file():
            return cached.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / (Path(nb_path).stem + ".ipynb")
        nbformat.write(notebook, path)
        text = convert(str(path), **options)
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=cached.parent, suffix=".tmp", delete=False, encoding="utf-8") as tmp:
            tmp.write(text)
        os.replace(tmp.name, cached)  # whole or not at all
    return text


def _nb2html_from_this_build(nb_path, execute=False, **options):
    """mkdocs-jupyter's converter, given the notebook with this build's outputs (when it has one)."""
    runs = _runs.get("current")
    if not (runs and nb_path in runs.generated):
        return _nb2html(nb_path, execute=execute, **options)
    return _converted(_nb2html, nb_path, runs.executed(nb_path), ".html", execute=False, **options)


_nb2md = mkdocs_jupyter.convert.nb2md


def _nb2md_from_this_build(nb_path, **options):
    """mkdocs-jupyter's markdown view of a notebook, from which it builds the page's table of
    contents: of the notebook this build generated (the source holds the introduction only)."""
    runs = _runs.get("current")
    if not (runs and nb_path in runs.generated):
        return _nb2md(nb_path, **options)
    return _converted(_nb2md, nb_path, runs.generated[nb_path][0], ".md", **options)


mkdocs_jupyter.convert.nb2html = _nb2html_from_this_build
mkdocs_jupyter.convert.nb2md = _nb2md_from_this_build


def _start_notebooks(config):
    """At the first language of each build: every language's notebooks, with this build's outputs."""
    jupyter = _jupyter(config)
    if jupyter.config["execute"]:
        raise PluginError("mkdocs-jupyter must not execute the notebooks again (execute: false): "
                          "their outputs come from this build's page runs")
    sources = sorted(
        str(path)
        for path in Path(config.docs_dir).rglob("*.py")
        if any(PurePosixPath(path.as_posix()).match(pattern) for pattern in jupyter.config["include"])
    )
    generated = {source: generate(source) for source in sources}
    _runs["current"] = NotebookRuns(generated, page_results.RESULTS)


# --- notebook pages under i18n ------------------------------------------------------------------


def _page_url(norm_src_uri: str, lang: str, default: str, use_directory_urls: bool) -> str:
    """The URL of the page built from ``<lang>/<norm_src_uri>`` (``notebooks/x.py``)."""
    stem = posixpath.splitext(("" if lang == default else f"{lang}/") + norm_src_uri)[0]
    return f"{stem}/" if use_directory_urls else f"{stem}.html"


class _Alternate:
    """What the language switcher and i18n's sitemap read of a counterpart page."""

    page = None

    def __init__(self, url: str):
        self.url = url


@event_priority(-200)  # after mkdocs-static-i18n (-100), which rebuilt every File, and page runs (-150)
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


# --- the downloads ------------------------------------------------------------------------------

DOWNLOADS = "<!-- downloads -->"
# What of a notebook page stays out of the search index: the code and its hidden copy for the
# copy button. Only elements with no descendant of their own tag: Material's
# search parser ends an excluded element at the first closing tag of the same name.
SEARCH_EXCLUDED = {
    "<pre>": "<pre data-search-exclude>",
    '<div class="clipboard-copy-txt"': '<div data-search-exclude class="clipboard-copy-txt"',
}


def _download_names(chapter: str) -> tuple[str, str]:
    return f"{chapter}.ipynb", f"{chapter}.py"


def _notebook_source(config, lang: str, chapter: str) -> Path:
    return Path(config.docs_dir) / lang / "notebooks" / f"{chapter}.py"


def on_page_markdown(markdown, page, config, files):
    """A chapter page's ``<!-- downloads -->`` becomes the links to its notebook and script."""
    if DOWNLOADS not in markdown:
        return markdown
    lang, rel = page.file.src_uri.split("/", 1)
    chapter = rel.removesuffix(".md")
    if not _notebook_source(config, lang, chapter).is_file():
        raise PluginError(f"{page.file.src_uri}: download links, but no notebook docs/{lang}/notebooks/{chapter}.py")
    here = posixpath.dirname(page.url.rstrip("/") + "/index.html") if config.use_directory_urls else posixpath.dirname(page.url)
    prefix = "" if lang == _i18n(config).default_language else f"{lang}/"
    folder = f"{prefix}notebooks/{chapter}"
    ipynb, py = _download_names(chapter)
    links = {name: posixpath.relpath(f"{folder}/{target}", here or ".") for name, target in (("ipynb", ipynb), ("py", py))}
    links["page"] = posixpath.relpath(folder, here or ".") + "/"
    text = labels.TEXT[lang]
    box = f'!!! tip "{text["downloads_title"]}"\n    {text["downloads"].format(**links)}'
    return markdown.replace(DOWNLOADS, box, 1)


def on_page_content(html, page, config, files):
    """Notebook pages start with the links to their .ipynb and the chapter's .py. Their code
    cells stay out of the search index: the chapter page holds the same code, and indexing it
    twice doubled the index that every page loads."""
    if isinstance(page.file, NotebookFile):
        ipynb, py = _download_names(Path(page.file.src_uri).stem)
        links = labels.TEXT[_i18n(config).current_language]["notebook_downloads"].format(ipynb=ipynb, py=py)
        html = f'<p class="notebook-download">{links}</p>\n' + html
        for opening, excluded in SEARCH_EXCLUDED.items():
            html = html.replace(opening, excluded)
    return html


def on_post_page(output, page, config):
    """Publish the notebook as this build executed it, and the chapter's script, beside its page."""
    if isinstance(page.file, NotebookFile):
        runs = _runs.get("current")
        source = page.file.abs_src_path
        if not (runs and source in runs.generated):
            raise PluginError(f"{page.file.src_uri}: this build did not generate the notebook")
        ipynb, py = _download_names(Path(source).stem)
        folder = Path(page.file.abs_dest_path).parent
        folder.mkdir(parents=True, exist_ok=True)
        nbformat.write(runs.executed(source), folder / ipynb)
        (folder / py).write_text(runs.script(source), encoding="utf-8")
    return output
