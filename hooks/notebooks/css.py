"""Notebook pages keep only the CSS rules their elements can match.

mkdocs-jupyter inlines all of JupyterLab's CSS (about 0.6 MB, with base64 icons) and nbconvert's
Pygments and Mermaid sheets into every notebook page; a static page uses a few dozen of their
classes (no script adds any). Every ``<style>`` of a notebook page is pruned to the rules whose
classes the page uses.
"""
from __future__ import annotations

import functools
import re

from mkdocs.exceptions import PluginError

STYLE_BLOCK = re.compile(r"(<style[^>]*>)(.*?)(</style>)", re.S)
CSS_CLASS = re.compile(r"\.(-?[_a-zA-Z][_a-zA-Z0-9-]*)")
HTML_CLASSES = re.compile(r'class="([^"]*)"')
NOT_PSEUDO = re.compile(r":not\([^()]*\)")
ICON_VARIABLE = re.compile(r"--jp-icon[\w-]*:\s*url\([^)]*\);?")
COMMENT = re.compile(r"/\*.*?\*/", re.S)  # Pygments names each rule's token: /* Literal.String */


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
        raise PluginError("unbalanced CSS in a notebook page; update _prune_css in hooks/notebooks/css.py")


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
    """Keep the rules that can match the page: every class in a selector is one the page uses."""
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


@functools.lru_cache(maxsize=64)
def _pruned(css: str, used: frozenset) -> str:
    """One sheet pruned (the same JupyterLab sheet comes with every notebook page, every build)."""
    return _prune_css(COMMENT.sub("", css), used)


def prune_styles(html: str) -> str:
    """Every style sheet of the page pruned; a sheet left with no rule is dropped."""
    used = frozenset(name for names in HTML_CLASSES.findall(html) for name in names.split())

    def prune(match):
        css = _pruned(match.group(2), used)
        return match.group(1) + css + match.group(3) if css.strip() else ""

    return STYLE_BLOCK.sub(prune, html)
