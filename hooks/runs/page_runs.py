"""The build runs the chapter pages' code as a reader would.

Each chapter page's code blocks run in page order, in one fresh namespace per page, once per
build (both languages include the same blocks, which tests/test_pages.py checks), in a
``python -I`` started in a temporary folder outside the repository (hooks/runs/runner.py), tied
to the build (hooks/build/children.py: a killed build leaves neither the runner nor its folder).
The same run draws the pages' figures and gives the chapters' notebooks their outputs, and keeps
the values the playground shows (``exports``). A failing block fails the build, naming the page
and the section.

:meth:`PageRuns.start` (when the configuration is read) starts the runner, so that its imports
overlap MkDocs' start-up; :meth:`PageRuns.run` (when the files are known) collects the results.
``mkdocs build`` runs everything; ``mkdocs serve`` keeps each page's run in ``.cache/pages``
(hooks/build/cache.py), keyed by the page's code, the device and the data file, except a run on
synthetic data: that one is never kept, so the real file is read as soon as it is back.
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
import threading
import time
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.plugins import get_plugin_logger

from hooks import ROOT
from hooks.build.cache import Entries
from hooks.build.children import Child
from hooks.pages import figures, labels

RUNNER = Path(__file__).with_name("runner.py")
ENV_DEVICE = "ADAM_YOGI_DEVICE"  # snippets.train.ENV_DEVICE (importing it here would import torch)
ENV_DATA_DIR = "ADAM_YOGI_DATA_DIR"  # snippets.data.ENV_DATA_DIR

log = get_plugin_logger("page_runs")


# --- what a page runs ---------------------------------------------------------------------------


def page_job(pages, name: str, exports: dict | None = None) -> dict:
    """The runner's job for one chapter: its blocks (the default language's page; the other
    language's page includes the same), the output markers and the figures it draws, and the
    names to keep after a block (``exports``: {block label: [names]})."""
    blocks, drawn = [], []
    for item in pages.page(pages.languages[0], name):
        if item.kind == "code":
            block = {"label": item.value, "code": pages.section(item.value), "output_after": False}
            if exports and item.value in exports:
                block["export"] = list(exports[item.value])
            blocks.append(block)
        elif item.kind == "output":
            if not blocks or blocks[-1]["output_after"]:
                raise PluginError(f"{name}.md: an output marker with no code block since the previous one")
            blocks[-1]["output_after"] = True
        elif item.kind == "figure":
            if item.value not in figures.FIGURES:
                raise PluginError(f"{name}.md: no figure named {item.value!r}; known: {', '.join(sorted(figures.FIGURES))}")
            if not blocks:
                raise PluginError(f"{name}.md: figure {item.value!r} comes before any code block")
            drawn.append({
                "name": item.value,
                "after": len(blocks) - 1,
                "defs": [pages.section(f"snippets/plots.py:{s}") for s in figures.FIGURES[item.value]],
                "call": pages.section(f"snippets/plots.py:show-{item.value}"),
            })
    return {"page": name, "blocks": blocks, "figures": drawn, "notebooks": _notebook_cells(pages, name, blocks)}


def _notebook_cells(pages, name: str, blocks: list[dict]) -> dict:
    """{lang: code cells} of each of the chapter's notebooks (hooks/pages/chapters.py builds
    them): a cell that is the page's next block is ``{"block": index}``, a plotting cell its code."""
    from hooks.pages import chapters

    found = {}
    for lang in pages.languages:
        if not (pages.docs / lang / "notebooks" / f"{name}.py").is_file():
            continue
        cells = chapters.notebook_cells(pages.page(lang, name), figures.FIGURES, labels.FIGURE_LABELS[lang],
                                        labels.TEXT[lang], section=pages.section)
        found[lang], index = [], 0
        for number, cell in enumerate(c for c in cells if c["cell_type"] == "code"):
            if index < len(blocks) and cell["source"] == blocks[index]["code"].rstrip("\n"):
                found[lang].append({"block": index})
                index += 1
            else:
                found[lang].append({"label": f"the {lang} notebook's code cell {number + 1}", "code": cell["source"]})
        if index != len(blocks):
            raise PluginError(f"{lang}/notebooks/{name}.py: the notebook holds {index} of the page's {len(blocks)} blocks")
    return found


def common_job(pages) -> dict:
    """What every page's run needs: the plotting setup, the figures' words and styles."""
    return {
        "setup": pages.section("snippets/plots.py:setup"),
        "labels": labels.FIGURE_LABELS,
        "style": {lang: {scheme: figures.style(text["fonts"], scheme) for scheme in figures.SCHEMES}
                  for lang, text in labels.FIGURE_LABELS.items()},
        "warning": {scheme: colours["warning"] for scheme, colours in figures.SCHEMES.items()},
        "synthetic_title": {lang: text["synthetic_title"] for lang, text in labels.TEXT.items()},
    }


# --- where it runs ------------------------------------------------------------------------------


def reader_env(device: str) -> dict:
    """The environment the build runs a reader's code in: no ``PYTHONPATH`` and no visible GPU
    when the build asked for the CPU. (No ``MPLBACKEND`` either: the runner chooses its own.)"""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "MPLBACKEND")}
    if device == "cpu":
        env["CUDA_VISIBLE_DEVICES"] = ""
    return env


def data_fingerprint() -> str:
    """What decides which data a reader's code reads here: ``$ADAM_YOGI_DATA_DIR`` and the files
    it (or the user's cache folder) holds; a file that cannot be read counts as its error."""
    from snippets.data import FILENAME, cache_dir

    h = hashlib.sha256()
    folder = os.environ.get(ENV_DATA_DIR, "")
    h.update(folder.encode())
    for path in ([Path(folder) / FILENAME] if folder else []) + [cache_dir() / FILENAME]:
        try:
            h.update(path.read_bytes())
        except OSError as error:
            h.update(f"{path}: {error.strerror}".encode())
    return h.hexdigest()


def _key(job: dict, common: dict, device: str, data: str) -> str:
    h = hashlib.sha256(json.dumps([job, common], sort_keys=True).encode())
    h.update(RUNNER.read_bytes())
    h.update(device.encode() + data.encode())
    return h.hexdigest()


class Runner:
    """One ``python -I`` running pages in a temporary folder, started now, awaited by
    :meth:`results`; it ends with the build, whatever ends the build."""

    def __init__(self, jobs: list[dict], common: dict, device: str):
        """``device``: ``cpu`` hides the GPU from the pages' code; anything else leaves it."""
        self._child = Child(prefix="adam-yogi-pages-")
        self.job_path = self._child.folder / "job.json"
        self.result_path = self._child.folder / "result.json"
        self.job_path.write_text(json.dumps({"pages": jobs, **common}), encoding="utf-8")
        self.started = time.perf_counter()
        self._child.start([sys.executable, "-I", str(RUNNER), str(self.job_path), str(self.result_path)],
                          env=reader_env(device.strip().lower()))

    def stop(self):
        """End the runner unfinished; its folder goes with it."""
        self._child.close()

    def results(self) -> dict:
        """{page: result}; a failing block raises, naming the page and the section."""
        try:
            code = self._child.wait()
            stderr = self._child.output("stderr")
            for line in stderr.splitlines():
                if line.strip():
                    log.info(f"page code said: {line}")
            if code != 0 or not self.result_path.is_file():
                raise PluginError(f"the page runner failed (exit {code}):\n{stderr[-3000:]}")
            result = json.loads(self.result_path.read_text(encoding="utf-8"))
        finally:
            self._child.close()
        if "error" in result:
            error = result["error"]
            raise PluginError(f"{error['page']}.md: the code block {error['section']} failed:\n{error['traceback']}")
        provenance = {"torch": result.pop("torch"), "device": result.pop("device")}
        return {page: {**value, **provenance} for page, value in result.items()}


def shares(jobs: list[dict], processes: int) -> list[list[dict]]:
    """The jobs split among ``processes`` runners, each page whole (its blocks share one
    namespace), the largest first to the least loaded: a page weighs its code and its figures
    (a figure is drawn six times: two languages, two schemes, two notebooks)."""
    weight = {job["page"]: sum(len(b["code"]) for b in job["blocks"]) + FIGURE_WEIGHT * len(job["figures"])
              for job in jobs}
    shared: list[list[dict]] = [[] for _ in range(max(1, min(processes, len(jobs))))]
    for job in sorted(jobs, key=lambda job: -weight[job["page"]]):
        min(shared, key=lambda share: sum(weight[j["page"]] for j in share)).append(job)
    return [share for share in shared if share]


FIGURE_WEIGHT = 2000  # a figure's drawing, in characters of code that take as long to run (roughly)


class PageRuns:
    """This build's runs of every chapter page, each at most once: :meth:`start` starts the
    runner, :meth:`run` collects its results (``{page: result}``, see hooks/runs/runner.py).

    ``requested`` is ``$ADAM_YOGI_DEVICE`` as given. The runners start at once (``cpu`` hides
    the GPU from them), one per CPU core up to one per page, each running whole pages;
    :attr:`device`, which snippets.train resolves and checks, is found meanwhile in a thread:
    importing torch here would delay the runners by two seconds."""

    def __init__(self, pages, requested: str, use_cache: bool, exports: dict | None = None):
        self.pages, self.requested, self.use_cache, self.exports = pages, requested, use_cache, exports
        self.results: dict[str, dict] | None = None
        self._runners: list[Runner] = []
        self._keys = None
        self._cached: dict = {}
        self._missing: list[str] = []
        self._resolved: dict = {}
        self._resolver = threading.Thread(target=self._resolve, daemon=True)  # started by start()

    def _resolve(self):
        try:
            from snippets.train import resolve_device

            self._resolved["device"] = resolve_device(self.requested or None).type
        except Exception as error:  # raised in the build's thread by `device`
            self._resolved["error"] = error

    @property
    def device(self) -> str:
        """``cpu`` or ``cuda``: where the pages ran; a bad ``$ADAM_YOGI_DEVICE`` fails the build
        (and stops the runner)."""
        self._resolver.join()
        if "error" in self._resolved:
            self.stop()
            error = self._resolved["error"]
            raise PluginError(f"{ENV_DEVICE}={self.requested!r}: {error}") from error
        return self._resolved["device"]

    def start(self):
        """Take unchanged pages from the serve cache; start the runner on the others."""
        jobs = {name: page_job(self.pages, name, self.exports) for name in self.pages.chapter_names()}
        common = common_job(self.pages)
        self._keys, self._cached, self._missing = {}, {}, []
        cache = Entries("pages") if self.use_cache else None
        if cache is not None:  # (the data's fingerprint imports torch: only when a cache is read)
            data = data_fingerprint()
            self._keys = {name: _key(job, common, self.requested, data) for name, job in jobs.items()}
        for name in jobs:
            cached = cache.get(name, self._keys[name]) if cache is not None else None
            if cached is not None:
                self._cached[name] = cached
            else:
                self._missing.append(name)
        if self._missing:
            for share in shares([jobs[name] for name in self._missing], os.cpu_count() or 1):
                self._runners.append(Runner(share, common, self.requested))
        self._resolver.start()
        return self

    def stop(self):
        """End the runner, if it runs (a failed build)."""
        for runner in self._runners:
            runner.stop()

    def run(self) -> dict:
        if self.results is not None:
            return self.results
        if self._keys is None:
            self.start()
        device = self.device  # checked before the wait: a bad device name ends the build now
        results = dict(self._cached)
        if self._runners:
            ran = {}
            try:
                for runner in self._runners:
                    ran.update(runner.results())
            finally:
                self.stop()
            log.info(f"ran the code of {', '.join(self._missing)} in "
                     f"{time.perf_counter() - self._runners[0].started:.1f} s ({device}, "
                     f"{len(self._runners)} python -I side by side, outside the repository)")
            results.update(ran)
            if self.use_cache:
                cache = Entries("pages")
                for name in self._missing:
                    if ran[name].get("data_source") != "synthetic":  # synthetic data: run again next time
                        cache.put(name, self._keys[name], ran[name])
        self.results = results
        return results
