"""What the site tests need to know about the pages: one place, read by several test files."""
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
LANGUAGES = ("zh", "en")  # zh is the default language, at the site root
PAGE_SUFFIXES = (".md", ".py")  # Markdown pages and jupytext notebooks
# What conftest.py's sub_path_site gives its copy of the checkout that git does not track (an
# untracked file; a link out of the repository): neither may reach the code archive or the
# offline zip (tests/test_pipeline.py).
PLANTED = {"snippets/zz_local_notes.py": "notes = 'not for publishing'\n", "snippets/tools/zz_link.py": "/etc/os-release"}


def source_pages(lang):
    """Page sources of one language, relative to its folder (``index.md``, ``notebooks/adam.py``)."""
    base = DOCS / lang
    return sorted(p.relative_to(base).as_posix() for p in base.rglob("*") if p.suffix in PAGE_SUFFIXES)


def page_url(rel, lang):
    """The site-relative URL of a page source, as built with use_directory_urls."""
    stem = rel.rsplit(".", 1)[0]
    path = "" if stem == "index" else (stem[: -len("/index")] if stem.endswith("/index") else stem) + "/"
    return ("" if lang == LANGUAGES[0] else f"{lang}/") + path


def built_html(site, rel, lang):
    return Path(site) / page_url(rel, lang) / "index.html"


class ResourceRefs(HTMLParser):
    """Collects the URL of every script, link, img, iframe and source element."""

    ATTRS = {"script": ("src",), "link": ("href",), "img": ("src", "srcset"), "iframe": ("src",), "source": ("src", "srcset")}

    def __init__(self):
        super().__init__()
        self.refs = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in self.ATTRS.get(tag, ()) and value is not None:
                self.refs.append((tag, name, value))


def resource_refs(html):
    parser = ResourceRefs()
    parser.feed(html)
    return parser.refs


def hooks_module(name):
    """``hooks.<name>`` (``"pages.chapters"``, ``"runs.page_runs"``): the build's modules, imported
    as the build imports them, from the checkout's root."""
    import importlib
    import sys

    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return importlib.import_module(f"hooks.{name}")


def chapters_hook():
    """hooks/pages/chapters.py, the build's reading of pages and sections (one home for that logic)."""
    return hooks_module("pages.chapters")


def hook_module(name):
    """hooks/pages/<name>.py, a module of what the pages are made of (figures, labels)."""
    return hooks_module(f"pages.{name}")
