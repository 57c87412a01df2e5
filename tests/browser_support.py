"""What the browser tests share: Chromium's path and flags, a quiet HTTP handler, and
:class:`Visit`, one page load with every request, failure and console error recorded.
The ``server`` and ``browser`` fixtures that use them are in conftest.py."""
import http.server
import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit

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


def chromium_available():
    return Path(CHROMIUM).is_file() or shutil.which(CHROMIUM) is not None


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class Visit:
    """One page load with every request, failure and console error recorded."""

    def __init__(self, browser, base):
        self.base = base
        self.context = browser.new_context()
        self.page = self.context.new_page()
        self.offsite, self.failed, self.errors = [], [], []
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
        if url.hostname != "127.0.0.1":
            self.offsite.append(request.url)

    def _count(self, response):
        self.bytes += int(response.headers.get("content-length", 0))

    def _response(self, response):
        if response.status >= 400:
            self.failed.append((response.url, response.status))

    def open(self, url):
        self.page.goto(url, wait_until="load")
        self.page.wait_for_function("document.documentElement.dataset.mathjax === 'done'", timeout=20000)
        self.page.wait_for_load_state("networkidle")
        return self.page

    def _probes(self):
        return set(
            self.page.eval_on_selector_all(
                "link[rel=alternate][hreflang]", "links => links.map(l => new URL('sitemap.xml', l.href).href)"
            )
        )

    def console_errors(self):
        """Console errors, less the browser's report of the same allowed sitemap probe."""
        probes = self._probes()
        return [f"{text} ({url})" for text, url in self.errors if not (url in probes and "404" in text)]

    def failures(self):
        """Failed requests, less exactly one kind: Material fetches `sitemap.xml` beside each
        `<link rel=alternate>` of the page to map pages between languages. Our alternates are
        the counterpart pages themselves (not language roots), so that probe 404s and Material
        falls back to the link's own href, which is already right."""
        probes = self._probes()
        return [f"{url} ({status})" for url, status in self.failed if not (status == 404 and url in probes)]

    def close(self):
        self.context.close()
