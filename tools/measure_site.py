"""Measure the site: a clean `mkdocs build`, and per page, loaded cold in headless Chromium from
127.0.0.1, the bytes and requests it takes and its first contentful paint.

    .venv/bin/python -m tools.measure_site [--runs 5] [--site DIR] [--pages "" adam/ en/yogi/]

Prints medians (and the range) over interleaved page loads. Needs Chromium (.ci/setup --browser).
Lighthouse's scores come from tools/measure_lighthouse.py.
"""
import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]  # tools.site_build; the browser tests' host and Chromium
from browser_support import CHROMIUM, CHROMIUM_ARGS, Server  # noqa: E402
from tools.site_build import site_for_measuring  # noqa: E402

TIMING = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const res = performance.getEntriesByType('resource');
  const fcp = performance.getEntriesByName('first-contentful-paint')[0];
  return {bytes: nav.transferSize + res.reduce((s, r) => s + r.transferSize, 0),
          requests: 1 + res.length, fcp: fcp ? fcp.startTime : null, load: nav.loadEventEnd};
}"""


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--site", type=Path, help="an already built site (default: build one and time it)")
    parser.add_argument("--pages", nargs="+", default=["", "adam/", "en/yogi/", "notebooks/adam/"])
    parser.add_argument("--gzip", action="store_true", help="serve text gzipped, as static hosts do")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error(f"--runs must be at least 1 (got {args.runs})")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        site = site_for_measuring(args.site, tmp)
        host = Server(site, compress=args.gzip)
        samples = {page: [] for page in args.pages}
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for _ in range(args.runs):  # interleaved: every page once per round
                for page in args.pages:
                    context = browser.new_context()  # a cold cache each time
                    tab = context.new_page()
                    tab.goto(host.base + page, wait_until="load")
                    tab.wait_for_load_state("networkidle")
                    samples[page].append(tab.evaluate(TIMING))
                    context.close()
            browser.close()
        host.close()
    print(f"{'page':20s} {'bytes':>10s} {'requests':>9s} {'FCP ms':>16s} {'load ms':>16s}")
    for page, runs in samples.items():
        def stat(key):
            values = [r[key] for r in runs]
            return f"{statistics.median(values):.0f} ({min(values):.0f}-{max(values):.0f})"
        bytes_ = statistics.median(r["bytes"] for r in runs)
        requests = statistics.median(r["requests"] for r in runs)
        print(f"{'/' + page:20s} {bytes_:10.0f} {requests:9.0f} {stat('fcp'):>16s} {stat('load'):>16s}")


if __name__ == "__main__":
    main()
