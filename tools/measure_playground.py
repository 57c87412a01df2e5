"""Measure the playground (issue 13's numbers): the time of one redraw — the three runs computed and
the charts rewritten, plus the style and layout that follow — with and without CPU throttling
(Chrome DevTools Protocol, Emulation.setCPUThrottlingRate), and the bytes the playground adds to
its pages. Headless Chromium on 127.0.0.1, driven by Playwright.

    .venv/bin/python -m tools.measure_playground [--site DIR] [--redraws 60] [--rates 1 4]

Without --site it builds the site first. Prints medians with the 10th–90th percentile spread. What is timed
is what dragging a slider does: its input event, the three runs recomputed with the new value,
the charts redrawn, style and layout; the problems take turns in blocks of five redraws. Not a
test: timings depend on the machine (and on what else runs on it).
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

# Each problem with the slider a reader drags; every timed redraw moves it one position (there
# and back), so each one draws new numbers.
SETTINGS = {
    "counterexample (3000 steps)": ("counterexample", "C", {"steps": 3000}),
    "rosenbrock (3000 steps)": ("rosenbrock", "lr", {"steps": 3000}),
    "spikes (1000 steps)": ("spikes", "beta2", {}),
}
SWITCH = """([problem, options]) => { playground.apply({problem, ...options}); }"""
TIME = """([key, i]) => {
  const input = document.getElementById('pg-' + key);
  input.value = String(Number(input.value) + (i % 2 ? 1 : -1));
  const t0 = performance.now();
  input.dispatchEvent(new Event('input', {bubbles: true}));  // what a slider does ...
  playground.redraw();                                        // ... and the redraw it asks for
  document.querySelector('.pg-charts').getBoundingClientRect();  // force style and layout
  return performance.now() - t0;
}"""
BLOCK = 5  # redraws per problem in a row, as a drag does; the problems take turns
SIZES = """() => performance.getEntriesByType('resource')
  .filter(r => r.name.includes('/playground'))
  .map(r => ({url: r.name.split('/assets/')[1], bytes: r.encodedBodySize}))"""


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, help="a built site (default: build one)")
    parser.add_argument("--redraws", type=int, default=60, help="redraws per problem and rate")
    parser.add_argument("--rates", type=float, nargs="+", default=[1, 4], help="CPU throttling rates")
    parser.add_argument("--page", default="en/yogi/")
    args = parser.parse_args(argv)
    if args.redraws < 1:
        parser.error(f"--redraws must be at least 1 (got {args.redraws})")
    if any(r < 1 for r in args.rates):
        parser.error(f"--rates must be ≥ 1 (got {args.rates})")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        site = site_for_measuring(args.site, tmp)
        host = Server(site)
        base = host.base
        samples = {(rate, name): [] for rate in args.rates for name in SETTINGS}
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            tab = browser.new_context().new_page()
            tab.goto(base + args.page, wait_until="load")
            tab.wait_for_function("window.playground !== undefined")
            tab.evaluate("playground.ready")
            sizes = tab.evaluate(SIZES)
            cdp = tab.context.new_cdp_session(tab)
            for rate in args.rates:
                cdp.send("Emulation.setCPUThrottlingRate", {"rate": rate})
                for i in range(0, args.redraws, BLOCK):
                    for name, (problem, key, options) in SETTINGS.items():
                        tab.evaluate(SWITCH, [problem, options])
                        tab.evaluate(TIME, [key, 1])  # not counted: the first draw after a switch
                        for j in range(min(BLOCK, args.redraws - i)):
                            samples[(rate, name)].append(tab.evaluate(TIME, [key, j]))
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
            browser.close()
        host.close()
    print(f"redraw of {args.page}: ms per redraw, median [10th–90th percentile] (min–max), {args.redraws} each")
    for (rate, name), values in samples.items():
        print(f"  CPU ×{rate:g}  {name:28s} {statistics.median(values):6.2f} "
              f"[{percentile(values, 0.1):.2f}–{percentile(values, 0.9):.2f}] ({min(values):.2f}–{max(values):.2f})")
    print("playground files loaded by the page (bytes, uncompressed):")
    for entry in sizes:
        print(f"  {entry['bytes']:8d}  {entry['url']}")
    print(f"  {sum(e['bytes'] for e in sizes):8d}  in all")


if __name__ == "__main__":
    main()
