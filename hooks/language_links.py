"""MkDocs hook: the language switcher links to the counterpart page, relative, on every page."""
from __future__ import annotations


def on_page_context(context, page, config, nav):
    """Language switcher links are the counterpart page's site-relative URL, on every page.

    i18n leaves the homepage with root-absolute links ("/", "/en/"), which break when the site
    is opened from a folder or served under a path; Material makes site-relative URLs relative
    to the page, so these work wherever the site is.
    """
    alternates = getattr(page.file, "alternates", {})
    # i18n sets `config.extra.alternate` as an attribute, which is what the template reads.
    for alternate in getattr(config.extra, "alternate", None) or []:
        if alternate["lang"] in alternates:
            alternate["link"] = alternates[alternate["lang"]].url
    return context
