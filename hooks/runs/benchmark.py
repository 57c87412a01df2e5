"""The practitioner page's ``<!-- benchmark -->``: the ``python -m tools.benchmark`` command and
the table it prints, measured by this build.

The build runs that very command, in a process of its own (hooks/build/children.py: it ends
with the build), once the page runs are done: the page runs time their training and the
benchmark times the optimizers, and neither shares the CPU with the other; the pages render
meanwhile, and the page that shows the table waits for it. ``mkdocs serve`` keeps the last table
in ``.cache/pages`` until the device, tools/benchmark.py or torch-yogi's sources change.
"""
from __future__ import annotations

import hashlib
import json
import os
import shlex
import sys
import time

from mkdocs.exceptions import PluginError
from mkdocs.plugins import get_plugin_logger

from hooks import ROOT
from hooks.build.cache import Entries
from hooks.build.children import Child, ChildFailed

# The benchmark table of the practitioner page: these arguments, and the command they mean.
BENCHMARK_ARGS = {"sizes": (6, 100_000, 1_000_000), "repeats": 5, "warmup": 2}
SOURCES = [ROOT / "tools" / "benchmark.py", ROOT / "torch-yogi" / "src" / "torch_yogi"]
TIMEOUT = 600  # seconds: the table takes a few; a benchmark that hangs fails the build

log = get_plugin_logger("benchmark")


def arguments(device: str) -> list[str]:
    """The options of ``python -m tools.benchmark`` that measure the page's table."""
    sizes = [f"{n:.0e}".replace("e+0", "e") if n >= 1000 else str(n) for n in BENCHMARK_ARGS["sizes"]]
    return ["--device", device, "--sizes", *sizes, "--repeats", str(BENCHMARK_ARGS["repeats"]),
            "--warmup", str(BENCHMARK_ARGS["warmup"]), "--no-extras"]


def command(device: str) -> str:
    """The command the page shows: the one the build runs."""
    options = arguments(device)
    return (f"python -m tools.benchmark {shlex.join(options[:2])} \\\n"  # two lines fit the page
            f"    {shlex.join(options[2:])}")


def _key(device: str) -> str:
    key = hashlib.sha256(device.encode())
    for source in SOURCES:
        for path in sorted(source.rglob("*.[pc]")) if source.is_dir() else [source]:
            key.update(path.read_bytes())
    return key.hexdigest()


class Benchmark:
    """The table, measured at most once per build (once per change under ``mkdocs serve``):
    :meth:`start` starts the command, :meth:`table` waits for its table."""

    def __init__(self, use_cache: bool):
        self.use_cache = use_cache
        self._table: str | None = None
        self._child: Child | None = None
        self._started = 0.0

    def start(self, device: str) -> "Benchmark":
        if self._table is not None or self._child is not None:
            return self
        self._cache = Entries("pages") if self.use_cache else None
        self._key = _key(device) if self.use_cache else None
        self._table = self._cache.get("benchmark", self._key) if self._cache is not None else None
        if self._table is None:
            self._child = Child(prefix="adam-yogi-benchmark-")
            self._result = self._child.folder / "result.json"
            self._started = time.perf_counter()
            env = {**os.environ, "PYTHONPATH": str(ROOT)}  # tools.benchmark is this repository's
            self._child.start([sys.executable, "-m", "tools.benchmark", *arguments(device), "--json", str(self._result)],
                              env=env)
        return self

    def table(self) -> str:
        if self._table is None:
            if self._child is None:
                raise PluginError("the benchmark table is wanted, but the benchmark was never started")
            try:
                code = self._child.wait(timeout=TIMEOUT)
                if code != 0 or not self._result.is_file():
                    raise PluginError(f"the benchmark failed (exit {code}): {self._child.output('stderr')[-2000:]}")
                from tools.benchmark import format_table

                self._table = format_table(json.loads(self._result.read_text(encoding="utf-8")))
            except ChildFailed as error:
                raise PluginError(f"the benchmark failed: {error}") from None
            finally:
                self.stop()
            log.info(f"timed the optimizers for the benchmark table in {time.perf_counter() - self._started:.1f} s")
            if self._cache is not None:
                self._cache.put("benchmark", self._key, self._table)
        return self._table

    def stop(self) -> None:
        """End the benchmark, if it runs (a failed build); its folder goes with it."""
        if self._child is not None:
            self._child.close()
            self._child = None
