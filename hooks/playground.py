"""MkDocs hook: the interactive playground (docs/assets/javascripts/playground/).

* A page that marks a block with ``data-playground`` gets the playground's module script (a path
  relative to the page, so the site works from any folder); other pages do not. The script loads
  the rest (modules, stylesheet, data) only when the reader nears the block.
* The spiky gradient stream of the Yogi chapter is drawn by torch at build time (the page's own
  block ``snippets/run_yogi.py:spikes``, run here as the page runs it) and published as
  ``assets/javascripts/playground/spikes.json``: the playground shows exactly that stream rather
  than a JavaScript re-implementation of torch's random number generator.
"""
from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path, PurePosixPath

from mkdocs.utils import get_relative_url

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = "assets/javascripts/playground/main.js"
STREAM = PurePosixPath("assets/javascripts/playground/spikes.json")
MARK = "data-playground="


SPIKES = "snippets/run_yogi.py:spikes"  # the Yogi page's block that draws the stream
COUNTEREXAMPLE = "snippets/run_convergence.py:counterexample"  # the convergence page's run


def page_block(target: str) -> tuple[dict, dict]:
    """Run one of the pages' code blocks as the page runs it, with the names it uses from the
    blocks before it imported from their files; returns (its namespace, the keyword arguments of
    each call it makes, by function name — the page's settings, for the presets)."""
    import ast
    import contextlib
    import io

    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from hooks import chapters
    from snippets import counterexample, moments

    code = chapters.section(target)
    namespace = {"spiky_gradients": moments.spiky_gradients, "second_moments": moments.second_moments,
                 "play": counterexample.play}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(code, target, "exec"), namespace)
    calls = {node.func.id: {k.arg: ast.literal_eval(k.value) for k in node.keywords}
             for node in ast.walk(ast.parse(code))
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
             and all(isinstance(k.value, ast.Constant) or isinstance(k.value, ast.Tuple) for k in node.keywords)}
    return namespace, calls


def spike_stream() -> dict:
    """The gradient stream of the Yogi chapter's figure: g_t and the 0-based spike indices."""
    namespace, calls = page_block(SPIKES)
    return {"source": SPIKES, "g": namespace["g"].tolist(),
            "spikes": list(calls["spiky_gradients"]["spikes"])}


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, encoding="utf-8", suffix=".tmp") as tmp:
        tmp.write(text)
    os.chmod(tmp.name, 0o644)  # readable by the web server, like the files mkdocs copies
    os.replace(tmp.name, path)


def on_post_page(output, page, config):
    if MARK not in output:
        return output
    js = get_relative_url(SCRIPT, page.url)
    if "</body>" not in output:
        raise ValueError(f"{page.file.src_uri}: no </body> to load the playground into")
    head, _, tail = output.rpartition("</body>")
    return head + f'<script type="module" src="{js}"></script>\n</body>' + tail


def on_post_build(config):
    """Publish the spike stream (every language shares /assets/)."""
    data = json.dumps(spike_stream(), separators=(",", ":"))
    _write_atomic(Path(config["site_dir"]) / STREAM, data + "\n")
