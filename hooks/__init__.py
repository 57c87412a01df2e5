"""The site's build steps, for MkDocs. mkdocs.yml names one hook, hooks/pipeline.py: it lists
every step of the build in the order it runs, event by event, and calls the stages:

* ``hooks.build``: one build at a time, files written whole, the project's cache, child
  processes that end with the build, what is read of other plugins beyond their options;
* ``hooks.pages``: what a page is made of (its code blocks, figures, notebook cells) and the
  site's words (labels), read once per build;
* ``hooks.runs``: the chapters' code run as a reader runs it, and what the pages show of it;
* ``hooks.notebooks``: the chapters' notebooks and scripts, their pages;
* ``hooks.math``: every formula typeset by the build (MathJax in Node);
* ``hooks.search``: one search index per language, and jieba's dictionary for the browser;
* ``hooks.theme``: the pages' markup and Material's assets, as the site serves them;
* ``hooks.downloads``: the code archive, the torch-yogi wheel, the offline copy.

Every module is imported as ``hooks.<stage>.<module>`` (the checkout's root on ``sys.path``).
"""
import importlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# What `mkdocs serve` reloads at each rebuild, so that an edit to them shows without a restart:
# the page readers, the figures' registry and the site's words (an edit to any other module of
# hooks/ needs a restart). Reloaded in place: `from hooks.pages import chapters` sees the edit.
CONTENT = ("hooks.pages.labels", "hooks.pages.figures", "hooks.pages.chapters")


def reload_content():
    for name in CONTENT:
        importlib.reload(sys.modules[name]) if name in sys.modules else importlib.import_module(name)
