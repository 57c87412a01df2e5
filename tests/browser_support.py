"""What the browser tests share: Chromium's path and flags, a static host for the built site,
:class:`Visit` (one page load with every request, failure and console error recorded), axe-core,
and typing like a person. The ``server`` and ``browser`` fixtures that use them are in conftest.py.
"""
import functools
import gzip
import http.server
import os
import shutil
import sys
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
COMPRESSED = (".html", ".css", ".js", ".json", ".svg", ".xml")


def chromium_available():
    return Path(CHROMIUM).is_file() or shutil.which(CHROMIUM) is not None


# What every browser test module starts with: browser tests are marked (`-m browser` selects
# them, `-m "not slow"` leaves them out) and skip, saying why, without Chromium.
BROWSER_TEST = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        not chromium_available(),
        reason=f"no Chromium at {CHROMIUM}: install it with `apt-get install chromium` (CI does)",
    ),
]


class StaticHost(http.server.SimpleHTTPRequestHandler):
    """The built site as a static host serves it: under ``prefix`` (``/`` or a sub-path), a
    missing address answered 404 with the 404 page of its language folder (``en/404.html``) or
    of the site, and, with ``compress``, text gzipped as hosts do (for Lighthouse's numbers)."""

    prefix = "/"
    compress = False

    def log_message(self, *args):
        pass

    def translate_path(self, path):
        path = urlsplit(path).path
        if not path.startswith(self.prefix):
            return os.path.join(self.directory, "\0missing")
        return super().translate_path("/" + path[len(self.prefix):])

    def send_head(self):
        path = self.translate_path(self.path)
        if os.path.isdir(path) and not self.path.split("?")[0].endswith("/"):
            return super().send_head()  # the redirect to the folder's URL
        if os.path.isdir(path):
            path = os.path.join(path, "index.html")
        if not os.path.isfile(path):
            return self._not_found()
        if self.compress and path.endswith(COMPRESSED) and "gzip" in self.headers.get("Accept-Encoding", ""):
            body = gzip.compress(Path(path).read_bytes(), 6)
            self.send_response(200)
            self.send_header("Content-Type", self.guess_type(path))
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            return _Body(body)
        return super().send_head()

    def _not_found(self):
        rest = unquote(urlsplit(self.path).path)[len(self.prefix):] if self.path.startswith(self.prefix) else ""
        language = rest.split("/", 1)[0]
        candidates = [Path(self.directory) / language / "404.html"] if language else []
        page = next((p for p in candidates + [Path(self.directory) / "404.html"] if p.is_file()), None)
        body = page.read_bytes() if page else b"not found"
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return _Body(body)


class _Body:
    """What send_head returns: a file-like body for copyfile()."""

    def __init__(self, data):
        self.data, self.done = data, False

    def read(self, size=-1):
        if self.done:
            return b""
        self.done = True
        return self.data

    def close(self):
        pass


class _Quiet(http.server.ThreadingHTTPServer):
    """A browser that has what it needs closes its connections, some mid-response: that is no
    error of the site (the default handler prints a traceback for each)."""

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class Server:
    """The built site on a loopback port: ``Server(site, prefix="/sub/", port=0)``; ``.base``."""

    def __init__(self, site, prefix="/", port=0, compress=False):
        handler = functools.partial(
            type("Host", (StaticHost,), {"prefix": prefix, "compress": compress}), directory=str(site)
        )
        self.httpd = _Quiet(("127.0.0.1", port), handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}{prefix}"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class Visit:
    """One page load with every request, failure and console error recorded."""

    def __init__(self, browser, base, **context):
        self.base = base
        self.context = browser.new_context(**context)
        self.page = self.context.new_page()
        self.requests, self.offsite, self.failed, self.errors = [], [], [], []
        self.bytes = 0  # every response of the context, the search worker's index included
        self.context.on("response", self._count)
        self.page.on("request", self._request)
        self.page.on("response", self._response)
        self.page.on("requestfailed", lambda r: self.failed.append((r.url, r.failure)))
        self.page.on("console", lambda m: m.type == "error" and self.errors.append((m.text, m.location.get("url"))))
        self.page.on("pageerror", lambda e: self.errors.append((str(e), None)))

    def _request(self, request):
        url = urlsplit(request.url)
        if url.scheme in ("data", "blob", "about"):
            return
        self.requests.append(request.url)
        if url.scheme != "file" and url.hostname != "127.0.0.1":
            self.offsite.append(request.url)

    def _count(self, response):
        self.bytes += int(response.headers.get("content-length", 0))

    def _response(self, response):
        if response.status >= 400:
            self.failed.append((response.url, response.status))

    def open(self, url):
        self.page.goto(url, wait_until="load")
        self.page.wait_for_load_state("networkidle")
        return self.page

    def failures(self):
        return [f"{url} ({status})" for url, status in self.failed]

    def console_errors(self):
        return [f"{text} ({url})" for text, url in self.errors]

    def close(self):
        self.context.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def axe_violations(page, impacts=("serious", "critical")):
    """axe-core's violations of the page at these impacts: [(rule, impact, [targets])]."""
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => [v.id, v.impact, v.nodes.map(n => n.target.join(' ') + ': ' + (n.failureSummary || ''))])"
    )
    return [v for v in found if v[1] in impacts]


def type_like_a_person(page, text):
    """Type into the focused field as a reader would: Latin text key by key (key down, press,
    up), Chinese through an input method (composition events, then the committed text), which is
    how a browser receives it from an IME, with no key event for the characters themselves."""
    session = page.context.new_cdp_session(page)
    for chunk in _chunks(text):
        if chunk.isascii():
            page.keyboard.type(chunk, delay=30)
        else:
            session.send("Input.imeSetComposition", {"text": chunk, "selectionStart": len(chunk), "selectionEnd": len(chunk)})
            session.send("Input.insertText", {"text": chunk})
    session.detach()


def _chunks(text):
    chunk = ""
    for char in text:
        if chunk and char.isascii() != chunk[-1].isascii():
            yield chunk
            chunk = ""
        chunk += char
    if chunk:
        yield chunk
