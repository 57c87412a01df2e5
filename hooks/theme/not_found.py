"""A 404 page per language, with no language switch.

MkDocs renders the theme's 404.html once per build, to the site root, and mkdocs-static-i18n runs
one build per language into the same folder: the last language's 404 page overwrote the others'.
This step keeps the default language's at 404.html and moves each other language's to
``<lang>/404.html``. The page itself is overrides/404.html; rendering it, the language switch and
the ``<link rel="alternate">`` tags are left out (they would point at whatever page was built
last: a missing page has no counterpart).
"""
from __future__ import annotations

from pathlib import Path

from hooks.build import plugins
from hooks.build.files import write_atomic

NOT_FOUND = "404.html"
_state: dict = {}


def without_switch(template_name, config):
    """Rendering the 404 page: no language switch, no alternate links (:func:`restore_switch` after)."""
    if template_name == NOT_FOUND:
        _state["alternate"] = getattr(config.extra, "alternate", None)
        config.extra.alternate = []


def restore_switch(template_name, config):
    if template_name == NOT_FOUND and "alternate" in _state:
        config.extra.alternate = _state.pop("alternate")


def place(config):
    """After each language's build, before the next one's (which writes its own 404.html)."""
    current = plugins.current_language(config)
    page = Path(config.site_dir) / NOT_FOUND
    if current == plugins.default_language(config):
        _state["default"] = page.read_bytes()
        return
    write_atomic(Path(config.site_dir) / current / NOT_FOUND, page.read_bytes())
    write_atomic(page, _state["default"])  # this build wrote its own over the default language's
