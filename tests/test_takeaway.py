"""What a reader takes away runs anywhere: the code blocks of every chapter, copied from the
built pages in page order; every notebook and script the site offers; the code archive. Each
runs in a temporary folder outside the repository, with no PYTHONPATH, torch (and matplotlib
for the plots) the only packages it may use, and prints the results the page shows. The reader
reads the data the site was built with: ``$ADAM_YOGI_DATA_DIR``, which conftest.py sets from
``../shared/data`` when it is not given."""
import ast
import os
import re
import subprocess
import sys
import time
import zipfile
from html.parser import HTMLParser

import nbformat
import pytest
from nbclient import NotebookClient

from site_pages import LANGUAGES, ROOT, built_html, chapters_hook, hook_module
from test_snippet_sections import BLOCKED

pytestmark = pytest.mark.slow
chapters = chapters_hook()
CHAPTERS = chapters.chapter_names()
WITH_NOTEBOOKS = [c for c in CHAPTERS if (ROOT / "docs" / "zh" / "notebooks" / f"{c}.py").is_file()]
TIMING = re.compile(r"\d+\.\d+ sec/epoch")
IMPORTS_SNIPPETS = re.compile(r"^\s*(?:import\s+snippets\b|from\s+snippets\b)", re.M)
# A download link as the built page has it: `download` with an empty value, or none.
DOWNLOAD_LINK = r'<a href="([^"]+)" download(?:="")?>'
TIMES: dict = {}  # what the tests measured, printed at the end of the session (-s shows it)


class CodeBlocks(HTMLParser):
    """The code blocks of a page's article, in order: (classes of the block, its text)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks, self._depth, self._classes, self._text, self._in_code = [], 0, None, [], False

    def handle_starttag(self, tag, attrs):
        classes = dict(attrs).get("class") or ""
        if tag == "div" and "highlight" in classes.split() and self._classes is None:
            self._classes, self._depth, self._text = classes.split(), 0, []
        if self._classes is not None:
            if tag == "div":
                self._depth += 1
            if tag == "code":
                self._in_code = True

    def handle_endtag(self, tag):
        if self._classes is None:
            return
        if tag == "code":
            self._in_code = False
        if tag == "div":
            self._depth -= 1
            if self._depth == 0:
                self.blocks.append((self._classes, "".join(self._text)))
                self._classes = None

    def handle_data(self, data):
        if self._classes is not None and self._in_code:
            self._text.append(data)


def page_blocks(site, rel, lang):
    """(python blocks, output blocks) of a built page."""
    text = built_html(site, rel, lang).read_text(encoding="utf-8")
    article = text[text.index("<article"): text.index("</article>")]
    parser = CodeBlocks()
    parser.feed(article)
    python = [t for c, t in parser.blocks if not {"output", "command", "citation"} & set(c)]
    outputs = [t for c, t in parser.blocks if "output" in c]
    return python, outputs


def normalized(lines):
    return [TIMING.sub("T sec/epoch", line) for line in lines]


def reader_env(**extra):
    """A reader's environment: no PYTHONPATH; the data the site's build read (the same
    ``$ADAM_YOGI_DATA_DIR``, however it was given)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "MPLBACKEND")}
    return {**env, **extra}


def blocker(allow=()):
    names = [n for n in BLOCKED if n not in allow]
    return f"import sys\nfor _name in {names!r}:\n    sys.modules[_name] = None\ndel _name\n"


def run_script(path, folder, **extra):
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-I", str(path)], cwd=folder, env=reader_env(**extra),
                          capture_output=True, text=True, timeout=600)
    return proc, time.perf_counter() - started


def _outside_repo(tmp_path):
    assert not str(tmp_path.resolve()).startswith(str(ROOT)), "the test folder must be outside the repository"
    folder = tmp_path / "reader"
    folder.mkdir()
    return folder


# --- the chapters' code blocks, from the built pages --------------------------------------------


@pytest.mark.parametrize("rel", [f"{c}.md" for c in CHAPTERS] + ["index.md"])
def test_a_pages_code_blocks_run_standalone_and_print_the_pages_results(built_site, tmp_path, rel):
    """Each language's page, copied block by block. The languages show the same code (checked
    here), so it runs once, and prints what each language's page shows."""
    shown = {}
    for lang in LANGUAGES:
        python, outputs = page_blocks(built_site, rel, lang)
        includes = [i for i in chapters.page(lang, rel.removesuffix(".md")) if i.kind == "code"]
        assert len(python) == len(includes) >= 1, f"{lang}/{rel}: {len(python)} code blocks for {len(includes)} includes"
        for block in python:
            ast.parse(block)  # every block shown as code is Python
            assert not IMPORTS_SNIPPETS.search(block)  # (internal markers: test_snippet_sections.py)
        for block in outputs:
            with pytest.raises(SyntaxError):  # output is not code (and is no copy target)
                ast.parse(block)
        shown[lang] = (python, [line for block in outputs for line in block.rstrip("\n").split("\n")])
    python = shown[LANGUAGES[0]][0]
    assert all(code == python for code, _ in shown.values()), f"{rel}: the languages show different code"
    folder = _outside_repo(tmp_path)
    script = tmp_path / "page.py"
    script.write_text(blocker() + "\n\n".join(python), encoding="utf-8")
    proc, seconds = run_script(script, folder)
    TIMES[f"page {rel}"] = (seconds, len(python))
    assert proc.returncode == 0, f"{rel}:\n{proc.stderr[-3000:]}"
    printed = normalized(proc.stdout.rstrip("\n").split("\n") if proc.stdout else [])
    for lang, (_, lines) in shown.items():
        assert printed == normalized(lines), f"{lang}/{rel}: the page shows other results than its code prints"


# --- the downloads ------------------------------------------------------------------------------


def _download(site, lang, chapter, suffix):
    folder = built_html(site, f"notebooks/{chapter}.py", lang).parent
    return folder / f"{chapter}{suffix}"


def _shown_outputs(site, lang, chapter):
    return [line for block in page_blocks(site, f"{chapter}.md", lang)[1] for line in block.rstrip("\n").split("\n")]


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("chapter", WITH_NOTEBOOKS)
def test_each_chapter_page_and_notebook_page_link_both_downloads(built_site, lang, chapter):
    ipynb, py = _download(built_site, lang, chapter, ".ipynb"), _download(built_site, lang, chapter, ".py")
    assert ipynb.is_file() and py.is_file()
    for rel in (f"{chapter}.md", f"notebooks/{chapter}.py"):
        page = built_html(built_site, rel, lang)
        links = re.findall(DOWNLOAD_LINK, page.read_text(encoding="utf-8"))
        targets = {(page.parent / link).resolve() for link in links}
        assert {ipynb.resolve(), py.resolve()} <= targets, f"{lang}/{rel} links {links}"


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("chapter", WITH_NOTEBOOKS)
def test_the_notebook_runs_outside_the_repository_and_draws_its_figures(built_site, tmp_path, lang, chapter):
    offered = nbformat.read(_download(built_site, lang, chapter, ".ipynb"), as_version=4)
    nbformat.validate(offered)
    assert offered.metadata.kernelspec.name == "python3" and offered.nbformat == 4
    assert offered.cells[0].cell_type == "markdown" and "pip install torch matplotlib" in offered.cells[0].source
    # every code cell is snippet sections, or the labels cell made from hooks/pages/labels.py
    labels_cells = 0
    for cell in offered.cells:
        if cell.cell_type == "code":
            assert not IMPORTS_SNIPPETS.search(cell.source)
            if cell.source.startswith("# ") and "\nlabels = {" in cell.source:
                namespace = {}
                exec(cell.source, namespace)
                assert namespace["labels"] == _figure_labels()[lang]
                labels_cells += 1
            else:
                assert _is_sections(cell.source), f"a cell that is no snippet section:\n{cell.source[:300]}"
    assert labels_cells == 1
    notebook = nbformat.from_dict(offered)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    folder = _outside_repo(tmp_path)
    started = time.perf_counter()
    NotebookClient(notebook, kernel_name="python3", timeout=600, allow_errors=False,
                   resources={"metadata": {"path": str(folder)}}).execute(env=reader_env())
    TIMES[f"notebook {lang}/{chapter}"] = (time.perf_counter() - started, None)
    svgs = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs if "image/svg+xml" in o.get("data", {})]
    figures = [i for i in chapters.page(lang, chapter) if i.kind == "figure"]
    assert len(svgs) == len(figures) >= 1, f"{len(svgs)} figures drawn, the page shows {len(figures)}"
    for output in svgs:  # the figures carry the language's labels, as text the browser draws
        svg = output["data"]["image/svg+xml"]
        assert bool(re.search("[\u4e00-\u9fff]", svg)) == (lang == "zh"), "Chinese labels in the Chinese notebook only"
        assert "<text" in svg
    printed = [line for c in notebook.cells if c.cell_type == "code" for o in c.outputs
               if o.output_type == "stream" and o.name == "stdout" for line in o.text.rstrip("\n").split("\n")]
    assert normalized(printed) == normalized(_shown_outputs(built_site, lang, chapter))
    assert list(folder.iterdir()) == [], "the notebook leaves nothing in the reader's folder"
    # The build's outputs (its page run, hooks/runs/runner.py) are the kernel's, cell by cell.
    code = [(built, ran) for built, ran in zip(offered.cells, notebook.cells) if ran.cell_type == "code"]
    assert [b.execution_count for b, _ in code] == list(range(1, len(code) + 1))
    for built, ran in code:
        assert _seen(built.outputs) == _seen(ran.outputs), f"cell {built.id}:\n{ran.source[:200]}"


SVG_TEXT = re.compile(r"<text\b[^>]*>([^<]*)</text>")


def _seen(outputs):
    """What a reader sees of a cell's outputs: each output's kind, its text (timings masked), the
    text drawn in its figures and the figure's description (size, axes). Consecutive pieces of one
    stream are one text, as Jupyter shows them (a kernel sends a slow cell's printing in pieces)."""
    seen, merged = [], []
    for output in outputs:
        if output.output_type == "stream" and merged and merged[-1]["name"] == output.name and merged[-1]["stream"]:
            merged[-1]["text"] += output.text
        else:
            merged.append({"stream": output.output_type == "stream", "name": output.get("name"),
                           "text": output.get("text", ""), "output": output})
    for piece in merged:
        output = piece["output"]
        if piece["stream"]:
            seen.append((piece["name"], normalized(piece["text"].split("\n"))))
        else:
            data = output.get("data", {})
            svg = data.get("image/svg+xml", "")
            seen.append((output.output_type, sorted(data), data.get("text/plain"), SVG_TEXT.findall(svg)))
    return seen


def _figure_labels():
    return hook_module("labels").FIGURE_LABELS


def _is_sections(source):
    """Whether ``source`` is one or more snippet sections, whole, one after the other."""
    known = sorted({code.strip() for path in (ROOT / "snippets").glob("*.py")
                    for code in chapters.sections(path).values()}, key=len, reverse=True)
    rest = source.strip()
    while rest:
        match = next((k for k in known if rest.startswith(k) and (len(rest) == len(k) or rest[len(k)] == "\n")), None)
        if match is None:
            return False
        rest = rest[len(match):].lstrip("\n")
    return True


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("chapter", WITH_NOTEBOOKS)
def test_the_script_runs_outside_the_repository_and_prints_the_pages_results(built_site, tmp_path, lang, chapter):
    script = _download(built_site, lang, chapter, ".py")
    source = script.read_text(encoding="utf-8")
    assert "pip install torch matplotlib" in source.splitlines()[1]
    assert not IMPORTS_SNIPPETS.search(source)
    folder = _outside_repo(tmp_path)
    copy = folder.parent / script.name
    copy.write_text(source, encoding="utf-8")
    proc, seconds = run_script(copy, folder, MPLBACKEND="Agg")
    TIMES[f"script {lang}/{chapter}.py"] = (seconds, None)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert normalized(proc.stdout.rstrip("\n").split("\n")) == normalized(_shown_outputs(built_site, lang, chapter))


# --- the archive ------------------------------------------------------------------------------


def test_the_archive_unpacks_and_runs_outside_the_repository(built_site, tmp_path):
    archive = built_site / "adam-yogi-code.zip"
    with zipfile.ZipFile(archive) as z:
        names = z.namelist()
        # README and requirements, the two licences, then the code in order
        assert names[:4] == ["adam-yogi/README.md", "adam-yogi/requirements.txt", "adam-yogi/LICENSE",
                             "adam-yogi/LICENSE-docs"]
        assert names[4:] == sorted(names[4:]) and {i.date_time for i in z.infolist()} == {(2018, 2, 22, 0, 0, 0)}
        assert z.read("adam-yogi/LICENSE") == (ROOT / "LICENSE").read_bytes()
        readme = z.read("adam-yogi/README.md").decode()
        requirements = z.read("adam-yogi/requirements.txt").decode()
        z.extractall(tmp_path)
    assert "adam-yogi/snippets/train.py" in names and "adam-yogi/snippets/optim.py" in names
    tracked = subprocess.run(["git", "-C", str(ROOT), "ls-files", "snippets"], capture_output=True, text=True).stdout.split()
    assert names[4:] == sorted(f"adam-yogi/{n}" for n in tracked if n.endswith(".py") and (ROOT / n).is_file()), \
        "exactly the files git tracks"
    assert not any("/tools/" in n or "torch-yogi" in n for n in names)  # the package and the benchmarks stay out
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)
    versions = chapters.tested_versions()
    assert f"torch=={versions['torch']}" in requirements and f"matplotlib=={versions['matplotlib']}" in requirements
    assert not IMPORTS_SNIPPETS.search(readme) and "pip install -r requirements.txt" in readme
    top = tmp_path / "adam-yogi"
    env = reader_env(HOME=str(tmp_path), XDG_CACHE_HOME=str(tmp_path / "cache"))
    data_dir = env.pop("ADAM_YOGI_DATA_DIR", None) or str(top)
    proc = subprocess.run([sys.executable, "-m", "snippets.train", "--optimizer", "yogi", "--allow-synthetic",
                           "--device", "cpu", "--data-dir", data_dir],
                          cwd=top, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    first, second = proc.stdout.splitlines()
    assert re.fullmatch(r"loss: 0\.\d{3}, \d+\.\d{3} sec/epoch", first) and second.startswith("device: cpu")
    proc = subprocess.run([sys.executable, "-c", "import snippets, sys; print(snippets.__file__)"], cwd=top, env=env,
                          capture_output=True, text=True)
    assert proc.stdout.strip() == str(top / "snippets" / "__init__.py"), "the unpacked package ran, not the repository's"


def test_the_home_page_links_the_archive(built_site):
    for lang in LANGUAGES:
        page = built_html(built_site, "index.md", lang)
        links = re.findall(DOWNLOAD_LINK, page.read_text(encoding="utf-8"))
        assert (built_site / "adam-yogi-code.zip").resolve() in {(page.parent / link).resolve() for link in links}
        assert "clone" not in page.read_text(encoding="utf-8").lower() and "克隆" not in page.read_text(encoding="utf-8")


@pytest.fixture(scope="module", autouse=True)
def report_times():
    """After this module's tests: what they measured (shown with -s)."""
    yield
    if TIMES:
        width = max(map(len, TIMES))
        print("\n" + "\n".join(f"{name:<{width}}  {seconds:6.1f} s" + (f"  ({blocks} code blocks)" if blocks else "")
                               for name, (seconds, blocks) in TIMES.items()))
