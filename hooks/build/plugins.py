"""What the hooks use of two plugins beyond their documented options, in one place.

mkdocs-static-i18n documents its configuration, not the state the hooks need while it builds:
the language being built (``current_language``; ``default_language``),
its list of each language's pages (``i18n_files_per_language``), which the notebook pages must
update after they are wrapped again (hooks/notebooks/pages.py), the language it gives each file
(``locale``) and its kind of file list. mkdocs-jupyter renders a
file as a notebook page when it is its ``NotebookFile``; the notebook pages must be wrapped
again after i18n rebuilt the file list. Neither has a public way to do these things.

tests/test_pipeline.py checks that the installed versions are the ones named here and that what
is read here is there: an upgrade fails it loudly, naming what to check.
"""
from __future__ import annotations

from mkdocs_jupyter.plugin import NotebookFile  # noqa: F401  (hooks/notebooks/pages.py wraps with it)

VERSIONS = {"mkdocs-static-i18n": "1.3.1", "mkdocs-jupyter": "0.26.3"}


def i18n(config):
    return config.plugins["i18n"]


def current_language(config) -> str:
    return i18n(config).current_language


def default_language(config) -> str:
    return i18n(config).default_language


def languages(config) -> list[str]:
    """The languages this site builds, the default first."""
    return [lang.locale for lang in i18n(config).config.languages if lang.build]


def locale(file) -> str:
    """The language of a file, as i18n set it on the files it rebuilt."""
    return file.locale


def files_like(files, config, kept: list):
    """A file list of i18n's kind (the one it returned from ``on_files``) holding ``kept``."""
    return type(files)(i18n(config), kept)


def set_pages(config, lang: str, pages) -> None:
    """Tell i18n the documentation pages of ``lang`` (its sitemap and alternates read them)."""
    i18n(config).i18n_files_per_language[lang] = pages


def jupyter(config):
    return config.plugins["mkdocs-jupyter"]
