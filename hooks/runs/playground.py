"""The interactive playground (docs/assets/javascripts/playground/): its script on its pages, and
its data from this build's page run.

* A page that marks a block with ``data-playground`` gets the playground's module script (a path
  relative to the page, so the site works from any folder); other pages do not. The script loads
  the rest (modules, stylesheet, data) only when the reader nears the block.
* The spiky gradient stream of the Yogi chapter is the one the chapter's own block
  ``snippets/run_yogi.py:spikes`` drew in the page run (the runner keeps its ``g``:
  :data:`EXPORTS`), published as ``assets/javascripts/playground/spikes.json``: the playground
  shows exactly that stream rather than a JavaScript re-implementation of torch's random number
  generator, and the build runs no reader code outside the runner's ``python -I``.
"""
from __future__ import annotations

import ast
import json
from pathlib import Path, PurePosixPath

from mkdocs.exceptions import PluginError
from mkdocs.utils import get_relative_url

from hooks.build.files import write_atomic

SCRIPT = "assets/javascripts/playground/main.js"
STREAM = PurePosixPath("assets/javascripts/playground/spikes.json")
MARK = "data-playground="

SPIKES = "snippets/run_yogi.py:spikes"  # the Yogi page's block that draws the stream
COUNTEREXAMPLE = "snippets/run_convergence.py:counterexample"  # the convergence page's run
EXPORTS = {SPIKES: ["g"]}  # what the page run keeps for the playground, after which block


def calls(code: str) -> dict:
    """The keyword arguments of each call a block makes with constant arguments, by function
    name: the page's settings, read from its code without running it (the presets use them)."""
    return {node.func.id: {k.arg: ast.literal_eval(k.value) for k in node.keywords}
            for node in ast.walk(ast.parse(code))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and all(isinstance(k.value, (ast.Constant, ast.Tuple)) for k in node.keywords)}


def spike_stream(results: dict, code: str) -> dict:
    """The gradient stream of the Yogi chapter's figure, from the page run's ``results``: g_t
    and the 0-based spike indices (``code``: the block's code, which names them)."""
    kept = [page["exports"][SPIKES] for page in results.values() if SPIKES in page.get("exports", {})]
    if len(kept) != 1:
        raise PluginError(f"the page runs kept {SPIKES}'s stream {len(kept)} times, not once: "
                          "does a chapter still show that block?")
    return {"source": SPIKES, "g": kept[0]["g"], "spikes": list(calls(code)["spiky_gradients"]["spikes"])}


def with_script(output: str, page) -> str:
    """A page with a playground block loads the playground's script."""
    if MARK not in output:
        return output
    js = get_relative_url(SCRIPT, page.url)
    if "</body>" not in output:
        raise PluginError(f"{page.file.src_uri}: no </body> to load the playground into")
    head, _, tail = output.rpartition("</body>")
    return head + f'<script type="module" src="{js}"></script>\n</body>' + tail


def publish(stream: dict, site_dir) -> None:
    """The stream, for every language (they share /assets/)."""
    write_atomic(Path(site_dir) / STREAM, json.dumps(stream, separators=(",", ":")) + "\n")
