"""The interactive playground (docs/assets/javascripts/playground/): its script on its pages, and
its data from this build's page run.

* A page that marks a block with ``data-playground`` gets the playground's script (a path
  relative to the page, so the site works from any folder); other pages do not. The script loads
  the rest (the widget, its stylesheet) only when the reader nears the block.
* The widget is written as ES modules (docs/assets/javascripts/playground/*.js, which the tests
  import in Node), but a page opened from ``file://`` (the offline copy) may load no module
  script, no ``import()`` and no ``fetch``: the build joins the modules, in the order they import
  one another, into one classic script, ``assets/javascripts/playground/bundle.js``, with the
  spike stream in it (:func:`bundle`); main.js, a classic script too, adds it to the page.
* The spiky gradient stream of the Yogi chapter is the one the chapter's own block
  ``snippets/run_yogi.py:spikes`` drew in the page run (the runner keeps its ``g``:
  :data:`EXPORTS`), published as ``assets/javascripts/playground/spikes.json``: the playground
  shows exactly that stream rather than a JavaScript re-implementation of torch's random number
  generator, and the build runs no reader code outside the runner's ``python -I``.
"""
from __future__ import annotations

import ast
import json
import re
from pathlib import Path, PurePosixPath

from mkdocs.exceptions import PluginError
from mkdocs.utils import get_relative_url

from hooks import ROOT
from hooks.build.files import write_atomic

SCRIPT = "assets/javascripts/playground/main.js"
STREAM = PurePosixPath("assets/javascripts/playground/spikes.json")
BUNDLE = PurePosixPath("assets/javascripts/playground/bundle.js")
MODULES = ROOT / "docs" / "assets" / "javascripts" / "playground"  # the widget's ES modules
ENTRY = "widget.js"  # the module main.js mounts (its class Playground)
GLOBAL = "adamYogiPlayground"  # what bundle.js defines on window: {Playground, stream}
IMPORT = re.compile(r'^import\s+(?:\{([^}]*)\}|\*\s+as\s+(\w+))\s+from\s+"\./([\w-]+\.js)";[ \t]*$', re.M)
EXPORT = re.compile(r"^export\s+((?:async\s+)?function\*?|class|const|let)\s+(\w+)", re.M)
MODULE_SYNTAX = re.compile(r"^\s*(import|export)\b|\bimport\s*\(|\bimport\.meta\b", re.M)
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
    return head + f'<script defer src="{js}"></script>\n</body>' + tail


def _module(name: str, source: str) -> tuple[list[str], str]:
    """(the modules it imports, its body as a function's: imports read from ``modules``, exports
    returned)."""
    imported = []

    def bind(match):
        names, namespace, target = match.groups()
        imported.append(target)
        if namespace:
            return f'const {namespace} = modules["{target}"];'
        pairs = [part.split() for part in names.replace("\n", " ").split(",") if part.strip()]
        fields = [p[0] if len(p) == 1 else f"{p[0]}: {p[2]}" for p in pairs]
        if any(len(p) not in (1, 3) or (len(p) == 3 and p[1] != "as") for p in pairs):
            raise PluginError(f"{name}: an import this build cannot bundle: {match.group(0)!r}")
        return f'const {{ {", ".join(fields)} }} = modules["{target}"];'

    body = IMPORT.sub(bind, source)
    exported = [m.group(2) for m in EXPORT.finditer(body)]
    body = EXPORT.sub(lambda m: f"{m.group(1)} {m.group(2)}", body)
    left = MODULE_SYNTAX.search(body)
    if left:
        line = body.count("\n", 0, left.start()) + 1
        raise PluginError(f"docs/assets/javascripts/playground/{name}:{line}: module syntax this build cannot "
                          f"bundle ({left.group(0).strip()!r}): use `import {{…}} from \"./x.js\"` and `export` declarations")
    return imported, f"{body.rstrip()}\nreturn {{ {', '.join(exported)} }};"


def bundle(stream: dict, folder: Path = MODULES) -> str:
    """The widget's modules, from :data:`ENTRY` down, as one classic script (each module a
    function, run after those it imports) that sets ``window.adamYogiPlayground``."""
    order, bodies = [], {}

    def visit(name, path=()):
        if name in path:
            raise PluginError(f"the playground's modules import one another in a circle: {' -> '.join(path + (name,))}")
        if name in bodies:
            return
        file = folder / name
        if not file.is_file():
            raise PluginError(f"the playground imports {name}, which is not in {folder}")
        imported, bodies[name] = _module(name, file.read_text(encoding="utf-8"))
        for target in imported:
            visit(target, path + (name,))
        order.append(name)

    visit(ENTRY)
    parts = [f'modules["{name}"] = (function () {{\n{bodies[name]}\n}})();' for name in order]
    data = json.dumps(stream, separators=(",", ":"))
    return ("// The playground's widget: docs/assets/javascripts/playground/*.js joined by the build\n"
            "// (hooks/runs/playground.py), so that it runs from file:// too. Do not edit.\n"
            "(function () {\n\"use strict\";\nconst modules = {};\n" + "\n".join(parts)
            + f'\nwindow.{GLOBAL} = {{ Playground: modules["{ENTRY}"].Playground, stream: {data} }};\n}})();\n')


def publish(stream: dict, site_dir) -> None:
    """The stream, and the widget's script with the stream in it, for every language (they
    share /assets/)."""
    write_atomic(Path(site_dir) / STREAM, json.dumps(stream, separators=(",", ":")) + "\n")
    write_atomic(Path(site_dir) / BUNDLE, bundle(stream))
