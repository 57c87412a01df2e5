"""What a page is made of, in page order: read once per build, for every step that needs it.

A page (``docs/<lang>/<name>.md``) holds prose and, in this order of appearance:

* ``--8<-- "snippets/<file>.py:<section>"`` inside a ```` ```python ```` fence: a code block
  (hooks/pages/includes.py puts the section there; the page runs run it);
* ``<!-- output -->`` on a line of its own: what the code blocks since the previous marker
  printed (hooks/runs/results.py puts it there);
* ``![caption](figures/<name>.svg)``: a figure, drawn from the chapter's namespace by the cells
  ``snippets/plots.py`` holds for it (figures.py names them);
* ``<!-- benchmark -->``, ``<!-- downloads -->``, ``<!-- code-download -->``,
  ``<!-- package-download -->``, ``<!-- pdf-download -->``: the benchmark table, the chapter's
  download links, the code archive, the torch-yogi wheel, the PDF of the site (each replaced by
  its step; until a step fills one, it stays an HTML comment, which shows nothing);
* headings and ``??? type "title"`` boxes, which notebooks keep as markdown cells.

:class:`Pages` reads and parses every page of every language once per build (:func:`parse`
turns a page into these items, each with its line); :meth:`Pages.section` reads a section as the
page shows it (dedented), each snippet file once. :func:`notebook_cells` and :func:`script`
build a chapter's notebook and script from the items of one language. The module-level
:func:`page` and :func:`section` read afresh, for the tests.
"""
from __future__ import annotations

import json
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

from mkdocs.utils import meta

from hooks import ROOT

DOCS = ROOT / "docs"
LANGUAGES = ("zh", "en")
NOT_CHAPTERS = ("index.md", "glossary.md")  # pages that are not chapters (no run, no notebook)

INCLUDE = re.compile(r'^(\s*)--8<-- "([^"]+)"\s*$')
SNIPPET_MARK = "--8<--"
FENCE = re.compile(r"^(\s*)```(\S*)")
OUTPUT = re.compile(r"^(\s*)<!-- output -->\s*$")
MARKER = re.compile(r"^(\s*)<!-- (benchmark|downloads|code-download|package-download|pdf-download) -->\s*$")
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
    line: int = 0  # its line of the page (0-based)


def parse(markdown: str) -> list[Item]:
    """The items of a page, in order; a code include outside a python fence is an error."""
    items, fence = [], None
    for index, line in enumerate(markdown.split("\n")):
        number = index + 1
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
            items.append(Item("code", m.group(2), m.group(1), line=index))
            continue
        if SNIPPET_MARK in line and fence in ("python", None) and not line.lstrip().startswith("`"):
            raise ValueError(f"line {number}: {line.strip()!r} is not an include this site knows "
                             '(--8<-- "snippets/<file>.py:<section>", alone on its line)')
        if fence is not None:
            continue
        if m := OUTPUT.match(line):
            items.append(Item("output", indent=m.group(1), line=index))
        elif m := MARKER.match(line):
            items.append(Item(m.group(2), indent=m.group(1), line=index))
        elif m := HEADING.match(line):
            items.append(Item("heading", m.group(2).strip(), level=len(m.group(1)), line=index))
        elif m := BOX.match(line):
            items.append(Item("box", (m.group(2) or "").strip(), m.group(1), line=index))
        else:
            items.extend(Item("figure", name, line=index) for name in FIGURE.findall(line))
    return items


def read_page(path: Path) -> str:
    """A page's markdown as MkDocs reads it (its front matter, if any, left out)."""
    markdown, _ = meta.get_data(path.read_text(encoding="utf-8-sig"))
    return markdown


def page(lang: str, name: str) -> list[Item]:
    """The items of one page, read and parsed afresh (the build uses :class:`Pages`)."""
    return parse(read_page(DOCS / lang / f"{name}.md"))


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


def section(target: str, found: dict | None = None) -> str:
    """The code of ``snippets/<file>.py:<section>`` as a page shows it (``found``: the
    sections of that file, when they were read already)."""
    path, _, name = target.partition(":")
    if not name:
        raise ValueError(f"include {target!r} names no section (snippets/<file>.py:<section>)")
    if found is None:
        if not (ROOT / path).is_file():
            raise ValueError(f"include {target!r}: there is no file {path}")
        found = sections(ROOT / path)
    if name not in found:
        raise ValueError(f"{path} has no section {name!r}")
    return found[name]


class Pages:
    """Every page of every language (``docs/<lang>/*.md``), read and parsed once, and the
    sections of the snippet files they include, each file read once: the build's one reading
    of the pages, shared by its steps (the runs, the notebooks, the pages' code blocks)."""

    def __init__(self, docs: Path = DOCS, languages=LANGUAGES):
        self.docs, self.languages = Path(docs), tuple(languages)
        self.markdown: dict[tuple[str, str], str] = {}
        self.items: dict[tuple[str, str], list[Item]] = {}
        for lang in self.languages:
            for path in sorted((self.docs / lang).rglob("*.md")):
                name = path.relative_to(self.docs / lang).with_suffix("").as_posix()
                self.markdown[lang, name] = text = read_page(path)
                try:
                    self.items[lang, name] = parse(text)
                except ValueError as error:
                    raise ValueError(f"{path.relative_to(self.docs.parent)}, {error}") from None
        self._sections: dict[str, dict[str, str]] = {}

    def page(self, lang: str, name: str) -> list[Item]:
        return self.items[lang, name]

    def chapter_names(self) -> list[str]:
        """The chapters: every page of the default language but the home page and the glossary."""
        return sorted(name for lang, name in self.items
                      if lang == self.languages[0] and "/" not in name and f"{name}.md" not in NOT_CHAPTERS)

    def section(self, target: str) -> str:
        path = target.partition(":")[0]
        if path not in self._sections:
            if not (ROOT / path).is_file():
                raise ValueError(f"include {target!r}: there is no file {path}")
            self._sections[path] = sections(ROOT / path)
        return section(target, self._sections[path])


def tested_versions() -> dict:
    """The pinned versions of torch and matplotlib (requirements.txt): what the build tested."""
    pins = dict(line.split("==", 1) for line in (ROOT / "requirements.txt").read_text().split() if "==" in line)
    return {"torch": pins["torch"], "matplotlib": pins["matplotlib"]}


# --- notebooks and scripts --------------------------------------------------------------------


NOTEBOOK_MATH = {"\\(": "$", "\\)": "$", "\\[": "$$", "\\]": "$$"}


def notebook_math(text: str) -> str:
    """A page's math delimiters as a notebook's markdown writes them: ``\\(x\\)`` becomes
    ``$x$`` (in a notebook, ``\\(`` is an escaped parenthesis)."""
    return re.sub(r"\\[()\[\]]", lambda m: NOTEBOOK_MATH[m.group(0)], text)


def _markdown(text: str) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": notebook_math(text)}


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


def notebook_cells(items: list[Item], figures: dict, labels: dict, text: dict, section=section) -> list[dict]:
    """The cells of a chapter's notebook: a markdown cell per heading or box that holds code, a
    code cell per code block, and before each figure the plotting cells it needs (``labels``
    and ``setup`` once, each ``plot-*`` function at its first use, then its ``show-*`` cell).

    ``figures``: {name: (plot sections it needs)}; ``labels``: the figure text of the language;
    ``text``: the site's text of the language (the labels cell's comment); ``section``: how a
    section is read (:meth:`Pages.section` in the build).
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
