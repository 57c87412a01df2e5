"""MkDocs hook: run the experiments the pages show, during the build, and publish their results.

Every figure and printed result on the site comes from here, in this build:

* an *experiment* calls the code in ``snippets/`` that its page includes and returns plain data
  (numbers and printed lines); it runs once per build, shared by both languages;
* a *figure* draws an experiment's data as an SVG, once per language (labels and captions are
  localized); SVGs are byte-for-byte reproducible (fixed hash salt, no date);
* pages place results with two markers, each on a line of its own:
  ``<!-- output: NAME -->`` becomes a text block with the printed lines, and
  ``![caption](figures/NAME.svg)`` shows a figure (an ordinary Markdown image);
* a page that uses any result ends with a note naming the device, torch version and data.

``mkdocs build`` runs every experiment. ``mkdocs serve`` keeps results in ``.cache/experiments``
keyed by the source code each experiment depends on, the device and the data, so an edit to prose
re-renders in seconds and an edit to an experiment's code re-runs just that experiment. A failing
experiment fails the build with its error; nothing stale is ever shown.
"""
from __future__ import annotations

import hashlib
import importlib.util
import inspect
import io
import json
import os
import re
import sys
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority, get_plugin_logger
from mkdocs.structure.files import File

HOOKS = Path(__file__).resolve().parent
ROOT = HOOKS.parent


def _importable_root():
    """`import snippets` (MkDocs restores sys.path after loading a hook, so this runs per event)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))


def _load(name: str):
    """Load hooks/<name>.py afresh (a module of its own; mkdocs serve picks up edits)."""
    spec = importlib.util.spec_from_file_location(f"adam_yogi_hooks_{name}", HOOKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being created
    spec.loader.exec_module(module)
    return module


figures = _load("figures")  # the experiments and their drawings
labels = _load("labels")  # their localized text

log = get_plugin_logger("experiments")
CACHE_DIR = ROOT / ".cache" / "experiments"
MARKER = re.compile(r"^<!-- (output|markdown): ([a-z0-9-]+) -->$", re.MULTILINE)
FIGURE_LINK = re.compile(r"\]\(figures/([a-z0-9-]+)\.svg\)")

@dataclass
class Context:
    """What experiments share: the device, the data (loaded once), the torch version."""

    device: str
    torch_version: str
    _data: object = field(default=None, repr=False)

    @property
    def data(self):
        if self._data is None:
            from snippets.data import load_airfoil

            self._data = load_airfoil(allow_synthetic=True)
        return self._data


# --- running ----------------------------------------------------------------------------------


def _source_digest(experiment_, device: str, data=None) -> str:
    """What decides an experiment's result: its code, the snippets it calls, device and data."""
    h = hashlib.sha256()
    h.update(inspect.getsource(experiment_.run).encode())
    for module in experiment_.depends:
        h.update((ROOT / "snippets" / f"{module}.py").read_bytes())
    h.update(device.encode())
    if data is not None:  # the loaded data set: the checked file's bytes, or the synthetic one
        h.update(data.source.encode())
        if data.path is not None:
            h.update(Path(data.path).read_bytes())
    return h.hexdigest()[:16]


def _write_atomic(path: Path, text: str):
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, encoding="utf-8", suffix=".tmp") as tmp:
        tmp.write(text)
    os.replace(tmp.name, path)


class Results:
    """Runs each experiment at most once per build process (both languages share the results)."""

    def __init__(self, device: str, use_cache: bool):
        import torch

        self.context = Context(device=device, torch_version=torch.__version__)
        self.use_cache = use_cache
        self._results: dict[str, dict] = {}

    def get(self, name: str) -> dict:
        if name in self._results:
            return self._results[name]
        if name not in figures.EXPERIMENTS:
            raise PluginError(f"unknown experiment {name!r}; known: {', '.join(sorted(figures.EXPERIMENTS))}")
        exp = figures.EXPERIMENTS[name]
        cache = None
        if self.use_cache:
            data = self.context.data if exp.uses_data else None
            cache = CACHE_DIR / f"{name}-{_source_digest(exp, self.context.device, data)}.json"
        if cache is not None and cache.is_file():
            result = json.loads(cache.read_text(encoding="utf-8"))
        else:
            log.info(f"running experiment {name} on {self.context.device}")
            try:
                result = exp.run(self.context)
            except Exception as error:
                raise PluginError(f"experiment {name!r} failed: {type(error).__name__}: {error}") from error
            result = json.loads(json.dumps(result))  # what the cache would give back: plain JSON
            if exp.uses_data:
                result["data_source"] = self.context.data.source
            if cache is not None:
                _write_atomic(cache, json.dumps(result))
                for stale in CACHE_DIR.glob(f"{name}-{'?' * 16}.json"):  # results of older code
                    if stale != cache:
                        stale.unlink()
        self._results[name] = result
        return result


def render_svg(fig_spec, results: Results, lang: str) -> bytes:
    """Draw one figure for one language as deterministic SVG bytes."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure as MplFigure

    TEXT = labels.TEXT
    data = {name: results.get(name) for name in fig_spec.experiments}
    style = {
        "svg.hashsalt": "adam-yogi",  # ids in the SVG are derived from this, not random
        "svg.fonttype": "none",  # text stays text: the reader's browser draws CJK glyphs
        "font.family": "sans-serif",
        "font.sans-serif": TEXT[lang]["fonts"],
        "axes.grid": True,
        "grid.alpha": 0.3,
        "figure.figsize": (6.0, 3.4),
        "axes.spines.top": False,
        "axes.spines.right": False,
    }
    with matplotlib.rc_context(style), warnings.catch_warnings():
        # With fonttype "none" matplotlib only measures text; a missing CJK glyph in its own
        # fonts changes nothing in the SVG, whose text the browser renders.
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        warnings.filterwarnings("ignore", message="findfont: Font family")
        fig = MplFigure(layout="constrained")
        fig_spec.draw(fig, data, TEXT[lang])
        if any(d.get("data_source") == "synthetic" for d in data.values()):
            fig.suptitle(TEXT[lang]["synthetic_title"], color="#b00020", fontsize=9)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return buffer.getvalue()


# --- MkDocs events ----------------------------------------------------------------------------

_state: dict = {}


def on_startup(command, dirty):
    _state["command"] = command


def on_config(config):
    global figures, labels
    _importable_root()
    figures, labels = _load("figures"), _load("labels")  # fresh each time the config loads

    # A top-level build (not one of i18n's nested per-language builds) starts from nothing kept
    # in memory: results of the previous `mkdocs serve` rebuild may come from older code. There,
    # the snippets modules are imported afresh too, so an edit to them is what runs.
    if not config.plugins["i18n"].building:
        if _state.get("command") == "serve":
            for name in [m for m in sys.modules if m == "snippets" or m.startswith("snippets.")]:
                del sys.modules[name]
        from snippets.train import resolve_device

        device = str(resolve_device(None))  # $ADAM_YOGI_DEVICE: auto (CUDA when present), cpu or cuda
        # A clean `mkdocs build` runs everything; `mkdocs serve` reuses results whose code is unchanged.
        _state["results"] = Results(device, use_cache=_state.get("command") == "serve")
    return config


def _language(config) -> str:
    return config.plugins["i18n"].current_language


def _page_lang(page) -> str:
    return page.file.src_uri.split("/", 1)[0]


@event_priority(-150)  # after mkdocs-static-i18n (-100); before hooks/notebooks.py starts notebooks (-200)
def on_files(files, config):
    """Run every experiment (before the notebooks start, so timings are not measured against
    them), then publish every figure for the language being built, as generated files."""
    lang = _language(config)
    results: Results = _state["results"]
    for name in figures.EXPERIMENTS:
        results.get(name)
    prefix = "" if lang == config.plugins["i18n"].default_language else f"{lang}/"
    for name, spec in figures.FIGURES.items():
        content = render_svg(spec, results, lang)
        file = File.generated(config, f"{lang}/figures/{name}.svg", content=content)
        file.dest_path = f"{prefix}figures/{name}.svg"
        file.abs_dest_path = os.path.normpath(os.path.join(config.site_dir, file.dest_path))
        file.url = file.dest_path
        files.append(file)
    return files


def on_page_markdown(markdown, page, config, files):
    """Replace result markers with this build's results; add the provenance note."""
    TEXT = labels.TEXT
    results: Results = _state["results"]
    lang = _page_lang(page)
    used = []

    def substitute(match):
        kind, name = match.groups()
        data = results.get(name)
        used.append(data)
        if kind == "output":
            if "lines" not in data:
                raise PluginError(f"{page.file.src_uri}: experiment {name!r} prints nothing to show")
            return "```text\n" + "\n".join(data["lines"]) + "\n```"
        if "markdown" not in data:
            raise PluginError(f"{page.file.src_uri}: experiment {name!r} has no table to show")
        return data["markdown"]

    markdown = MARKER.sub(substitute, markdown)
    for name in FIGURE_LINK.findall(markdown):
        if name not in figures.FIGURES:
            raise PluginError(f"{page.file.src_uri}: no figure named {name!r}; known: {', '.join(sorted(figures.FIGURES))}")
        used.extend(results.get(e) for e in figures.FIGURES[name].experiments)
    if not used:
        return markdown
    text = TEXT[lang]
    ctx = results.context
    sources = {d["data_source"] for d in used if "data_source" in d}
    if "synthetic" in sources:
        markdown = f'!!! warning "{text["synthetic_admonition_title"]}"\n    {text["synthetic_admonition"]}\n\n' + markdown
    data_note = text["data_" + ("synthetic" if "synthetic" in sources else "airfoil")] if sources else ""
    note = text["provenance"].format(device=ctx.device, torch=ctx.torch_version) + data_note
    return markdown.rstrip() + f'\n\n!!! info "{text["provenance_title"]}"\n    {note}\n'
