"""A page's code blocks: each ``--8<-- "snippets/<file>.py:<section>"`` line of a page becomes
the section's code, indented as the line, from the build's one reading of the page
(hooks/pages/chapters.py), so the page shows exactly the code the page runs run.

(pymdownx.snippets did this before, parsing every page a second time, with rules of its own.)
A missing file or section fails the build, naming the page and the include.
"""
from __future__ import annotations

TAB_LENGTH = 4  # Python-Markdown's, as the include's indentation is read


def expand(markdown: str, items, section, where: str) -> str:
    """``markdown`` (the page as read, of which ``items`` are the parse) with every code item's
    line replaced by its section (``section(target)`` reads one)."""
    lines = markdown.split("\n")
    for item in reversed([item for item in items if item.kind == "code"]):
        if f'"{item.value}"' not in lines[item.line]:
            raise ValueError(f"{where}: line {item.line + 1} is not the include {item.value!r} the build read; "
                             "the page changed during the build: build again")
        try:
            code = section(item.value)
        except ValueError as error:
            raise ValueError(f"{where}, line {item.line + 1}: {error}") from None
        indent = item.indent.expandtabs(TAB_LENGTH)
        lines[item.line: item.line + 1] = [indent + line for line in code.rstrip("\n").split("\n")]
    return "\n".join(lines)
