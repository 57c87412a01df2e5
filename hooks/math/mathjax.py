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
import collections
import concurrent.futures
import hashlib
import json
import queue
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
    """The Node process, one JSON request and one JSON reply per line. Requests are written by a
    thread of their own and the replies read by another, in order: the build goes on with the next
    page while Node typesets this one (:meth:`submit`)."""

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
        self._outbox: queue.Queue = queue.Queue()
        self._pending: collections.deque = collections.deque()  # futures, in the order written
        threading.Thread(target=self._write, daemon=True).start()
        threading.Thread(target=self._read, daemon=True).start()

    def _drain(self):
        for line in self._process.stderr:
            self._stderr.append(line)

    def _write(self):
        while (line := self._outbox.get()) is not None:
            try:
                self._process.stdin.write(line)
                self._process.stdin.flush()
            except (BrokenPipeError, OSError, ValueError):
                return  # the process ended: _read fails what waits

    def _read(self):
        for line in self._process.stdout:
            self._pending.popleft().set_result(line)
        self._process.wait()
        ended = PluginError(f"the MathJax process ({TYPESETTER.name}) ended:\n{''.join(self._stderr)[-3000:]}")
        with self._lock:
            self._closed = True
            while self._pending:
                self._pending.popleft().set_exception(ended)

    def submit(self, **request) -> concurrent.futures.Future:
        """The reply to ``request`` (its line), once Node has sent it."""
        future = concurrent.futures.Future()
        with self._lock:
            if getattr(self, "_closed", False):
                future.set_exception(PluginError(f"the MathJax process ({TYPESETTER.name}) ended:\n"
                                                 f"{''.join(self._stderr)[-3000:]}"))
                return future
            self._pending.append(future)
            self._outbox.put(json.dumps(request) + "\n")
        return future

    def request(self, **request) -> dict:
        return self.reply(self.submit(**request))

    @staticmethod
    def reply(future) -> dict:
        reply = json.loads(future.result())
        if "failure" in reply:
            raise PluginError(f"MathJax failed ({TYPESETTER.name}): {reply['failure']}")
        if reply["messages"]:
            raise PluginError("MathJax reported:\n" + "\n".join(reply["messages"]))
        return reply

    def alive(self) -> bool:
        return self._process.poll() is None

    def close(self):
        self._outbox.put(None)
        if self.alive():
            try:
                self._process.stdin.close()
            except OSError:
                pass
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


def typeset_later(html: str, where: str):
    """Send the page's HTML to MathJax now; the returned function gives it back with its formulas
    typeset, waiting for Node if it must (a formula MathJax rejects raises then, naming it)."""
    key = hashlib.sha256(html.encode("utf-8")).hexdigest()
    done = _state["pages"].get(key)
    future = None if done is not None else _typesetter().submit(op="page", html=html)

    def result() -> str:
        nonlocal done
        if done is None:
            reply = Typesetter.reply(future)
            if reply["errors"]:
                raise PluginError(
                    f"{where}: MathJax cannot typeset "
                    + "; ".join(f"“{e['tex']}” ({e['message']})" for e in reply["errors"])
                )
            done = reply["html"]
        _state["seen"][key] = done
        return done

    return result


def typeset(html: str, where: str) -> str:
    """The page's HTML with its formulas typeset; a formula MathJax rejects raises, naming it."""
    return typeset_later(html, where)()


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

