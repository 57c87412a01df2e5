"""Run chapter pages as a reader would: ``python -I page_runner.py JOB.json RESULT.json``.

Started by hooks/page_runs.py in a temporary folder outside the repository, with ``-I`` (no
``PYTHONPATH``, no user site, not even this script's folder on ``sys.path``): the pages' code
can import the standard library and the installed packages (torch, matplotlib), never this
project. This file needs the standard library only; it imports matplotlib for the figures and
torch to say which device and version ran the code.

JOB: {"pages": [{"page", "blocks": [{"label", "code", "output_after"}],
                 "figures": [{"name", "after", "defs": [code], "call"}]}],
      "labels": {lang: {...}}, "style": {lang: {scheme: {rc: value}}},
      "synthetic_title": {lang: str}, "warning": {scheme: colour}}

For each page, in one fresh namespace: run the blocks in order, capturing stdout per block.
``output_after`` marks a block followed by an output marker: the marker shows what the blocks
since the previous marker printed. A figure is drawn right after block ``after``, once per
language and colour scheme, in a copy of the namespace (``labels`` and the plotting functions
never leak into the page's names), with the site's style; it becomes deterministic SVG text.

RESULT: {page: {"outputs": [str], "figures": {name: {lang: {scheme: svg}}}, "data_source"}},
or, when a block fails, {"error": {"page", "section", "traceback"}}; plus "torch" and "device".
"""
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
    try:
        exec(compile(code, label, "exec"), namespace)
    except BaseException:  # noqa: B036 - a failing page must never stop the runner silently
        kind, error, tb = sys.exc_info()
        shown = traceback.format_exception(kind, error, tb.tb_next)  # drop this frame
        raise BlockFailed(page, label, "".join(shown)) from None


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
    after = {}
    for fig in spec["figures"]:
        after.setdefault(fig["after"], []).append(fig)
    for index, block in enumerate(spec["blocks"]):
        with contextlib.redirect_stdout(io.StringIO()) as printed:
            _run(block["code"], block["label"], namespace, spec["page"])
        pending.append(printed.getvalue())
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
    if "".join(pending).strip():
        raise BlockFailed(spec["page"], spec["blocks"][-1]["label"],
                          "printed after the last output marker, so the page would not show it:\n"
                          + "".join(pending))
    return {"outputs": outputs, "figures": figures,
            "data_source": getattr(namespace.get("data"), "source", None)}


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
