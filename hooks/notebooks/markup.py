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
"""
from __future__ import annotations

import ast
import html as html_lib
import re

from mkdocs.exceptions import PluginError

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


def static_markup(html: str, toc, where: str) -> str:
    """A notebook page's content without nbconvert's CDN scripts, with its style sheets as CSS,
    no stray attribute, and the heading ids its table of contents uses."""
    html, removed = NBCONVERT_SCRIPTS.subn("", html)
    if removed != 3:
        raise PluginError(
            f"{where}: expected nbconvert's 3 CDN scripts, found {removed}; "
            "the mkdocs-jupyter template changed, update NBCONVERT_SCRIPTS in hooks/notebooks/markup.py"
        )
    html = _styles_from_list_repr(html)
    html = STRAY_COMMA.sub(r"\1", html)
    return _heading_ids(html, toc, where)
