"""The performance page's ``<!-- benchmark -->``: the ``python -m tools.benchmark`` command and
the table it prints, measured by this build (after the page runs, so that the two timed jobs
never share the CPU). ``mkdocs serve`` keeps the last table in ``.cache/pages`` until the
device, tools/benchmark.py or torch-yogi's sources change."""
from __future__ import annotations

import hashlib
import time

from mkdocs.exceptions import PluginError
from mkdocs.plugins import get_plugin_logger

from hooks import ROOT
from hooks.build.cache import Entries

# The benchmark table of the performance page: these arguments, and the command they mean.
BENCHMARK_ARGS = {"sizes": (6, 100_000, 1_000_000), "repeats": 5, "warmup": 2}
SOURCES = [ROOT / "tools" / "benchmark.py", ROOT / "torch-yogi" / "src" / "torch_yogi"]

log = get_plugin_logger("benchmark")


def command(device: str) -> str:
    """The command that measures what the page's table shows."""
    sizes = " ".join(f"{n:.0e}".replace("e+0", "e") if n >= 1000 else str(n) for n in BENCHMARK_ARGS["sizes"])
    return (f"python -m tools.benchmark --device {device} \\\n"  # two lines fit the page
            f"    --sizes {sizes} --repeats {BENCHMARK_ARGS['repeats']} --warmup {BENCHMARK_ARGS['warmup']} --no-extras")


def preload():
    """Import the benchmark (and torch) ahead of its turn, in a thread, while the pages run."""
    import tools.benchmark  # noqa: F401


def _key(device: str) -> str:
    key = hashlib.sha256(device.encode())
    for source in SOURCES:
        for path in sorted(source.rglob("*.[pc]")) if source.is_dir() else [source]:
            key.update(path.read_bytes())
    return key.hexdigest()


class Benchmark:
    """The table, measured at most once per build (once per change under ``mkdocs serve``)."""

    def __init__(self, use_cache: bool):
        self.use_cache = use_cache
        self._table: str | None = None

    def table(self, device: str) -> str:
        if self._table is None:
            cache, key = (Entries("pages"), _key(device)) if self.use_cache else (None, None)
            self._table = cache.get("benchmark", key) if cache is not None else None
            if self._table is None:
                from tools.benchmark import format_table, run_benchmark

                started = time.perf_counter()
                try:
                    result = run_benchmark(device, **BENCHMARK_ARGS)
                except Exception as error:
                    raise PluginError(f"the benchmark failed: {type(error).__name__}: {error}") from error
                self._table = format_table(result)
                log.info(f"timed the optimizers for the benchmark table in {time.perf_counter() - started:.1f} s")
                if cache is not None:
                    cache.put("benchmark", key, self._table)
        return self._table
