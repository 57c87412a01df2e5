"""The practitioner page's ``<!-- benchmark -->``: the ``python -m tools.benchmark`` command and
the table it prints, measured by this build.

The build runs that very command, in a process of its own (hooks/build/children.py: it ends
with the build), once the page runs are done: the page runs time their training and the
benchmark times the optimizers, and neither shares the CPU with the other; the pages render
meanwhile, and the page that shows the table waits for it. ``mkdocs serve`` keeps the last table
in ``.cache/pages`` until the device, tools/benchmark.py or torch-yogi's sources change.

tools/benchmark.py prints its table in English; :func:`localized` gives each page the table in its
language (the column headings and the word for a noisy ratio; the optimizers' names, which the
page's prose quotes as code, as code in both).
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

# The table's words in each language but English (tools/benchmark.py's), and the ratio column's
# heading ("× <baseline>"); a heading missing here fails the build of that language.
HEADINGS = {"zh": {"parameters": "参数个数", "optimizer": "优化器", "ms/step": "毫秒/步", "GB/s": "GB/s",
                   "threads": "线程数"}}
RATIO_HEADING = {"zh": "与 `{baseline}` 之比", "en": "× `{baseline}`"}
NOISY = {"zh": "波动大（{range}）", "en": "noisy ({range})"}  # a ratio whose rounds disagree: ``noisy (0.4–3.9)``


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _heading(cell: str, lang: str) -> str:
    if cell.startswith("× "):
        return RATIO_HEADING[lang].format(baseline=cell[2:])
    if lang == "en":
        return cell
    if cell not in HEADINGS[lang]:
        raise PluginError(f"the benchmark table has a column {cell!r} with no {lang} heading: "
                          f"add it to HEADINGS in hooks/runs/benchmark.py")
    return HEADINGS[lang][cell]


def localized(table: str, lang: str) -> str:
    """``table`` (markdown, as tools/benchmark.py prints it) for a page in ``lang``."""
    if lang not in RATIO_HEADING:
        raise PluginError(f"the benchmark table has no words for the language {lang!r}")
    lines, heading, names = [], True, None
    for line in table.split("\n"):
        if not line.startswith("|"):
            heading = True  # a blank line: another table follows
            lines.append(line)
            continue
        cells = _cells(line)
        if heading:
            heading = False
            names = cells.index("optimizer") if "optimizer" in cells else 0  # the optimizers' column
            cells = [_heading(cell, lang) for cell in cells]
        elif not set(line) <= set("|-: "):
            cells[names] = f"`{cells[names]}`"
            cells = [NOISY[lang].format(range=cell[len("noisy ("):-1]) if cell.startswith("noisy (") and cell.endswith(")")
                     else cell for cell in cells]
        else:
            lines.append(line)
            continue
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


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
