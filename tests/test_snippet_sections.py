"""The sections of snippets/ that pages and notebooks include, one by one: named and balanced,
written for the page (lines ≤ 79 columns, short docstrings, no internal markers), importing
nothing but the standard library and torch (the plotting cells: matplotlib too), never this
project's own package. A section may use names that sections shown before it on the same page
define; tests/test_pages.py checks that page order, tests/test_takeaway.py runs it.

The files keep their imports of sibling modules outside the sections, so ``import snippets.x``
works with torch alone; the last test checks that."""
import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from site_pages import chapters_hook

ROOT = Path(__file__).resolve().parents[1]
chapters = chapters_hook()
NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
# Installed here for the build and the tests, never needed by page code: blocked when one runs.
BLOCKED = ["numpy", "pooch", "matplotlib", "pytorch_optimizer", "scipy", "pandas", "d2l", "requests",
           "jupytext", "nbformat", "mkdocs", "IPython", "sklearn"]
BLOCKER = f"""import sys
for name in {BLOCKED!r}:
    sys.modules[name] = None  # `import name` now raises ImportError
"""
# The plotting cells (snippets/plots.py) draw with matplotlib; in Jupyter they ask for SVG
# output through IPython and matplotlib_inline, inside a try that a plain script skips.
PLOTTING = {"matplotlib", "IPython", "matplotlib_inline"}

def snippet_files():
    return sorted(p for p in (ROOT / "snippets").glob("*.py") if not p.name.startswith("_"))


def sections(path):
    """{name: code as the page shows it} of one file (unbalanced markers raise)."""
    return chapters.sections(path)


def all_sections():
    return [(path, name, code) for path in snippet_files() for name, code in sections(path).items()]


def _ids(item):
    return f"{item[0].name}:{item[1]}" if isinstance(item, tuple) else str(item)


def _checked(check):
    """Every section, as a test parameter (``check`` names the check, for the ids)."""
    return [pytest.param(item, id=_ids(item)) for item in all_sections()]


def test_every_file_with_sections_is_found():
    names = {p.name for p in snippet_files()}
    assert names >= {"scratch.py", "optim.py", "data.py", "train.py", "counterexample.py", "plots.py", "run_adam.py"}
    assert len(all_sections()) >= 30


def test_unbalanced_markers_are_errors(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("# --8<-- [start:a]\nx = 1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="never ends"):
        sections(bad)
    bad.write_text("# --8<-- [start:a]\n# --8<-- [start:b]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="starts inside"):
        sections(bad)


def test_indented_sections_are_dedented_as_the_page_shows_them(tmp_path):
    path = tmp_path / "runs.py"
    path.write_text('if __name__ == "__main__":\n    # --8<-- [start:a]\n    x = 1\n    if x:\n'
                    "        print(x)\n    # --8<-- [end:a]\n", encoding="utf-8")
    assert sections(path) == {"a": "x = 1\nif x:\n    print(x)\n"}


@pytest.mark.parametrize("item", all_sections(), ids=_ids)
def test_section_names_are_lowercase_with_hyphens(item):
    assert NAME.match(item[1]), f"{_ids(item)}: section name is not lowercase-with-hyphens"


def _imports(code):
    modules = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Import):
            modules |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            modules.add("." if node.level else (node.module or "").split(".")[0])
    return modules


PACKAGE = {"torch_yogi"}  # the torch-yogi package, which the practitioner page installs first
PRACTICE = ("practice.py", "distributed.py")


@pytest.mark.parametrize("item", all_sections(), ids=_ids)
def test_section_imports_only_stdlib_and_torch_never_this_project(item):
    path, name, code = item
    allowed = {"torch"} | (PLOTTING if path.name == "plots.py" else set()) | (
        PACKAGE if path.name in PRACTICE else set())  # the practitioner page's code uses the package
    outside = {m for m in _imports(code) if m not in sys.stdlib_module_names and m not in allowed}
    assert not outside, f"{path.name}:{name} imports {sorted(outside)}; a reader's copy has torch (and matplotlib) only"


def test_the_import_check_sees_the_project_package():
    assert _imports("from snippets import train\nimport snippets.data\nfrom . import x\n") == {"snippets", "."}


@pytest.mark.parametrize("item", _checked("lines"))
def test_section_lines_fit_the_page(item):
    path, name, code = item
    long = [(n, len(line)) for n, line in enumerate(code.splitlines(), start=1) if len(line) > 79]
    assert long == [], f"{path.name}:{name}: lines over 79 columns (line, length): {long}"


@pytest.mark.parametrize("item", _checked("docstrings"))
def test_section_docstrings_are_short(item):
    """A page shows a few lines of docstring; long explanations go to the prose."""
    path, name, code = item
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
            doc = ast.get_docstring(node, clean=False)
            if doc is not None:
                assert doc.count("\n") <= 3, f"{path.name}:{name}: {node.name}'s docstring has {doc.count(chr(10)) + 1} lines"


@pytest.mark.parametrize("item", _checked("markers"))
def test_no_internal_markers_reach_the_page(item):
    path, name, code = item
    assert not re.search(r"^\s*#\s*(needs:|noqa|type: ignore|pragma)", code, re.M), f"{path.name}:{name}"


IMPORTABLE = [p.stem for p in snippet_files() if p.stem != "plots"]
IMPORT_EACH = """
import importlib, json, sys, traceback
sys.path.insert(0, {root!r})
failed = {{}}
for module in {modules!r}:
    try:
        importlib.import_module("snippets." + module)
    except BaseException:
        failed[module] = traceback.format_exc()[-2000:]
print(json.dumps(failed))
"""


@pytest.fixture(scope="module")
def imports_with_torch_alone(tmp_path_factory):
    """{module: traceback} of the snippets modules that fail to import with torch alone: one
    fresh `python -I` imports them one after the other, every other package blocked (a module that
    needs one fails, whatever was imported before it)."""
    folder = tmp_path_factory.mktemp("imports")
    script = folder / "imports.py"
    script.write_text(BLOCKER + IMPORT_EACH.format(root=str(ROOT), modules=IMPORTABLE), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-I", str(script)], cwd=folder, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.splitlines()[-1])


@pytest.mark.slow
@pytest.mark.parametrize("module", IMPORTABLE)
def test_snippets_modules_import_with_torch_alone(module, imports_with_torch_alone):
    """The modules need torch alone (plots.py draws, so it needs matplotlib)."""
    assert module not in imports_with_torch_alone, imports_with_torch_alone.get(module)


def test_the_import_check_fails_a_module_that_needs_a_blocked_package(tmp_path):
    """The check itself: of two modules imported in turn, the one that imports numpy fails, even
    after the other was imported."""
    (tmp_path / "snippets").mkdir()
    (tmp_path / "snippets" / "__init__.py").write_text("")
    (tmp_path / "snippets" / "fine.py").write_text("import json\n")
    (tmp_path / "snippets" / "needs_numpy.py").write_text("import numpy\n")
    script = tmp_path / "imports.py"
    script.write_text(BLOCKER + IMPORT_EACH.format(root=str(tmp_path), modules=["fine", "needs_numpy"]), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-I", str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    failed = json.loads(proc.stdout.splitlines()[-1])
    assert list(failed) == ["needs_numpy"] and "import of numpy halted" in failed["needs_numpy"]
