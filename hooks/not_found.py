"""MkDocs hook: a 404 page per language, with no language switch.

MkDocs renders the theme's 404.html once per build, to the site root, and mkdocs-static-i18n runs
one build per language into the same folder: the last language's 404 page overwrote the others'.
This hook keeps the default language's at 404.html and moves each other language's to
``<lang>/404.html``. The page itself is overrides/404.html; rendering it, the language switch and
the ``<link rel="alternate">`` tags are left out (they would point at whatever page was built
last: a missing page has no counterpart).
"""
from __future__ import annotations

from pathlib import Path

from mkdocs.plugins import event_priority

from site_files import write_atomic

NOT_FOUND = "404.html"
_state: dict = {}


def on_template_context(context, template_name, config):
    if template_name == NOT_FOUND:
        _state["alternate"] = getattr(config.extra, "alternate", None)
        config.extra.alternate = []
    return context


def on_post_template(output_content, template_name, config):
    if template_name == NOT_FOUND and "alternate" in _state:
        config.extra.alternate = _state.pop("alternate")
    return output_content


@event_priority(100)  # before mkdocs-static-i18n (-100) starts the build of the next language
def on_post_build(config):
    i18n = config.plugins["i18n"]
    page = Path(config.site_dir) / NOT_FOUND
    if i18n.current_language == i18n.default_language:
        _state["default"] = page.read_bytes()
        return
    write_atomic(Path(config.site_dir) / i18n.current_language / NOT_FOUND, page.read_bytes())
    write_atomic(page, _state["default"])  # this build wrote its own over the default language's
