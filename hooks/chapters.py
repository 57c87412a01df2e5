"""What a chapter page is made of, in page order (a library for the hooks, not a hook itself).

A chapter page (``docs/<lang>/<name>.md``) holds prose and, in this order of appearance:

* ``--8<-- "snippets/<file>.py:<section>"`` inside a ```` ```python ```` fence: a code block;
* ``<!-- output -->`` on a line of its own: what the code blocks since the previous marker
  printed (page_runs.py puts it there);
* ``![caption](figures/<name>.svg)``: a figure, drawn from the chapter's namespace by the cells
  ``snippets/plots.py`` holds for it (figures.py names them);
* ``<!-- benchmark -->``, ``<!-- downloads -->``, ``<!-- code-download -->``,
  ``<!-- package-download -->``: the benchmark table, the chapter's download links, the code
  archive, the torch-yogi wheel (each replaced by its hook);
* headings and ``??? type "title"`` boxes, which notebooks keep as markdown cells.

:func:`parse` turns a page into these items; :func:`section` reads a section as the page shows
it (dedented, as pymdownx.snippets' ``dedent_subsections`` does); :func:`notebook_cells` and
:func:`script` build the chapter's notebook and script from the items of one language.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
LANGUAGES = ("zh", "en")
NOT_CHAPTERS = ("index.md", "glossary.md")  # pages that are not chapters (no run, no notebook)

INCLUDE = re.compile(r'^(\s*)--8<-- "([^"]+)"\s*$')
FENCE = re.compile(r"^(\s*)```(\S*)")
OUTPUT = re.compile(r"^(\s*)<!-- output -->\s*$")
MARKER = re.compile(r"^(\s*)<!-- (benchmark|downloads|code-download|package-download) -->\s*$")
FIGURE = re.compile(r"!\[[^\]]*\]\(figures/([a-z0-9-]+)\.svg\)")
HEADING = re.compile(r"^(#{1,6}) (.*?)(?:\s*\{ *#([a-z0-9-]+) *\})?\s*$")
BOX = re.compile(r'^(\s*)(?:\?\?\?\+?|!!!) [a-z]+(?: "(.*)")?\s*$')
EXPAND = re.compile(r"\s*[（(](?:点击展开|expand)[）)]\s*$")
SECTION_MARK = re.compile(r"^[ \t]*# --8<-- \[(start|end):([a-z0-9-]+)\][ \t]*$", re.M)


@dataclass(frozen=True)
class Item:
    kind: str  # "code", "output", "figure", "heading", "box", or a marker's name
    value: str = ""  # the include target, the figure name, the heading or box title
    indent: str = ""  # the indentation of the line (a box's content is indented)
    level: int = 0  # a heading's level


def parse(markdown: str) -> list[Item]:
    """The items of a page, in order; a code include outside a python fence is an error."""
    items, fence = [], None
    for number, line in enumerate(markdown.splitlines(), start=1):
        fenced = FENCE.match(line)
        if fenced and fence is None:
            fence = fenced.group(2) or "text"
            continue
        if fenced and fence is not None and not fenced.group(2):
            fence = None
            continue
        if m := INCLUDE.match(line):
            if fence != "python":
                raise ValueError(f"line {number}: include {m.group(2)!r} outside a python fence")
            items.append(Item("code", m.group(2), m.group(1)))
            continue
        if fence is not None:
            continue
        if m := OUTPUT.match(line):
            items.append(Item("output", indent=m.group(1)))
        elif m := MARKER.match(line):
            items.append(Item(m.group(2), indent=m.group(1)))
        elif m := HEADING.match(line):
            items.append(Item("heading", m.group(2).strip(), level=len(m.group(1))))
        elif m := BOX.match(line):
            items.append(Item("box", (m.group(2) or "").strip(), m.group(1)))
        else:
            items.extend(Item("figure", name) for name in FIGURE.findall(line))
    return items


def page(lang: str, name: str) -> list[Item]:
    return parse((DOCS / lang / f"{name}.md").read_text(encoding="utf-8"))


def chapter_names() -> list[str]:
    """The chapters: every page of the default language but the home page and the glossary."""
    return sorted(p.stem for p in (DOCS / LANGUAGES[0]).glob("*.md") if p.name not in NOT_CHAPTERS)


def sections(path: Path) -> dict[str, str]:
    """{name: code} of one file, each dedented as the page shows it; unbalanced markers raise."""
    text = path.read_text(encoding="utf-8")
    found, open_name, start = {}, None, 0
    for match in SECTION_MARK.finditer(text):
        kind, name = match.groups()
        if kind == "start":
            if open_name is not None:
                raise ValueError(f"{path.name}: section {name!r} starts inside {open_name!r}")
            open_name, start = name, match.end() + 1
        else:
            if open_name != name:
                raise ValueError(f"{path.name}: end of {name!r} without its start")
            found[name] = textwrap.dedent(text[start : match.start()]).strip("\n") + "\n"
            open_name = None
    if open_name is not None:
        raise ValueError(f"{path.name}: section {open_name!r} never ends")
    return found


def section(target: str) -> str:
    """The code of ``snippets/<file>.py:<section>`` as a page shows it."""
    path, _, name = target.partition(":")
    found = sections(ROOT / path)
    if name not in found:
        raise ValueError(f"{path} has no section {name!r}")
    return found[name]


# --- running a reader's code -------------------------------------------------------------------


def reader_env(device: str) -> dict:
    """The environment the build runs a reader's code in (the page runner): no ``PYTHONPATH``
    and no visible GPU when the build asked for the CPU. (No ``MPLBACKEND`` either: the
    runner chooses its own.)"""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "MPLBACKEND")}
    if device == "cpu":
        env["CUDA_VISIBLE_DEVICES"] = ""
    return env


def data_fingerprint() -> str:
    """What decides which data a reader's code reads here: ``$ADAM_YOGI_DATA_DIR`` and the files
    it (or the user's cache folder) holds."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from snippets.data import FILENAME, cache_dir

    h = hashlib.sha256()
    folder = os.environ.get("ADAM_YOGI_DATA_DIR", "")
    h.update(folder.encode())
    for path in ([Path(folder) / FILENAME] if folder else []) + [cache_dir() / FILENAME]:
        if path.is_file():
            h.update(path.read_bytes())
    return h.hexdigest()


def tested_versions() -> dict:
    """The pinned versions of torch and matplotlib (requirements.txt): what the build tested."""
    pins = dict(line.split("==", 1) for line in (ROOT / "requirements.txt").read_text().split() if "==" in line)
    return {"torch": pins["torch"], "matplotlib": pins["matplotlib"]}


# --- notebooks and scripts --------------------------------------------------------------------


def _markdown(text: str) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": text}


def _code(text: str) -> dict:
    return {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": text.rstrip("\n")}


def labels_cell(labels: dict, comment: str) -> str:
    """The cell that defines ``labels``: the figure text of one language, from hooks/labels.py."""
    lines = []
    for key, value in labels.items():
        start = f"    {json.dumps(key)}: "
        if isinstance(value, list):  # wrapped at 79 columns, continued under its first item
            items = [json.dumps(v, ensure_ascii=False) for v in value]
            wrapped = textwrap.wrap(", ".join(items), 79 - len(start) - 2, break_long_words=False,
                                    break_on_hyphens=False)
            pad = "\n" + " " * (len(start) + 1)
            lines.append(f"{start}[{pad.join(wrapped)}],")
        else:
            lines.append(f"{start}{json.dumps(value, ensure_ascii=False)},")
    body = "\n".join(lines)
    return f"# {comment}\nlabels = {{\n{body}\n}}\n"


def notebook_cells(items: list[Item], figures: dict, labels: dict, text: dict) -> list[dict]:
    """The cells of a chapter's notebook: a markdown cell per heading or box that holds code, a
    code cell per code block, and before each figure the plotting cells it needs (``labels``
    and ``setup`` once, each ``plot-*`` function at its first use, then its ``show-*`` cell).

    ``figures``: {name: (plot sections it needs)}; ``labels``: the figure text of the language;
    ``text``: the site's text of the language (the labels cell's comment).
    """
    cells, heading, boxes, defined = [], [], [], set()

    def flush_markdown():
        if heading or boxes:
            cells.append(_markdown("\n\n".join(heading + [f"**{b}**" for b in boxes if b])))
            heading.clear()
            boxes.clear()

    for item in items:
        if item.kind == "heading" and item.level > 1:
            heading[:] = ["#" * item.level + " " + item.value]
            boxes.clear()
        elif item.kind == "box":
            boxes.append(EXPAND.sub("", item.value))  # nothing to expand in a notebook
        elif item.kind == "code":
            flush_markdown()
            cells.append(_code(section(item.value)))
        elif item.kind == "figure":
            flush_markdown()
            if not defined:
                cells.append(_code(labels_cell(labels, text["labels_comment"])))
                cells.append(_code(section("snippets/plots.py:setup")))
                defined.add("setup")
            needed = [s for s in figures[item.value] if s not in defined]
            if needed:
                cells.append(_code("\n\n\n".join(section(f"snippets/plots.py:{s}").rstrip("\n") for s in needed)))
                defined.update(needed)
            cells.append(_code(section(f"snippets/plots.py:show-{item.value}")))
    return cells


def notebook(intro: list[dict], cells: list[dict]) -> dict:
    """A valid nbformat 4 notebook with a python3 kernelspec."""
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python", "file_extension": ".py", "mimetype": "text/x-python"},
        },
        "cells": [dict(cell, id=f"cell-{index}") for index, cell in enumerate(intro + cells)],
    }


def script(header: str, cells: list[dict]) -> str:
    """The chapter as one runnable percent-format script: markdown cells become comments."""
    parts = [header.rstrip("\n") + "\n"]
    for cell in cells:
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            commented = "\n".join(f"# {line}".rstrip() for line in source.splitlines())
            parts.append(f"# %% [markdown]\n{commented}\n")
        else:
            parts.append(f"# %%\n{source.rstrip()}\n")
    return "\n\n".join(parts)
