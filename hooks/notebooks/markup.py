"""The markup of notebook pages, made valid and static.

nbconvert's page template (through mkdocs-jupyter's) brings:

* CDN scripts: an empty MathJax 2 ``<script src="">``, its inline configuration and a Mermaid
  loader importing from cdnjs. The build typesets the notebooks' math (hooks/math/) and the
  notebooks draw no Mermaid diagram: all three go.
* a ``<style>`` whose content is the Python repr of a list of style sheets (``['pre { …']``): it
  becomes the sheets themselves, or goes if the page has them already.
* ``<clipboard-copy for="cell-1", aria-label=…>``: the template's stray comma reaches the page as
  an attribute named ``,`` (``<clipboard-copy ,="" …>``).
* headings whose text has no Latin letters get ``id=""`` (and a permalink to ``#``), while the
  table of contents links them as ``#_1``…: they get the id the table of contents uses.
* its style sheets sit in the page's body, where HTML allows none: they move to the head.
* the hidden copy of each cell's code, which its copy button copies, is a ``<div>``: MathJax
  typeset the ``$t$`` of a string in it ("时间步 𝑡t" was copied) and the Chinese text's line
  joining ate a line end ("# 图中的文字…labels = {", a comment swallowing the code): it becomes a
  ``<pre>``, which both leave alone.

And the two setup cells before a notebook's first figure (the figures' text, a 40-line
``labels`` dict, and the plotting setup: logging, warnings, matplotlib's style) are folded into
a ``<details>`` whose summary says what they are: the page reads from the first figure on, the
cells stay in place and in the downloaded notebook, which runs as before.
"""
from __future__ import annotations

import ast
import html as html_lib
import re

from mkdocs.exceptions import PluginError

from hooks.pages import labels

NBCONVERT_SCRIPTS = re.compile(
    r'<script src="">\s*</script>'
    r'|<script type="text/x-mathjax-config">.*?</script>'
    r'|<script type="module">(?:(?!</script>).)*?mermaid.*?</script>',
    re.DOTALL,
)
STYLE_BLOCK = re.compile(r"(<style[^>]*>)(.*?)(</style>)", re.S)
LIST_REPR = re.compile(r"\s*\[\s*(['\"]).*\]\s*", re.S)
STRAY_COMMA = re.compile(r'(<clipboard-copy\b[^>]*?)\s,=""')
EMPTY_HEADING = re.compile(r'<(h[1-6]) id="">(.*?)</\1>', re.S)
TAGS = re.compile(r"<[^>]+>")
DIV = re.compile(r"<div\b|</div>")
NOTEBOOK = '<div class="jp-Notebook"'
COPY_TEXT = re.compile(r'class="clipboard-copy-txt"[^>]*>(.*?)</(?:div|pre)>', re.S)
COPY_DIV = re.compile(r'<div((?:\s+data-search-exclude(?:="")?)?\s+class="clipboard-copy-txt"[^>]*)>(.*?)</div>', re.S)
SETUP_SUMMARY = {
    "zh": "运行前的设置：图中的文字与绘图样式（两个单元格，点击展开）",
    "en": "Setup: the figures' text and plot style (two cells)",
}


def _styles_from_list_repr(html: str) -> str:
    sheets = {match.group(2).strip() for match in STYLE_BLOCK.finditer(html) if not LIST_REPR.fullmatch(match.group(2))}

    def replace(match):
        if not LIST_REPR.fullmatch(match.group(2)):
            return match.group(0)
        css = "\n".join(ast.literal_eval(match.group(2).strip()))
        return "" if css.strip() in sheets else match.group(1) + css + match.group(3)

    return STYLE_BLOCK.sub(replace, html)


def _toc_ids(toc) -> dict:
    ids = {}
    for item in toc:
        ids.setdefault(item.title.strip(), item.id)
        ids.update({k: v for k, v in _toc_ids(item.children).items() if k not in ids})
    return ids


def _heading_ids(html: str, toc, where: str) -> str:
    ids = _toc_ids(toc)

    def replace(match):
        tag, inner = match.groups()
        text = html_lib.unescape(TAGS.sub("", inner)).replace("¶", "").strip()
        if text not in ids:
            raise PluginError(f"{where}: heading {text!r} has an empty id and no entry in the table of "
                              f"contents (its entries: {sorted(ids)})")
        anchor = ids[text]
        inner = inner.replace('class="anchor-link" href="#"', f'class="anchor-link" href="#{anchor}"')
        return f'<{tag} id="{anchor}">{inner}</{tag}>'

    return EMPTY_HEADING.sub(replace, html)


def styles_to_head(output: str, where: str) -> str:
    """The notebook's style sheets, inside the article, move to the head (after the site's)."""
    head, _, body = output.partition("</head>")
    if not body:
        raise PluginError(f"{where}: no </head> in the page")
    styles = STYLE_BLOCK.findall(body)
    body = STYLE_BLOCK.sub("", body)
    return head + "".join("".join(style) for style in styles) + "</head>" + body


def _notebook_cells(html: str) -> list[tuple[int, int]]:
    """(start, end) of each cell of the page's notebook: the children of its jp-Notebook div."""
    start = html.find(NOTEBOOK)
    if start < 0:
        return []
    cells, depth, opened = [], 0, None
    for tag in DIV.finditer(html, start):
        if tag.group(0) == "</div>":
            depth -= 1
            if depth == 1:
                cells.append((opened, tag.end()))
            elif depth == 0:
                break
        else:
            if depth == 1:
                opened = tag.start()
            depth += 1
    return cells


def folded_setup(html: str, where: str) -> str:
    """The labels cell and the setup cell after it, in a ``<details>`` (the page's language is
    the first folder of ``where``, its source)."""
    lang = where.split("/", 1)[0]
    if lang not in SETUP_SUMMARY:
        raise PluginError(f"{where}: no summary for the setup cells in {lang!r}; add one to SETUP_SUMMARY "
                          "in hooks/notebooks/markup.py")
    opening = f"# {labels.TEXT[lang]['labels_comment']}\nlabels = {{"
    cells = _notebook_cells(html)
    code = [(a, b) for a, b in cells if "jp-CodeCell" in html[a:html.index(">", a)]]
    first = next((i for i, (a, b) in enumerate(code)
                  if (text := COPY_TEXT.search(html, a, b)) and html_lib.unescape(text.group(1)).startswith(opening)), None)
    if first is None or first + 1 >= len(code):
        raise PluginError(f"{where}: no labels cell (“{opening}…”) followed by the plotting setup cell: "
                          "a chapter's notebook draws figures, and hooks/pages/chapters.py puts those cells first")
    start, end = code[first][0], code[first + 1][1]
    if html[code[first][1]:code[first + 1][0]].strip():
        raise PluginError(f"{where}: something between the labels cell and the plotting setup cell")
    return (html[:start] + f'<details class="notebook-setup"><summary>{SETUP_SUMMARY[lang]}</summary>\n'
            + html[start:end] + "\n</details>" + html[end:])


def static_markup(html: str, toc, where: str) -> str:
    """A notebook page's content without nbconvert's CDN scripts, with its style sheets as CSS,
    no stray attribute, its setup cells folded, and the heading ids its table of contents uses."""
    html, removed = NBCONVERT_SCRIPTS.subn("", html)
    if removed != 3:
        raise PluginError(
            f"{where}: expected nbconvert's 3 CDN scripts, found {removed}; "
            "the mkdocs-jupyter template changed, update NBCONVERT_SCRIPTS in hooks/notebooks/markup.py"
        )
    html = _styles_from_list_repr(html)
    html = STRAY_COMMA.sub(r"\1", html)
    html, copies = COPY_DIV.subn(r"<pre\1>\2</pre>", html)
    if copies != html.count("<clipboard-copy"):
        raise PluginError(f"{where}: {html.count('<clipboard-copy')} copy buttons but {copies} copies of code for them; "
                          "the mkdocs-jupyter template changed, update COPY_DIV in hooks/notebooks/markup.py")
    html = folded_setup(html, where)
    return _heading_ids(html, toc, where)
