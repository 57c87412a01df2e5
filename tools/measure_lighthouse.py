"""Lighthouse 12 (npm, pinned in package.json) on the built site: the four category scores and the
main metrics of a few pages, as medians over interleaved runs, with their spread.

    .venv/bin/python -m tools.measure_lighthouse [--runs 5] [--build] [--site DIR ...] [--pages "" adam/ ...]

--build (the default without --site) builds this checkout first, with SITE_URL set to the address
it then serves it at (absolute canonical and alternate links, as a published site has them);
--site serves a site built before (e.g. a build of main). Several sites are measured interleaved,
page by page and round by round, so that a busy machine weighs on each the same. The site is served on
127.0.0.1 with gzip, as static hosts serve it. Lighthouse runs its default mobile profile
(simulated slow 4G and a 4x slower CPU) against Debian's Chromium (CHROME_PATH). A measurement,
not a test: scores move from run to run, more so on a busy machine.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]  # tools.site_build; the browser tests' host and Chromium
from browser_support import CHROMIUM, Server  # noqa: E402
from tools.site_build import build_site  # noqa: E402

LIGHTHOUSE = ROOT / "node_modules" / "lighthouse" / "cli" / "index.js"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
METRICS = {
    "first-contentful-paint": "FCP ms",
    "largest-contentful-paint": "LCP ms",
    "total-blocking-time": "TBT ms",
    "cumulative-layout-shift": "CLS",
    "speed-index": "SI ms",
    "total-byte-weight": "bytes",
}
DEFAULT_PAGES = ["", "adam/", "en/yogi/", "notebooks/adam/"]  # zh home, zh Adam, en Yogi, a notebook


def lighthouse(url: str) -> dict:
    proc = subprocess.run(
        [
            "node", str(LIGHTHOUSE), url, "--output=json", "--output-path=stdout", "--quiet",
            f"--only-categories={','.join(CATEGORIES)}",
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
        ],
        env={**os.environ, "CHROME_PATH": CHROMIUM},
        capture_output=True, text=True, timeout=300,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"lighthouse failed on {url}:\n{proc.stderr[-2000:]}")
    report = json.loads(proc.stdout)
    result = {name: round(100 * report["categories"][name]["score"]) for name in CATEGORIES}
    result.update({name: report["audits"][name]["numericValue"] for name in METRICS})
    result["requests"] = len(report["audits"]["network-requests"]["details"]["items"])
    result["failing"] = []  # the scored audits of the other categories that did not pass
    for name in CATEGORIES[1:]:
        for ref in report["categories"][name]["auditRefs"]:
            audit = report["audits"][ref["id"]]
            if ref["weight"] and audit["score"] is not None and audit["score"] < 1:
                result["failing"].append(ref["id"])
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--site", type=Path, action="append", default=[], help="a site built before; repeatable")
    parser.add_argument("--build", action="store_true", help="build this checkout (the default without --site)")
    parser.add_argument("--pages", nargs="+", default=DEFAULT_PAGES)
    parser.add_argument("--json", type=Path, help="also write every run's numbers here")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error(f"--runs must be at least 1 (got {args.runs})")
    for site in args.site:
        if not (site / "index.html").is_file():
            parser.error(f"--site {site}: no index.html there")
    if not LIGHTHOUSE.is_file():
        sys.exit(f"Lighthouse is missing ({LIGHTHOUSE}): run `npm ci`")

    with tempfile.TemporaryDirectory() as tmp:
        build = args.build or not args.site
        built = Path(tmp) / "this-checkout"
        sites = ([built] if build else []) + args.site
        hosts = {}
        for site in sites:
            site.mkdir(exist_ok=True)
            hosts[str(site)] = Server(site, compress=True)
        if build:
            host = hosts[str(built)]
            proc, seconds = build_site(built, env={"SITE_URL": host.base})
            if proc.returncode != 0:
                sys.exit(f"mkdocs build failed:\n{proc.stderr[-3000:]}")
            print(f"built with SITE_URL={host.base} in {seconds:.1f} s")
        samples = {(site, page): [] for site in hosts for page in args.pages}
        try:
            for _ in range(args.runs):  # interleaved: every site and page once per round
                for page in args.pages:
                    for site, host in hosts.items():
                        samples[(site, page)].append(lighthouse(host.base + page))
        finally:
            for host in hosts.values():
                host.close()

    columns = list(CATEGORIES) + list(METRICS) + ["requests"]
    print(f"Lighthouse 12, median (min-max) of {args.runs} runs, mobile profile, gzip")
    for (site, page), runs in samples.items():
        print(f"{site if len(hosts) > 1 else ''} /{page}")
        for column in columns:
            values = [run[column] for run in runs]
            label = METRICS.get(column, column)
            fmt = (lambda v: f"{v:.3f}") if column == "cumulative-layout-shift" else (lambda v: f"{v:.0f}")
            print(f"  {label:16s} {fmt(statistics.median(values)):>9s}  ({fmt(min(values))}-{fmt(max(values))})")
        failing = sorted({audit for run in runs for audit in run["failing"]})
        print(f"  {'failing audits':16s} {', '.join(failing) or 'none'}")
    if args.json:
        args.json.write_text(json.dumps({f"{site} /{page}": runs for (site, page), runs in samples.items()}, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
