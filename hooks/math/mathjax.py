"""The math of every page, typeset by this build with MathJax 4 in Node.

Pages carry the finished formulas (CommonHTML, with MathML for screen readers) and load no
MathJax script: they read the same with JavaScript off, and the search index sees the formulas'
text instead of their TeX. One Node process (hooks/math/typeset.mjs) serves the whole build,
every language and, under `mkdocs serve`, every rebuild; a page whose content has not changed
since the last rebuild is not sent again.

A formula MathJax cannot typeset fails the build, naming its page and its TeX; so does anything
MathJax prints while it works. At the end of the build the style sheet the formulas need is
written to assets/mathjax/mathjax.css, with the fonts it names beside it in assets/mathjax/woff2/
(served by the site itself, never a CDN). The Node process reads its requests on its standard
input: when the build ends, however it ends, that input closes and the process ends too.
"""
from __future__ import annotations

import atexit
import hashlib
import json
import re
import shutil
import subprocess
import threading
from pathlib import Path

from mkdocs.exceptions import PluginError

from hooks import ROOT
from hooks.build.files import write_atomic

TYPESETTER = Path(__file__).with_name("typeset.mjs")
MATHJAX = ROOT / "node_modules" / "@mathjax" / "src"
FONTS = ROOT / "node_modules" / "@mathjax" / "mathjax-newcm-font" / "chtml" / "woff2"
STYLESHEET = "assets/mathjax/mathjax.css"  # linked from every page (extra_css in mkdocs.yml)
FONT_URL = re.compile(r'url\("woff2/([\w.-]+\.woff2)"\)')
DRAWN = re.compile(r"<mjx-math\b.*?</mjx-math>", re.S)  # the glyphs on screen (no mjx-math nests)
STYLESHEET_LINK = re.compile(r'<link rel="stylesheet" href="([^"]*)assets/mathjax/mathjax\.css">')
# The fonts every page with formulas draws with as it opens: MathJax's main font (class NCM-N),
# the zero-width font each of its font lists starts with, and the one of its line breaks.
FIRST_FONTS = {"mjx-ncm-zero.woff2": 'class="NCM-N"', "mjx-ncm-n.woff2": 'class="NCM-N"',
               "mjx-ncm-brk.woff2": "<mjx-break"}


class Typesetter:
    """The Node process, one JSON request and one JSON reply per line."""

    def __init__(self):
        node = shutil.which("node")
        if node is None:
            raise PluginError("hooks/math/mathjax.py needs Node.js (`node` is not on PATH) to typeset the math")
        self._stderr: list[str] = []
        self._process = subprocess.Popen(
            [node, str(TYPESETTER)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        self._drainer = threading.Thread(target=self._drain, daemon=True)
        self._drainer.start()
        self._lock = threading.Lock()

    def _drain(self):
        for line in self._process.stderr:
            self._stderr.append(line)

    def request(self, **request) -> dict:
        with self._lock:
            try:
                self._process.stdin.write(json.dumps(request) + "\n")
                self._process.stdin.flush()
                line = self._process.stdout.readline()
            except (BrokenPipeError, OSError):
                line = ""
            if not line:
                self._process.wait(timeout=10)
                raise PluginError(f"the MathJax process ({TYPESETTER.name}) ended:\n{''.join(self._stderr)[-3000:]}")
        reply = json.loads(line)
        if "failure" in reply:
            raise PluginError(f"MathJax failed ({TYPESETTER.name}): {reply['failure']}")
        if reply["messages"]:
            raise PluginError("MathJax reported:\n" + "\n".join(reply["messages"]))
        return reply

    def alive(self) -> bool:
        return self._process.poll() is None

    def close(self):
        if self.alive():
            self._process.stdin.close()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._drainer.join(timeout=10)
        for stream in (self._process.stdin, self._process.stdout, self._process.stderr):
            stream.close()


_state: dict = {"typesetter": None, "pages": {}, "seen": {}}


def _typesetter() -> Typesetter:
    if _state["typesetter"] is None or not _state["typesetter"].alive():
        _state["typesetter"] = Typesetter()
        _state["pages"] = {}  # a new process has typeset nothing: its style sheet starts empty
    return _state["typesetter"]


@atexit.register
def _close():
    if _state["typesetter"] is not None:
        _state["typesetter"].close()


def check_config(config):
    if not (MATHJAX / "package.json").is_file() or not FONTS.is_dir():
        raise PluginError(
            f"MathJax is missing from {MATHJAX.parent}: run `npm ci` in {ROOT} first "
            "(package-lock.json pins @mathjax/src, which typesets the pages)."
        )
    if STYLESHEET not in config.extra_css:
        raise PluginError(f"mkdocs.yml must list {STYLESHEET} in extra_css: it styles the typeset formulas")


def start():
    """At the start of a build: Node loads MathJax while the build runs the pages' code."""
    _state["seen"] = {}
    _typesetter()


def typeset(html: str, where: str) -> str:
    """The page's HTML with its formulas typeset; a formula MathJax rejects raises, naming it."""
    key = hashlib.sha256(html.encode("utf-8")).hexdigest()
    typesetter = _typesetter()
    done = _state["pages"].get(key)
    if done is None:
        reply = typesetter.request(op="page", html=html)
        if reply["errors"]:
            raise PluginError(
                f"{where}: MathJax cannot typeset "
                + "; ".join(f"“{e['tex']}” ({e['message']})" for e in reply["errors"])
            )
        done = reply["html"]
    _state["seen"][key] = done
    return done


def hide_drawn_math(page):
    """The search index reads each formula's text from its MathML ("v1=(1−β1)g1"), not from
    the glyphs drawn on screen (Mathematical Italic letters, their markup a third of a chapter):
    the search plugin is given the page without them (:func:`restore_drawn_math` gives them
    back after)."""
    _state["drawn"] = (page, page.content)
    page.content = DRAWN.sub("", page.content)


def restore_drawn_math(page):
    stashed, content = _state.pop("drawn")
    if stashed is not page:
        raise PluginError(f"{page.file.src_uri}: the page's typeset formulas were lost before the search plugin ran")
    page.content = content


def preloaded(html: str) -> str:
    """The page with its first fonts preloaded (before the math style sheet that names them).

    Found through the style sheet, a font loaded only once the browser had laid out a formula
    that needs it, and each font that arrived (the zero-width one first, then the main one) made
    it style and lay out every formula again: three times as a chapter opens. Asked for at once
    from the head, the fonts are there before the first layout. The other fonts of a page (large
    operators, double-struck letters, …) stay on demand: most are drawn further down, if at all."""
    link = STYLESHEET_LINK.search(html)
    if link is None:
        return html
    fonts = [name for name, mark in FIRST_FONTS.items() if mark in html]
    tags = "".join(f'<link rel="preload" href="{link.group(1)}assets/mathjax/woff2/{name}" as="font" '
                   'type="font/woff2" crossorigin>' for name in fonts)
    return html[: link.start()] + tags + html[link.start():]


def write_stylesheet(site_dir):
    """The style sheet of every formula of the build, and its fonts, written once at the end."""
    _state["pages"] = _state["seen"]  # under `mkdocs serve`, what the next rebuild may reuse
    reply = _typesetter().request(op="stylesheet")
    # Like MathJax in the browser, each formula's x-height matches the text around it: in
    # font-size, 1ex is the x-height of the parent's font, and the math font's is x_height em.
    # Text MathJax's font lacks (Chinese inside \text{}) was drawn at the size of the text
    # around the formula, not the formula's: font-size-adjust undoes the scale for it.
    x_height = reply["x_height"]
    css = (
        reply["css"]
        + f'mjx-container[jax="CHTML"] {{ font-size: calc(1ex / {x_height}); }}\n'
        + f"mjx-container mjx-utext {{ font-size-adjust: {x_height}; }}\n"
    )
    target = Path(site_dir) / STYLESHEET
    write_atomic(target, css)
    fonts = sorted(set(FONT_URL.findall(css)))
    missing = [name for name in fonts if not (FONTS / name).is_file()]
    unknown = sorted(set(FIRST_FONTS) - set(fonts))
    if unknown:
        raise PluginError(f"pages preload {', '.join(unknown)}, which MathJax's style sheet does not name")
    if missing:
        raise PluginError(f"MathJax's style sheet names fonts missing from {FONTS}: {', '.join(missing)}")
    for name in fonts:
        write_atomic(target.parent / "woff2" / name, (FONTS / name).read_bytes())

