"""Code blocks without the spans that change nothing a reader sees.

Pygments wraps every token of a code block in a ``<span>``. Two kinds carry no colour of their
own: a name (``class="n"``), which Material colours as the code's text
(``--md-code-hl-name-color`` is ``--md-code-fg-color``; notebook cells give it no rule), and
whitespace (``class="w"``). Unwrapped, the Yogi chapter has some 1,560 fewer elements (of 11,800)
for a browser to parse, style and hand to Material's scripts as the page starts. The text, and so
what the copy button copies, is unchanged (tests/test_code_spans.py checks both).
"""
from __future__ import annotations

import re

# A code block of the pages (pymdownx.highlight) or of a notebook page (mkdocs-jupyter).
BLOCK = re.compile(r'(<div class="(?:highlight|highlight-ipynb hl-python)"><pre\b[^>]*>)(.*?)(</pre>)', re.S)
PLAIN = re.compile(r'<span class="[nw]">([^<]*)</span>')


def unwrapped(html: str) -> str:
    """``html`` with the name and whitespace spans of its code blocks replaced by their text."""
    return BLOCK.sub(lambda m: m.group(1) + PLAIN.sub(r"\1", m.group(2)) + m.group(3), html)
