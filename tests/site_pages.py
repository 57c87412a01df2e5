"""What the site tests need to know about the pages: one place, read by several test files."""
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
LANGUAGES = ("zh", "en")  # zh is the default language, at the site root
PAGE_SUFFIXES = (".md", ".py")  # Markdown pages and jupytext notebooks


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


def chapters_hook():
    """hooks/chapters.py, the hooks' reading of pages and sections (one home for that logic)."""
    import importlib.util
    import sys

    name = "adam_yogi_chapters_for_tests"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "hooks" / "chapters.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]
