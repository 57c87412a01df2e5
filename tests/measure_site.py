"""Measure the site (issue 2's numbers): a clean `mkdocs build`, the bytes one page transfers,
and the time from navigation until MathJax has finished, in headless Chromium on 127.0.0.1.

    .venv/bin/python tests/measure_site.py [--runs 5] [--pages "" adam/ en/yogi/]

Prints medians over interleaved page loads. Needs Chromium (bash .ci/setup --browser).
"""
import argparse
import functools
import http.server
import statistics
import sys
import tempfile
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conftest import build_site  # noqa: E402
from browser_support import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

TIMING = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const res = performance.getEntriesByType('resource');
  return {bytes: nav.transferSize + res.reduce((s, r) => s + r.transferSize, 0),
          load: nav.loadEventEnd, math: window.mathjaxDoneAt};
}"""


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pages", nargs="+", default=["", "adam/", "en/yogi/", "notebooks/adam/"])
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error(f"--runs must be at least 1 (got {args.runs})")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        proc, seconds = build_site(Path(tmp) / "site")
        if proc.returncode != 0:
            sys.exit(f"mkdocs build failed:\n{proc.stderr[-3000:]}")
        print(f"clean mkdocs build --strict: {seconds:.1f} s")

        class Quiet(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args):
                pass

        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=f"{tmp}/site"))
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{httpd.server_address[1]}/"
        samples = {page: [] for page in args.pages}
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for _ in range(args.runs):  # interleaved: every page once per round
                for page in args.pages:
                    context = browser.new_context()  # a cold cache each time
                    tab = context.new_page()
                    tab.goto(base + page, wait_until="load")
                    tab.wait_for_function("document.documentElement.dataset.mathjax === 'done'", timeout=30000)
                    tab.wait_for_load_state("networkidle")
                    samples[page].append(tab.evaluate(TIMING))
                    context.close()
            browser.close()
        httpd.shutdown()
    print(f"{'page':20s} {'bytes':>10s} {'load ms':>9s} {'math done ms':>13s} {'math − load ms':>15s}")
    for page, runs in samples.items():
        med = lambda key: statistics.median(r[key] for r in runs)  # noqa: E731
        after = statistics.median(r["math"] - r["load"] for r in runs)
        print(f"{'/' + page:20s} {med('bytes'):10.0f} {med('load'):9.0f} {med('math'):13.0f} {after:15.0f}")


if __name__ == "__main__":
    main()
