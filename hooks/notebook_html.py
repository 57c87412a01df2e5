"""MkDocs hook: the HTML of notebook pages. nbconvert's template brings CDN scripts and all of
JupyterLab's CSS; a static page needs neither."""
from __future__ import annotations

import re

from mkdocs.exceptions import PluginError
from mkdocs_jupyter.plugin import NotebookFile

# nbconvert's page template adds an empty MathJax 2 <script src="">, its inline configuration,
# and a Mermaid loader that imports from cdnjs. The site's own MathJax typesets notebook cells.
NBCONVERT_SCRIPTS = re.compile(
    r'<script src="">\s*</script>'
    r'|<script type="text/x-mathjax-config">.*?</script>'
    r'|<script type="module">(?:(?!</script>).)*?mermaid.*?</script>',
    re.DOTALL,
)


STYLE_BLOCK = re.compile(r"(<style[^>]*>)(.*?)(</style>)", re.S)
CSS_CLASS = re.compile(r"\.(-?[_a-zA-Z][_a-zA-Z0-9-]*)")
HTML_CLASSES = re.compile(r'class="([^"]*)"')
NOT_PSEUDO = re.compile(r":not\([^()]*\)")
ICON_VARIABLE = re.compile(r"--jp-icon[\w-]*:\s*url\([^)]*\);?")


def _css_rules(css: str):
    """Top-level (prelude, {body}) pairs of a style sheet; nested blocks stay whole."""
    depth, start, prelude = 0, 0, 0
    for i, char in enumerate(css):
        if char == "{":
            if depth == 0:
                prelude = i
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                yield css[start:prelude].strip(), css[prelude : i + 1]
                start = i + 1
    if depth != 0 or css[start:].strip():
        raise PluginError("unbalanced CSS in a notebook page; update _prune_css in hooks/notebook_html.py")


def _selectors(prelude: str):
    """A selector list split at its top-level commas (not those inside :is(), :not(), …)."""
    depth, start = 0, 0
    for i, char in enumerate(prelude):
        depth += (char == "(") - (char == ")")
        if char == "," and depth == 0:
            yield prelude[start:i]
            start = i + 1
    yield prelude[start:]


def _prune_css(css: str, used: set) -> str:
    """Keep the rules that can match the page: every class in a selector is one the page uses.

    mkdocs-jupyter inlines all of JupyterLab's CSS (about 0.6 MB, with base64 icons) into every
    notebook page; a static page uses a few dozen of its classes (no script adds any)."""
    kept = []
    for prelude, body in _css_rules(css):
        while prelude.startswith("@") and ";" in prelude:  # @charset …; before a rule: its own
            statement, prelude = prelude.split(";", 1)
            kept.append(statement + ";")
            prelude = prelude.strip()
        if prelude.startswith(("@media", "@supports")):
            inner = _prune_css(body[1:-1], used)
            if inner:
                kept.append(f"{prelude}{{{inner}}}")
        elif prelude.startswith("@"):
            kept.append(prelude + body)
        else:
            # A class inside :not() that the page never uses makes the rule match, not fail.
            needed = lambda sel: set(CSS_CLASS.findall(NOT_PSEUDO.sub("", sel)))  # noqa: E731
            selectors = [sel for sel in _selectors(prelude) if needed(sel) <= used]
            if selectors:
                kept.append(",".join(selectors) + ICON_VARIABLE.sub("", body))
    return "".join(kept)


def on_page_content(html, page, config, files):
    """Notebook pages: drop nbconvert's CDN scripts and the CSS rules no element can match."""
    if isinstance(page.file, NotebookFile):
        used = {name for names in HTML_CLASSES.findall(html) for name in names.split()} | {"jupyter-wrapper"}
        html = STYLE_BLOCK.sub(
            lambda m: m.group(1) + _prune_css(m.group(2), used) + m.group(3)
            if ".jupyter-wrapper" in m.group(2) else m.group(0),  # JupyterLab's sheets only
            html,
        )
        html, removed = NBCONVERT_SCRIPTS.subn("", html)
        if removed != 3:
            raise PluginError(
                f"{page.file.src_uri}: expected nbconvert's 3 CDN scripts, found {removed}; "
                "the mkdocs-jupyter template changed, update NBCONVERT_SCRIPTS in hooks/notebook_html.py"
            )
    return html
