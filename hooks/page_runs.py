"""MkDocs hook: the build runs the chapter pages, and the pages show what their code printed.

Every printed result and figure on the site comes from here, in this build:

* each chapter page's code blocks run in page order, in one fresh namespace per page, once per
  build (both languages include the same blocks, which tests/test_pages.py checks), in a
  ``python -I`` subprocess started in a temporary folder outside the repository — as a reader
  who copied the page would run them (hooks/page_runner.py);
* ``<!-- output -->`` on a page becomes a block with what the code blocks since the previous
  marker printed (styled as output, no copy button);
* ``![caption](figures/NAME.svg)`` shows a figure drawn from that page's namespace by the cells
  of snippets/plots.py (hooks/figures.py), once per language, as reproducible SVG;
* ``<!-- benchmark -->`` (the practitioner page) becomes the ``python -m tools.benchmark``
  command and the table it prints, measured by this build;
* a page that shows results ends with a note naming the device, torch version and data, and one
  built on synthetic data starts with a warning.

The same run gives the chapters' notebooks their outputs (hooks/notebooks.py reads them from
hooks/page_results.py). The runs happen in ``on_files``; the benchmark runs after them, so the
two timed jobs never share the CPU. A failing block fails the build, naming the
page and the section. ``mkdocs build`` runs everything; ``mkdocs serve`` keeps each page's run
in ``.cache/pages``, keyed by the page's code, the device and the data file.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority, get_plugin_logger
from mkdocs.structure.files import File

HOOKS = Path(__file__).resolve().parent
ROOT = HOOKS.parent
if str(ROOT) not in sys.path:  # `import hooks.chapters` (and `import snippets`) in this process
    sys.path.insert(0, str(ROOT))
from hooks import fresh, page_results  # noqa: E402
CACHE_DIR = ROOT / ".cache" / "pages"
RUNNER = HOOKS / "page_runner.py"
OUTPUT = re.compile(r"^([ \t]*)<!-- output -->[ \t]*$", re.M)
BENCHMARK = re.compile(r"^<!-- benchmark -->[ \t]*$", re.M)
FIGURE_LINK = re.compile(r"\]\(figures/([a-z0-9-]+)\.svg\)")
FIGURE_IMAGE = re.compile(r"!\[([^\]]*)\]\(figures/([a-z0-9-]+)\.svg\)")
# The benchmark table of the performance page: these arguments, and the command they mean.
BENCHMARK_ARGS = {"sizes": (6, 100_000, 1_000_000), "repeats": 5, "warmup": 2}

log = get_plugin_logger("page_runs")


chapters, figures, labels = fresh("chapters", "figures", "labels")


def _importable_root():
    """`import snippets` in this process (MkDocs restores sys.path after loading a hook)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))


# --- what a page runs ---------------------------------------------------------------------------


def page_job(name: str) -> dict:
    """The runner's job for one chapter: its blocks (the default language's page; the other
    language's page includes the same), the output markers and the figures it draws."""
    items = chapters.page(chapters.LANGUAGES[0], name)
    blocks, drawn = [], []
    for item in items:
        if item.kind == "code":
            blocks.append({"label": item.value, "code": chapters.section(item.value), "output_after": False})
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
                "defs": [chapters.section(f"snippets/plots.py:{s}") for s in figures.FIGURES[item.value]],
                "call": chapters.section(f"snippets/plots.py:show-{item.value}"),
            })
    return {"page": name, "blocks": blocks, "figures": drawn, "notebooks": _notebook_cells(name, blocks)}


def _notebook_cells(name: str, blocks: list[dict]) -> dict:
    """{lang: code cells} of each of the chapter's notebooks (hooks/chapters.py builds them):
    a cell that is the page's next block is ``{"block": index}``, a plotting cell its code."""
    found = {}
    for lang in chapters.LANGUAGES:
        if not (chapters.DOCS / lang / "notebooks" / f"{name}.py").is_file():
            continue
        cells = chapters.notebook_cells(chapters.page(lang, name), figures.FIGURES,
                                        labels.FIGURE_LABELS[lang], labels.TEXT[lang])
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


def _common_job() -> dict:
    return {
        "setup": chapters.section("snippets/plots.py:setup"),
        "labels": labels.FIGURE_LABELS,
        "style": {lang: {scheme: figures.style(text["fonts"], scheme) for scheme in figures.SCHEMES}
                  for lang, text in labels.FIGURE_LABELS.items()},
        "warning": {scheme: colours["warning"] for scheme, colours in figures.SCHEMES.items()},
        "synthetic_title": {lang: text["synthetic_title"] for lang, text in labels.TEXT.items()},
    }


def _key(job: dict, common: dict, device: str, data: str) -> str:
    h = hashlib.sha256(json.dumps([job, common], sort_keys=True).encode())
    h.update(RUNNER.read_bytes())
    h.update(device.encode() + data.encode())
    return h.hexdigest()[:16]


class Runner:
    """One ``python -I`` running pages in a temporary folder, started now, awaited by
    :meth:`results` (its imports overlap the rest of MkDocs' start-up)."""

    def __init__(self, jobs: list[dict], device: str):
        """``device``: ``cpu`` hides the GPU from the pages' code; anything else leaves it."""
        self._tmp = tempfile.TemporaryDirectory(prefix="adam-yogi-pages-")
        tmp = Path(self._tmp.name)
        self.job_path, self.result_path = tmp / "job.json", tmp / "result.json"
        self.job_path.write_text(json.dumps({"pages": jobs, **_common_job()}), encoding="utf-8")
        work = tmp / "work"
        work.mkdir()
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, "-I", str(RUNNER), str(self.job_path), str(self.result_path)],
            cwd=work, env=chapters.reader_env(device.strip().lower()), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True,
        )

    def stop(self):
        """End the runner unfinished and remove its folder."""
        self.proc.kill()
        self.proc.communicate()
        self._tmp.cleanup()

    def results(self) -> dict:
        """{page: result}; a failing block raises, naming the page and the section."""
        try:
            _, stderr = self.proc.communicate()
            for line in stderr.splitlines():
                if line.strip():
                    log.info(f"page code said: {line}")
            if self.proc.returncode != 0 or not self.result_path.is_file():
                raise PluginError(f"the page runner failed (exit {self.proc.returncode}):\n{stderr[-3000:]}")
            result = json.loads(self.result_path.read_text(encoding="utf-8"))
        finally:
            self._tmp.cleanup()
        if "error" in result:
            error = result["error"]
            raise PluginError(f"{error['page']}.md: the code block {error['section']} failed:\n{error['traceback']}")
        provenance = {"torch": result.pop("torch"), "device": result.pop("device")}
        return {page: {**value, **provenance} for page, value in result.items()}


def run_pages(jobs: list[dict], device: str) -> dict:
    """Run the pages in one fresh ``python -I`` in a temporary folder; {page: result}."""
    return Runner(jobs, device).results()


class PageRuns:
    """This build's runs of every chapter page (and the benchmark), each at most once:
    :meth:`start` (on_config) starts the runner, :meth:`run` (on_files) collects its results.

    ``requested`` is ``$ADAM_YOGI_DEVICE`` as given. The runner starts at once (``cpu`` hides
    the GPU from it); :attr:`device`, which snippets.train resolves and checks, is found
    meanwhile in a thread: importing torch here would delay the runner by two seconds."""

    def __init__(self, requested: str, use_cache: bool):
        self.requested = requested
        self.use_cache = use_cache
        self.results: dict[str, dict] | None = None
        self._benchmark: str | None = None
        self._runner = self._keys = None
        self._resolved: dict = {}
        self._resolver = threading.Thread(target=self._resolve, daemon=True)  # started by start()

    def _resolve(self):
        try:
            _importable_root()
            from snippets.train import resolve_device

            self._resolved["device"] = resolve_device(self.requested or None).type
            if not self.use_cache:  # a build times the optimizers (serve keeps the last table)
                import tools.benchmark  # noqa: F401 - its imports before it is due
        except Exception as error:  # raised in the build's thread by `device`
            self._resolved["error"] = error

    @property
    def device(self) -> str:
        """``cpu`` or ``cuda``: where the pages ran; a bad ``$ADAM_YOGI_DEVICE`` fails the build
        (and stops the runner)."""
        self._resolver.join()
        if "error" in self._resolved:
            if self._runner is not None:
                self._runner.stop()
            error = self._resolved["error"]
            raise PluginError(f"ADAM_YOGI_DEVICE={self.requested!r}: {error}") from error
        return self._resolved["device"]

    def start(self):
        """Take unchanged pages from the serve cache; start the runner on the others."""
        jobs = {name: page_job(name) for name in chapters.chapter_names()}
        self._keys, self._cached, self._missing = {}, {}, []
        if self.use_cache:  # (the data's fingerprint imports torch: only when a cache is read)
            common, data = _common_job(), chapters.data_fingerprint()
            self._keys = {name: _key(job, common, self.requested, data) for name, job in jobs.items()}
        for name in jobs:
            cached = CACHE_DIR / f"{name}-{self._keys.get(name)}.json"
            if self.use_cache and cached.is_file():
                self._cached[name] = json.loads(cached.read_text(encoding="utf-8"))
            else:
                self._missing.append(name)
        self._runner = Runner([jobs[name] for name in self._missing], self.requested) if self._missing else None
        self._resolver.start()
        return self

    def run(self) -> dict:
        if self.results is not None:
            return self.results
        if self._keys is None:
            self.start()
        device = self.device  # checked before the wait: a bad device name ends the build now
        results = dict(self._cached)
        if self._runner is not None:
            ran = self._runner.results()
            log.info(f"ran the code of {', '.join(self._missing)} in {time.perf_counter() - self._runner.started:.1f} s "
                     f"({device}, python -I, outside the repository)")
            results.update(ran)
            if self.use_cache:
                for name in self._missing:
                    _write_atomic(CACHE_DIR / f"{name}-{self._keys[name]}.json", json.dumps(ran[name]))
                    for stale in CACHE_DIR.glob(f"{name}-{'?' * 16}.json"):
                        if stale.name != f"{name}-{self._keys[name]}.json":
                            stale.unlink()
        self.results = results
        return results

    def benchmark(self) -> str:
        """The markdown table of the performance page, measured by this build."""
        if self._benchmark is None:
            _importable_root()
            key = hashlib.sha256(self.device.encode())
            sources = [ROOT / "tools" / "benchmark.py", *sorted((ROOT / "torch-yogi" / "src" / "torch_yogi").glob("*.[pc]"))]
            for source in sources:
                key.update(source.read_bytes())
            cached = CACHE_DIR / f"benchmark-{key.hexdigest()[:16]}.md"
            if self.use_cache and cached.is_file():
                self._benchmark = cached.read_text(encoding="utf-8")
            else:
                from tools.benchmark import format_table, run_benchmark

                started = time.perf_counter()
                try:
                    result = run_benchmark(self.device, **BENCHMARK_ARGS)
                except Exception as error:
                    raise PluginError(f"practice.md: the benchmark failed: {type(error).__name__}: {error}") from error
                self._benchmark = format_table(result)
                log.info(f"timed the optimizers for the practitioner page in {time.perf_counter() - started:.1f} s")
                if self.use_cache:
                    _write_atomic(cached, self._benchmark)
        return self._benchmark


def benchmark_command(device: str) -> str:
    sizes = " ".join(f"{n:.0e}".replace("e+0", "e") if n >= 1000 else str(n) for n in BENCHMARK_ARGS["sizes"])
    return (f"python -m tools.benchmark --device {device} \\\n"  # two lines fit the page
            f"    --sizes {sizes} --repeats {BENCHMARK_ARGS['repeats']} --warmup {BENCHMARK_ARGS['warmup']} --no-extras")


def _write_atomic(path: Path, text: str):
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, encoding="utf-8", suffix=".tmp") as tmp:
        tmp.write(text)
    os.replace(tmp.name, path)


# --- MkDocs events ----------------------------------------------------------------------------

_state: dict = {}


def on_startup(command, dirty):
    _state["command"] = command


def on_config(config):
    global chapters, figures, labels
    chapters, figures, labels = fresh("chapters", "figures", "labels")
    # A top-level build (not one of i18n's nested per-language builds) starts from nothing kept
    # in memory: results of the previous `mkdocs serve` rebuild may come from older code.
    if not config.plugins["i18n"].building:
        _importable_root()
        if _state.get("command") == "serve":  # snippets imported afresh: an edit is what runs
            for name in [m for m in sys.modules if m == "snippets" or m.startswith("snippets.")]:
                del sys.modules[name]
        # $ADAM_YOGI_DEVICE (snippets.train.ENV_DEVICE; importing that module here would import
        # torch first): auto (CUDA when present), cpu or cuda. Started now, so the runner's
        # imports overlap MkDocs' own start-up; awaited in on_files.
        requested = os.environ.get("ADAM_YOGI_DEVICE", "")
        _state["runs"] = PageRuns(requested, use_cache=_state.get("command") == "serve").start()
    return config


def _page_lang(page) -> str:
    return page.file.src_uri.split("/", 1)[0]


def _page_name(page) -> str:
    return page.file.src_uri.split("/", 1)[1].removesuffix(".md")


@event_priority(-150)  # after mkdocs-static-i18n (-100); before hooks/notebooks.py reads the results (-200)
def on_files(files, config):
    """Run every chapter (the pages' outputs, figures and notebook outputs), then the benchmark,
    then publish the figures of the language being built."""
    i18n = config.plugins["i18n"]
    lang = i18n.current_language
    runs: PageRuns = _state["runs"]
    results = runs.run()
    page_results.RESULTS.clear()
    page_results.RESULTS.update(results)
    runs.benchmark()
    prefix = "" if lang == i18n.default_language else f"{lang}/"
    drawn = {}
    for page, result in results.items():
        for name, svgs in result["figures"].items():
            if name in drawn:
                raise PluginError(f"figure {name!r} is drawn by both {drawn[name]}.md and {page}.md")
            drawn[name] = page
            for scheme, svg in svgs[lang].items():
                target = f"figures/{figure_file(name, scheme)}"
                file = File.generated(config, f"{lang}/{target}", content=svg.encode("utf-8"))
                file.dest_path = prefix + target
                file.abs_dest_path = os.path.normpath(os.path.join(config.site_dir, file.dest_path))
                file.url = file.dest_path
                files.append(file)
    _state["figure_pages"] = drawn
    return files


def figure_file(name: str, scheme: str) -> str:
    """The file of one figure in one colour scheme: NAME.svg (light), NAME-dark.svg."""
    return f"{name}.svg" if scheme == "light" else f"{name}-{scheme}.svg"


def _figure_images(markdown: str) -> str:
    """``![alt](figures/NAME.svg)`` becomes one image per colour scheme; Material shows the one
    of the page's scheme (``#only-light``, ``#only-dark``). Both load lazily: the browser then
    fetches neither the other scheme's, which is not displayed, nor one far below the fold."""
    def images(match):
        alt, name = match.groups()
        return "".join(f"![{alt}](figures/{figure_file(name, scheme)}#only-{scheme}){{ loading=lazy }}"
                       for scheme in figures.SCHEMES)

    return FIGURE_IMAGE.sub(images, markdown)


def _output_block(text: str, indent: str, label: str) -> str:
    lines = [f'``` {{ .text .no-copy .output title="{label}" }}', *text.rstrip("\n").split("\n"), "```"]
    return "\n".join(indent + line if line else line for line in lines)


def on_page_markdown(markdown, page, config, files):
    """Replace the markers with this build's results; add the provenance note."""
    TEXT = labels.TEXT
    runs: PageRuns = _state["runs"]
    lang, name = _page_lang(page), _page_name(page)
    text = TEXT[lang]
    used = []  # the runs whose results this page shows
    if name in runs.results:
        outputs = list(runs.results[name]["outputs"])
        markers = OUTPUT.findall(markdown)
        if len(markers) != len(outputs):
            raise PluginError(f"{page.file.src_uri}: {len(markers)} output markers, but the page's code "
                              f"ran with {len(outputs)} (the two languages must show the same blocks)")
        markdown = OUTPUT.sub(lambda m: _output_block(outputs.pop(0), m.group(1), text["output"]), markdown)
        if markers or FIGURE_LINK.search(markdown):
            used.append(runs.results[name])
    elif OUTPUT.search(markdown):
        raise PluginError(f"{page.file.src_uri}: output markers on a page whose code is not run")
    for figure in FIGURE_LINK.findall(markdown):
        owner = _state["figure_pages"].get(figure)
        if owner is None:
            raise PluginError(f"{page.file.src_uri}: no chapter draws figure {figure!r}")
        if runs.results[owner] not in used:
            used.append(runs.results[owner])
    if BENCHMARK.search(markdown):
        device = runs.results[name]["device"].split(" ")[0] if name in runs.results else runs.device
        command = f'``` {{ .bash .command title="{text["benchmark_command"]}" }}\n{benchmark_command(device)}\n```'
        markdown = BENCHMARK.sub(lambda m: command + "\n\n" + runs.benchmark(), markdown)
        used.append({"device": runs.device, "torch": _torch_version(), "data_source": None, "benchmark": True})
    markdown = _figure_images(markdown)
    if not used:
        return markdown
    sources = {u["data_source"] for u in used if u.get("data_source")}
    if "synthetic" in sources:
        markdown = f'!!! warning "{text["synthetic_admonition_title"]}"\n    {text["synthetic_admonition"]}\n\n' + markdown
    data_note = text["data_" + ("synthetic" if "synthetic" in sources else "airfoil")] if sources else ""
    first = used[0]
    kind = "provenance_benchmark" if first.get("benchmark") else "provenance"
    note = text[kind].format(device=first["device"], torch=first["torch"]) + data_note
    return markdown.rstrip() + f'\n\n!!! info "{text["provenance_title"]}"\n    {note}\n'


def _torch_version() -> str:
    import torch

    return torch.__version__
