"""The chapters' notebooks and scripts, generated from the pages, with this build's outputs.

* A notebook page's source, ``docs/<lang>/notebooks/<chapter>.py`` (jupytext), holds its
  markdown introduction only. The build appends the chapter's cells (hooks/pages/chapters.py):
  the code blocks of ``docs/<lang>/<chapter>.md`` in page order, the plotting cells of its
  figures (snippets/plots.py, labelled from hooks/pages/labels.py), and markdown cells for its
  headings and boxes. The first cell states the requirements. Every code cell comes from a
  snippet section.
* Their outputs are this build's: the page runner (hooks/runs/runner.py) runs each chapter's
  code once, in page order, in a fresh ``python -I`` outside the repository, and runs the
  notebooks' plotting cells there too, per language, among the page's blocks. Each code cell
  gets what it printed, the figures it showed and its result, as a Jupyter kernel shows them
  (tests/test_takeaway.py executes every published notebook in a kernel and compares). A
  raising cell fails the build.
* The script (``.py``) is the same cells as one file that runs with ``python`` alone.
"""
from __future__ import annotations

import copy
from pathlib import Path

import jupytext
import nbformat
from mkdocs.exceptions import PluginError

from hooks.pages import chapters, figures, labels


def chapter_of(source: str | Path) -> tuple[str, str]:
    """(lang, chapter) of ``docs/<lang>/notebooks/<chapter>.py``."""
    path = Path(source)
    return path.parent.parent.name, path.stem


def generate(source: str | Path, pages) -> tuple[dict, str]:
    """The chapter's notebook (not executed) and its script, from the notebook page's source
    (the introduction) and the chapter page (the code; ``pages``: the build's reading of them)."""
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
    cells = chapters.notebook_cells(pages.page(lang, chapter), figures.FIGURES, labels.FIGURE_LABELS[lang], text,
                                    section=pages.section)
    notebook = nbformat.from_dict(chapters.notebook(intro_cells, cells))
    nbformat.validate(notebook)
    title = intro.cells[0].source.lstrip("# ").splitlines()[0]
    header = text["script_header"].format(title=title, file=f"{chapter}.py", **versions)
    return notebook, chapters.script(header, intro_cells + cells)


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


def executed(source: str | Path, pages, results: dict, name: str) -> tuple[dict, str]:
    """The chapter's notebook with this build's outputs (``results``: the page runs), and its
    script; ``name`` is how errors name the source."""
    lang, chapter = chapter_of(source)
    notebook, script = generate(source, pages)
    try:
        outputs = results[chapter]["notebooks"][lang]
    except KeyError:
        raise PluginError(f"{name}: this build did not run chapter {chapter!r}") from None
    return with_outputs(notebook, outputs, name), script
