"""Measure `mkdocs serve` as a writer uses it: how long after a prose edit the served page shows it.

    .venv/bin/python -m tools.measure_serve [--edits 3] [--page docs/en/glossary.md]

Starts `mkdocs serve` on a free loopback port, waits for its first build, then appends a marker
paragraph to the page (an atomic write), times until the served page contains it, and puts the
page back as it was (also on error or Ctrl-C); repeated --edits times. A measurement, not a test.
"""
import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from tools.site_build import MKDOCS

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _write_atomic(path: Path, text: str):
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, encoding="utf-8", suffix=".tmp") as tmp:
        tmp.write(text)
    os.replace(tmp.name, path)


def _served(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode("utf-8", "replace")
    except OSError:
        return ""


def _wait_for(url: str, text: str, timeout: float, server, present=True) -> float:
    """Seconds until the served page contains ``text`` (or, ``present=False``, no longer does)."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if server.poll() is not None:
            sys.exit(f"mkdocs serve exited with {server.returncode}")
        page = _served(url)
        if page and (text in page) == present:
            return time.perf_counter() - started
        time.sleep(0.1)
    sys.exit(f"{url} did not {'show' if present else 'drop'} {text!r} within {timeout:.0f} s")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=3)
    parser.add_argument("--page", type=Path, default=Path("docs/en/glossary.md"))
    args = parser.parse_args(argv)
    if args.edits < 1:
        parser.error(f"--edits must be at least 1 (got {args.edits})")
    page = (ROOT / args.page).resolve()
    if page.suffix != ".md" or not page.is_file() or ROOT / "docs" not in page.parents:
        parser.error(f"--page {args.page}: not a Markdown page under docs/")
    lang = page.relative_to(ROOT / "docs").parts[0]
    rel = page.relative_to(ROOT / "docs" / lang)
    path = "" if lang == "zh" else f"{lang}/"
    path += "" if rel.stem == "index" else f"{rel.with_suffix('').as_posix()}/"
    port = _free_port()
    url = f"http://127.0.0.1:{port}/{path}"
    original = page.read_text(encoding="utf-8")
    server = subprocess.Popen([MKDOCS, "serve", "--dev-addr", f"127.0.0.1:{port}"],
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    times = []
    try:
        first = _wait_for(url, "</html>", 600, server)
        print(f"first build served after {first:.1f} s")
        for n in range(args.edits):
            marker = f"measure-serve-{os.getpid()}-{n}"
            _write_atomic(page, original.rstrip("\n") + f"\n\n{marker}\n")
            times.append(_wait_for(url, marker, 120, server))
            _write_atomic(page, original)
            _wait_for(url, marker, 120, server, present=False)  # the restore is served: next edit
    finally:
        if page.read_text(encoding="utf-8") != original:
            _write_atomic(page, original)
        server.terminate()
        server.wait(timeout=30)
    print(f"prose edit -> served: median {statistics.median(times):.1f} s ({min(times):.1f}-{max(times):.1f}) over {len(times)} edits")


if __name__ == "__main__":
    main()
