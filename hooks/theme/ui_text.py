"""The words the Markdown extensions and the notebook renderer write into a page, in its language.

Python-Markdown's ``toc`` (a heading's "Permanent link" title) and ``footnotes`` ("Jump back to
footnote N in the text") and nbconvert's markup of the notebook pages (the copy button's "Copy
to Clipboard" and "Copied!", a figure's "No description has been provided for this image") write
English on every page: their options are set once for the whole site (i18n refuses a per-language
``mdx_configs``), and nbconvert has none. A Chinese page gets them in Chinese here, on the page's
HTML (``on_page_content``). Each is matched exactly as the extension writes it; tests/
test_translation.py checks the built Chinese pages hold none of the English, so an upgrade that
changes the wording fails there, loudly.
"""
from __future__ import annotations

import re

# (the English as written, its Chinese); \d+ in a pattern is kept (the footnote's number)
WORDS = {
    "zh": [
        (re.compile(r'(<a class="headerlink" href="#[^"]*" title=")Permanent link(")'), r"\1本节的永久链接\2"),
        (re.compile(r'(title=")Jump back to footnote (\d+) in the text(")'), r"\1回到正文中脚注 \2 的位置\3"),
        (re.compile(r'(<clipboard-copy aria-label=")Copy to Clipboard(")'), r"\1复制到剪贴板\2"),
        (re.compile(r'(<span class="notice" hidden="">)Copied!(</span>)'), r"\1已复制！\2"),
        (re.compile(r'(<img alt=")No description has been provided for this image(")'), r"\1笔记本单元格输出的图\2"),
    ],
}


def translated(html: str, lang: str) -> str:
    """The page's HTML with the extensions' English words in ``lang`` (unchanged for English)."""
    for pattern, words in WORDS.get(lang, ()):
        html = pattern.sub(words, html)
    return html
