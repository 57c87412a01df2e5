"""Code as the reader sees it: blocks without the spans that change nothing, inline code that
breaks only at its spaces.

Pygments wraps every token of a code block in a ``<span>``. Two kinds carry no colour of their
own: a name (``class="n"``), which Material colours as the code's text
(``--md-code-hl-name-color`` is ``--md-code-fg-color``; notebook cells give it no rule), and
whitespace (``class="w"``). Unwrapped, the Yogi chapter has some 1,560 fewer elements (of 11,800)
for a browser to parse, style and hand to Material's scripts as the page starts. The text, and so
what the copy button copies, is unchanged (tests/test_code_spans.py checks both).

Inline code (``<code>`` in running text) may end a line at a space, never inside a word: a
browser breaks after a hyphen or a slash (``--`` ⏎ ``allow-synthetic``), and Material lets code
break anywhere when it would overflow. Each of its words is wrapped in ``<span class="nobr">``
(white-space: nowrap, in extra.css); the text is unchanged.
"""
from __future__ import annotations

import re

# A code block of the pages (pymdownx.highlight) or of a notebook page (mkdocs-jupyter).
BLOCK = re.compile(r'(<div class="(?:highlight|highlight-ipynb hl-python)"><pre\b[^>]*>)(.*?)(</pre>)', re.S)
PLAIN = re.compile(r'<span class="[nw]">([^<]*)</span>')
# Inline code: a <code> of plain text that does not open a code block (<pre><span></span><code>).
INLINE = re.compile(r'(?<!</span>)(?<!<pre>)<code>([^<]+)</code>')
WORD = re.compile(r"\S+")  # a word: the browser breaks at hyphens and slashes, Material anywhere


def unwrapped(html: str) -> str:
    """``html`` with the name and whitespace spans of its code blocks replaced by their text, and
    its inline code unbreakable inside a word."""
    html = BLOCK.sub(lambda m: m.group(1) + PLAIN.sub(r"\1", m.group(2)) + m.group(3), html)
    return INLINE.sub(lambda m: "<code>" + unbroken_words(m.group(1)) + "</code>", html)


def unbroken_words(text: str) -> str:
    """Inline code's text (HTML) with each of its words kept whole."""
    return WORD.sub(lambda m: f'<span class="nobr">{m.group(0)}</span>', text)
