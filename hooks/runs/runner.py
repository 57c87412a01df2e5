"""Run chapter pages as a reader would: ``python -I page_runner.py JOB.json RESULT.json``.

Started by hooks/runs/page_runs.py in a temporary folder outside the repository, with ``-I`` (no
``PYTHONPATH``, no user site, not even this script's folder on ``sys.path``): the pages' code
can import the standard library and the installed packages (torch, matplotlib), never this
project. This file needs the standard library only; it imports matplotlib for the figures and
torch to say which device and version ran the code.

JOB: {"pages": [{"page", "blocks": [{"label", "code", "output_after", "export"?}],
                 "figures": [{"name", "after", "defs": [code], "call"}],
                 "notebooks": {lang: [{"block": index} or {"label", "code"}]}}],
      "labels": {lang: {...}}, "style": {lang: {scheme: {rc: value}}},
      "synthetic_title": {lang: str}, "warning": {scheme: colour}}

For each page, in one fresh namespace: run the blocks in order, capturing stdout per block.
``output_after`` marks a block followed by an output marker: the marker shows what the blocks
since the previous marker printed. A figure is drawn right after block ``after``, once per
language and colour scheme, in a copy of the namespace (``labels`` and the plotting functions
never leak into the page's names), with the site's style; it becomes deterministic SVG text.

The same run gives the outputs of the chapter's notebooks: a notebook's code cells are the
page's blocks (``{"block": index}``) with its plotting cells between them. Each block's cell
shows what the block printed (stdout and stderr, in order) and the value of its last line, as
Jupyter shows them; the plotting cells run after their block, per language, in the page's
namespace plus the names earlier plotting cells of that notebook defined, and show their
figures as Jupyter's inline backend does (SVG, cut to the drawing).

A block with ``export`` (a list of names) keeps those names' values after it runs, as JSON (a
tensor as its list of numbers): the playground shows them (hooks/runs/playground.py).

RESULT: {page: {"outputs": [str], "figures": {name: {lang: {scheme: svg}}}, "data_source",
"notebooks": {lang: [[output] per code cell]}, "exports": {label: {name: value}}}}, or, when a block fails, {"error": {"page",
"section", "traceback"}}; plus "torch" and "device".
"""
import ast
import builtins
import contextlib
import io
import json
import sys
import traceback


class BlockFailed(Exception):
    def __init__(self, page, section, text):
        super().__init__(text)
        self.page, self.section, self.text = page, section, text


def _run(code, label, namespace, page):
    """Run ``code`` in ``namespace``; return the value of its last line when that is an
    expression (what Jupyter shows as the cell's result), else None."""
    try:
        tree = ast.parse(code, label)
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        exec(compile(tree, label, "exec"), namespace)
        if last is not None:
            value = eval(compile(ast.Expression(last.value), label, "eval"), namespace)
            return None if code.rstrip().endswith(";") else value  # `x;` shows nothing
    except BaseException:  # noqa: B036 - a failing page must never stop the runner silently
        kind, error, tb = sys.exc_info()
        shown = traceback.format_exception(kind, error, tb.tb_next)  # drop this frame
        raise BlockFailed(page, label, "".join(shown)) from None
    return None


class _Cell(io.TextIOBase):
    """One stream of a notebook cell: what is written to it joins the cell's outputs (a stream
    output, merged with the one before when that is the same stream, as Jupyter shows them);
    ``echo`` also receives it."""

    def __init__(self, outputs, name, echo=None):
        self.outputs, self.name, self.echo = outputs, name, echo

    def writable(self):
        return True

    def write(self, text):
        if self.echo is not None:
            self.echo.write(text)
        if text:
            last = self.outputs[-1] if self.outputs else None
            if last and last["output_type"] == "stream" and last["name"] == self.name:
                last["text"] += text
            else:
                self.outputs.append({"output_type": "stream", "name": self.name, "text": text})
        return len(text)


def _shown(value, outputs):
    """The cell's result as Jupyter shows a value: its repr, as text."""
    if value is not None:
        outputs.append({"output_type": "execute_result", "metadata": {},
                        "data": {"text/plain": repr(value)}})


def _show_figures(outputs):
    """Display every open figure and close it: matplotlib's inline backend at plt.show()
    and at the end of a cell (SVG, as the notebook's setup cell asks, cut to the drawing)."""
    if "matplotlib.pyplot" not in sys.modules:
        return
    plt = sys.modules["matplotlib.pyplot"]
    for number in plt.get_fignums():
        fig = plt.figure(number)
        if not fig.axes and not fig.lines:
            continue  # an empty figure shows nothing
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", bbox_inches="tight", facecolor=fig.get_facecolor(),
                    edgecolor=fig.get_edgecolor(), metadata={"Date": None, "Creator": None})
        outputs.append({"output_type": "display_data", "metadata": {},
                        "data": {"image/svg+xml": buffer.getvalue(), "text/plain": repr(fig)}})
    plt.close("all")


def _run_cell(code, label, namespace, page, outputs):
    """Run one notebook cell; what it prints (stderr also to ours, which the build logs), the
    figures it shows and the value of its last line go to ``outputs``, in Jupyter's order."""
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].show = lambda *args, **kwargs: _show_figures(outputs)
    stdout, stderr = _Cell(outputs, "stdout"), _Cell(outputs, "stderr", echo=sys.stderr)
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        value = _run(code, label, namespace, page)
    _shown(value, outputs)
    _show_figures(outputs)  # the inline backend's end of cell: what is still open


class _Notebooks:
    """The outputs of a chapter's notebooks, one per language, as the page's blocks run."""

    def __init__(self, cells_by_lang, page):
        self.page, self.cells, self.at, self.outputs = page, cells_by_lang, {}, {}
        self.names, self.rc = {}, {}
        for lang, cells in cells_by_lang.items():
            blocks = [cell["block"] for cell in cells if "block" in cell]
            if blocks != list(range(len(blocks))):
                raise BlockFailed(page, f"notebook ({lang})", f"holds the blocks {blocks}, not in page order")
            self.at[lang], self.outputs[lang], self.names[lang] = 0, [], {}
        if cells_by_lang:  # pyplot from the start, as in a kernel: plt.show() shows at once
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot  # noqa: F401

    def block(self, index, namespace, code, label):
        """Run block ``index`` in the page's namespace; return what it printed to stdout."""
        outputs = []
        _run_cell(code, label, namespace, self.page, outputs)
        for lang, cells in self.cells.items():
            if self.at[lang] < len(cells) and cells[self.at[lang]].get("block") == index:
                self.outputs[lang].append(outputs)
                self.at[lang] += 1
        return "".join(o["text"] for o in outputs if o["output_type"] == "stream" and o["name"] == "stdout")

    def plotting_cells(self, namespace):
        """Each notebook's cells up to its next block: in the page's names plus its own."""
        for lang, cells in self.cells.items():
            names = dict(namespace, **self.names[lang])
            while self.at[lang] < len(cells) and "block" not in cells[self.at[lang]]:
                cell, outputs = cells[self.at[lang]], []
                with _notebook_rc(self.rc, lang):
                    _run_cell(cell["code"], cell["label"], names, self.page, outputs)
                self.outputs[lang].append(outputs)
                self.at[lang] += 1
            self.names[lang] = {k: v for k, v in names.items() if k not in namespace or namespace[k] is not v}

    def result(self):
        for lang, cells in self.cells.items():
            if self.at[lang] != len(cells):
                raise BlockFailed(self.page, f"notebook ({lang})", f"cell {self.at[lang]} was never run")
        return self.outputs


@contextlib.contextmanager
def _notebook_rc(saved, lang):
    """matplotlib's settings in one notebook's session (its setup cell sets fonts and size):
    restored for its next cells, undone for everything else."""
    import matplotlib

    with matplotlib.rc_context(saved.get(lang)):
        yield
        saved[lang] = {k: v for k, v in matplotlib.rcParams.items() if k != "backend"}


def _figure(spec, namespace, job, page, synthetic):
    """{lang: {scheme: svg}} of one figure, drawn in a copy of the page's namespace."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.show = lambda *args, **kwargs: None  # the cells end with plt.show(); here we save
    drawn = {}
    for lang, labels in job["labels"].items():
        drawn[lang] = {}
        for scheme, style in job["style"][lang].items():
            names = dict(namespace, labels=labels)
            plt.close("all")
            with plt.rc_context():
                for code in [job["setup"], *spec["defs"]]:
                    _run(code, f"snippets/plots.py ({spec['name']})", names, page)
                with plt.rc_context(style):
                    _run(spec["call"], f"snippets/plots.py:show-{spec['name']}", names, page)
                    figures = plt.get_fignums()
                    if len(figures) != 1:
                        raise BlockFailed(page, f"snippets/plots.py:show-{spec['name']}",
                                          f"drew {len(figures)} figures, expected 1")
                    fig = plt.figure(figures[0])
                    if synthetic:
                        fig.suptitle(job["synthetic_title"][lang], color=job["warning"][scheme])
                    buffer = io.StringIO()
                    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
            plt.close("all")
            drawn[lang][scheme] = buffer.getvalue()
    return drawn


def run_page(spec, job):
    namespace = {"__name__": "__main__", "__builtins__": builtins}
    outputs, pending, figures = [], [], {}
    notebooks = _Notebooks(spec.get("notebooks", {}), spec["page"])
    after = {}
    for fig in spec["figures"]:
        after.setdefault(fig["after"], []).append(fig)
    exports = {}
    for index, block in enumerate(spec["blocks"]):
        pending.append(notebooks.block(index, namespace, block["code"], block["label"]))
        if block.get("export"):
            exports[block["label"]] = {name: _kept(namespace, name, block, spec) for name in block["export"]}
        if block["output_after"]:
            if not "".join(pending).strip():
                raise BlockFailed(spec["page"], block["label"],
                                  "an output marker follows this block, but nothing since "
                                  "the previous marker printed anything")
            outputs.append("".join(pending))
            pending = []
        for fig in after.get(index, []):
            source = getattr(namespace.get("data"), "source", None)
            figures[fig["name"]] = _figure(fig, namespace, job, spec["page"], source == "synthetic")
        notebooks.plotting_cells(namespace)
    if "".join(pending).strip():
        raise BlockFailed(spec["page"], spec["blocks"][-1]["label"],
                          "printed after the last output marker, so the page would not show it:\n"
                          + "".join(pending))
    return {"outputs": outputs, "figures": figures, "notebooks": notebooks.result(), "exports": exports,
            "data_source": getattr(namespace.get("data"), "source", None)}


def _kept(namespace, name, block, spec):
    """A name's value after the block, as JSON holds it (a tensor: its numbers, each float64
    exactly)."""
    if name not in namespace:
        raise BlockFailed(spec["page"], block["label"], f"defines no {name!r}, which the site shows")
    value = namespace[name]
    value = value.tolist() if hasattr(value, "tolist") else value
    try:
        json.dumps(value)
    except TypeError as error:
        raise BlockFailed(spec["page"], block["label"], f"cannot keep its names for the site: {error}") from None
    return value


def main(job_path, result_path):
    with open(job_path, encoding="utf-8") as f:
        job = json.load(f)
    result = {}
    try:
        for spec in job["pages"]:
            result[spec["page"]] = run_page(spec, job)
    except BlockFailed as failed:
        result = {"error": {"page": failed.page, "section": failed.section, "traceback": failed.text}}
    import torch

    result["torch"] = torch.__version__
    if torch.cuda.is_available():
        result["device"] = f"cuda ({torch.cuda.get_device_name()})"
    else:
        result["device"] = "cpu"
    with open(result_path, "w", encoding="utf-8") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
