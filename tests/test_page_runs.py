"""hooks/page_runs.py and hooks/page_runner.py: the build runs each chapter page's code blocks in
page order, outside the repository; output markers show what they printed; figures come from
the page's namespace, reproducibly; a failing block fails the build naming page and section;
`mkdocs serve` reuses a page's run until its code, the device or the data change."""
import importlib.util
import re
import sys

import pytest

from site_pages import DOCS, LANGUAGES, ROOT, built_html, chapters_hook, source_pages

FIGURE_LINK = re.compile(r"\]\(figures/([a-z0-9-]+)\.svg\)")
chapters = chapters_hook()


def _load_hook():
    spec = importlib.util.spec_from_file_location("page_runs_under_test", ROOT / "hooks" / "page_runs.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    module._importable_root()
    return module


@pytest.fixture
def hook():
    return _load_hook()


def _job(page, *blocks, figures=()):
    """A page of blocks (code, output marker after it?), as page_job would make it."""
    return {"page": page, "blocks": [{"label": f"snippets/x.py:{i}", "code": code, "output_after": out}
                                     for i, (code, out) in enumerate(blocks)], "figures": list(figures)}


# --- the pages and the registry ------------------------------------------------------------------


def _figures_used(lang):
    used = {}
    for rel in source_pages(lang):
        for name in FIGURE_LINK.findall((DOCS / lang / rel).read_text(encoding="utf-8")):
            used.setdefault(name, []).append(rel)
    return used


def test_every_figure_is_shown_by_the_same_pages_and_drawn_by_one_chapter(hook):
    zh, en = _figures_used("zh"), _figures_used("en")
    assert zh == en
    assert set(zh) == set(hook.figures.FIGURES), "a registered figure no page shows, or the reverse"
    for name, pages in zh.items():
        drawn_by = [p for p in pages if p.removesuffix(".md") in chapters.chapter_names()]
        assert len(drawn_by) == 1, f"{name}: drawn by {drawn_by}"
        hook.chapters.section(f"snippets/plots.py:show-{name}")  # its cell exists


def test_page_job_follows_the_page(hook):
    job = hook.page_job("adam")
    labels = [b["label"] for b in job["blocks"]]
    assert labels == [i.value for i in chapters.page("zh", "adam") if i.kind == "code"]
    assert [b["label"] for b in job["blocks"] if b["output_after"]] == [
        "snippets/run_adam.py:adam-scratch", "snippets/run_adam.py:adam-concise",
        "snippets/exercises_adam.py:lr-sweep-run", "snippets/exercises_adam.py:no-bias-correction-run",
        "snippets/exercises_adam.py:lr-decay-run"]
    figures = {f["name"]: labels[f["after"]] for f in job["figures"]}
    assert figures == {"bias-correction": "snippets/run_adam.py:bias-correction",
                       "adam-scratch": "snippets/run_adam.py:adam-scratch",
                       "adam-concise": "snippets/run_adam.py:adam-concise"}


def test_benchmark_command_states_the_builds_arguments(hook):
    assert hook.benchmark_command("cpu") == (
        "python -m tools.benchmark --device cpu \\\n    --sizes 6 1e5 1e6 --repeats 5 --warmup 2 --no-extras")
    assert hook.BENCHMARK_ARGS == {"sizes": (6, 100_000, 1_000_000), "repeats": 5, "warmup": 2}


def test_the_command_shown_is_the_call_the_build_makes(hook, monkeypatch):
    """The page's command, given to the benchmark's own CLI, asks for exactly the build's run."""
    import shlex

    from tools import benchmark

    calls = []
    monkeypatch.setattr(benchmark, "run_benchmark", lambda *args: calls.append(args) or {})
    monkeypatch.setattr(benchmark, "format_table", lambda result: "")
    monkeypatch.setattr(benchmark, "format_summary", lambda result: "")
    argv = shlex.split(hook.benchmark_command("cpu").replace("\\\n", " "))
    assert argv[:3] == ["python", "-m", "tools.benchmark"]
    benchmark.main(argv[3:])
    device, sizes, repeats, warmup, extras, threads = calls[0]
    assert (device, tuple(sizes), repeats, warmup) == ("cpu", *hook.BENCHMARK_ARGS.values())
    assert (extras, threads) == (False, None)  # run_benchmark's defaults, as the build calls it


# --- the runner (a real `python -I` subprocess each) ---------------------------------------------


@pytest.mark.slow
def test_outputs_are_what_the_blocks_since_the_previous_marker_printed(hook):
    result = hook.run_pages([_job("p", ("print(1)", False), ("x = 2", False), ("print(x)", True),
                                  ("print('b')", True))], "cpu")["p"]
    assert result["outputs"] == ["1\n2\n", "b\n"]
    assert result["device"] == "cpu" and result["torch"] and result["data_source"] is None


@pytest.mark.slow
def test_the_runner_is_outside_the_repository_without_pythonpath(hook, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    code = ("import os, sys\nprint(os.getcwd())\nprint(os.listdir())\n"
            "try:\n    import snippets\n    print('snippets importable')\nexcept ImportError:\n    print('no snippets')\n"
            "print(os.environ.get('PYTHONPATH'), repr(os.environ.get('CUDA_VISIBLE_DEVICES')))\n"
            "print([p for p in sys.path if p in ('', '.') or p.startswith(os.getcwd())])\n")
    result = hook.run_pages([_job("p", (code, True))], "cpu")["p"]
    cwd, listing, imported, env, path = result["outputs"][0].splitlines()
    assert not cwd.startswith(str(ROOT)) and listing == "[]"  # an empty folder outside the repository
    assert imported == "no snippets"
    assert env == "None ''"  # no PYTHONPATH; the CPU was asked for, so no GPU is visible
    assert path == "[]"  # not even the current folder is on sys.path (-I)


@pytest.mark.slow
def test_a_failing_block_fails_naming_page_and_section(hook):
    from mkdocs.exceptions import PluginError

    with pytest.raises(PluginError, match=r"(?s)yogi\.md: the code block snippets/x\.py:1 failed:.*ZeroDivisionError"):
        hook.run_pages([_job("yogi", ("x = 1", False), ("1 / 0", True))], "cpu")


@pytest.mark.slow
def test_printing_unseen_or_a_marker_with_nothing_fails(hook):
    from mkdocs.exceptions import PluginError

    with pytest.raises(PluginError, match="printed after the last output marker"):
        hook.run_pages([_job("p", ("print(1)", True), ("print(2)", False))], "cpu")
    with pytest.raises(PluginError, match="nothing since the previous marker printed"):
        hook.run_pages([_job("p", ("x = 1", True))], "cpu")


def _loss_figure_job(hook, extra=""):
    """A page that defines an ``adam_run`` (and ``extra``) and shows the adam-scratch figure."""
    code = ("from typing import NamedTuple\nclass R(NamedTuple):\n    epochs: list\n    losses: list\n"
            f"adam_run = R([0.5, 1.0], [0.3, 0.25])\n{extra}print(1)\n")
    figure = {"name": "adam-scratch", "after": 0, "defs": [hook.chapters.section("snippets/plots.py:plot-losses")],
              "call": hook.chapters.section("snippets/plots.py:show-adam-scratch")}
    return _job("p", (code, True), figures=[figure])


@pytest.mark.slow
def test_figures_come_from_the_namespace_in_each_language_reproducibly(hook):
    job = _loss_figure_job(hook)
    one, two = (hook.run_pages([job], "cpu")["p"]["figures"]["adam-scratch"] for _ in range(2))
    assert one == two and set(one["zh"]) == set(one["en"]) == {"light", "dark"}
    assert one["zh"]["light"].startswith("<?xml") and "<dc:date>" not in one["zh"]["light"]
    assert "Adam（从零开始实现）" in one["zh"]["dark"] and "Adam (from scratch)" in one["en"]["light"]
    assert "#3f51b5" in one["en"]["light"], "the site's palette, not matplotlib's"
    assert "#8c9eff" in one["en"]["dark"] and "#3f51b5" not in one["en"]["dark"], "the dark scheme's palette"


@pytest.mark.slow
def test_synthetic_data_is_said_in_the_figure(hook):
    job = _loss_figure_job(hook, "class D(NamedTuple):\n    source: str\ndata = D('synthetic')\n")
    result = hook.run_pages([job], "cpu")["p"]
    assert result["data_source"] == "synthetic"
    assert all("synthetic data" in svg for svg in result["figures"]["adam-scratch"]["en"].values())


@pytest.mark.slow
def test_notebook_cells_show_what_a_kernel_shows(hook):
    """A block's cell gets its stdout and stderr in order and its last line's value; plotting
    cells run per language after their block, keep their names from cell to cell but never
    leak them into the page, and show their figures as SVG."""
    job = _job("p", ("import sys\nprint('a')\nprint('e', file=sys.stderr)\nprint('b')\nx = 6\nx * 7", True),
               ("x + 1;", False), ("print(sorted(k for k in globals() if not k.startswith('_')))", True))
    plot = ("import matplotlib.pyplot as plt\nplt.rcParams['svg.fonttype'] = 'none'\nplt.figure(figsize=(2, 1))\nplt.plot([0, 1], [x, x])\n"
            "plt.title(word)\nplt.show()\nprint('shown')")
    job["notebooks"] = {lang: [{"block": 0}, {"label": "label cell", "code": f"word = {word!r}"},
                               {"label": "plot cell", "code": plot}, {"block": 1}, {"block": 2}]
                        for lang, word in (("zh", "tu"), ("en", "figure"))}
    result = hook.run_pages([job], "cpu")["p"]
    assert result["outputs"] == ["a\nb\n", "['sys', 'x']\n"], "the page shows stdout only, without the notebook's names"
    for lang, word in (("zh", "tu"), ("en", "figure")):
        first, label, figure, plain, names = result["notebooks"][lang]
        assert first == [{"output_type": "stream", "name": "stdout", "text": "a\n"},
                         {"output_type": "stream", "name": "stderr", "text": "e\n"},
                         {"output_type": "stream", "name": "stdout", "text": "b\n"},
                         {"output_type": "execute_result", "metadata": {}, "data": {"text/plain": "42"}}]
        assert label == [] and plain == [], "an assignment, and a value ended by ';', show nothing"
        shown, printed = figure
        assert shown["output_type"] == "display_data" and shown["data"]["text/plain"] == "<Figure size 200x100 with 1 Axes>"
        assert f">{word}</text>" in shown["data"]["image/svg+xml"] and "<dc:date>" not in shown["data"]["image/svg+xml"]
        assert printed == {"output_type": "stream", "name": "stdout", "text": "shown\n"}
        assert names == [{"output_type": "stream", "name": "stdout", "text": "['sys', 'x']\n"}]


@pytest.mark.slow
def test_a_raising_notebook_cell_fails_naming_page_and_cell(hook):
    from mkdocs.exceptions import PluginError

    job = _job("adam", ("x = 1", True), ("print(x)", True))
    job["notebooks"] = {"en": [{"block": 0}, {"label": "the en notebook's code cell 2", "code": "1 / 0"}, {"block": 1}]}
    job["blocks"][0]["code"] = "x = 1\nprint(x)"
    with pytest.raises(PluginError, match=r"(?s)adam\.md: the code block the en notebook's code cell 2 failed:.*ZeroDivisionError"):
        hook.run_pages([job], "cpu")


def test_each_notebook_holds_the_pages_blocks_in_order_between_its_plotting_cells(hook):
    for name in chapters.chapter_names():
        job = hook.page_job(name)
        for lang, cells in job["notebooks"].items():
            assert [c["block"] for c in cells if "block" in c] == list(range(len(job["blocks"])))
            assert all(c["code"] and "block" not in c for c in cells if "label" in c)
    assert set(hook.page_job("adam")["notebooks"]) == set(LANGUAGES)
    assert hook.page_job("performance")["notebooks"] == {}, "a chapter without a notebook"


# --- the markdown ------------------------------------------------------------------------------


class _Page:
    def __init__(self, src_uri):
        self.file = type("F", (), {"src_uri": src_uri})()


def _with_results(hook, name, result, device="cpu"):
    runs = hook.PageRuns(device, use_cache=False)
    runs.results = {name: result}
    hook._state["runs"] = runs
    hook._state["figure_pages"] = {f: name for f in result.get("figures", {})}


def test_markers_become_output_blocks_in_order_indented_as_the_marker(hook):
    _with_results(hook, "adam", {"outputs": ["loss: 0.250\n", "a\nb\n"], "figures": {}, "data_source": "airfoil",
                                 "device": "cpu", "torch": "2.13.0"})
    markdown = hook.on_page_markdown("# Adam\n\n<!-- output -->\n\n??? note\n    <!-- output -->\n", _Page("en/adam.md"), None, None)
    assert '``` { .text .no-copy .output title="Output" }\nloss: 0.250\n```' in markdown
    assert '    ``` { .text .no-copy .output title="Output" }\n    a\n    b\n    ```' in markdown
    assert "device cpu, PyTorch 2.13.0" in markdown and "airfoil self-noise" in markdown
    zh = hook.on_page_markdown("# Adam\n\n<!-- output -->\n\n<!-- output -->\n", _Page("zh/adam.md"), None, None)
    assert 'title="输出"' in zh


def test_a_marker_count_that_differs_from_the_run_fails(hook):
    from mkdocs.exceptions import PluginError

    _with_results(hook, "adam", {"outputs": ["x\n"], "figures": {}, "data_source": None, "device": "cpu", "torch": "t"})
    with pytest.raises(PluginError, match="2 output markers, but the page's code ran with 1"):
        hook.on_page_markdown("<!-- output -->\n<!-- output -->\n", _Page("en/adam.md"), None, None)


def test_synthetic_data_is_said_at_the_top_of_the_page(hook):
    _with_results(hook, "adam", {"outputs": ["x\n"], "figures": {}, "data_source": "synthetic", "device": "cpu", "torch": "t"})
    markdown = hook.on_page_markdown("# Adam\n\n<!-- output -->\n", _Page("en/adam.md"), None, None)
    assert markdown.startswith('!!! warning "Results on this page come from synthetic data"')
    assert "deterministic synthetic regression set (the real data was not available)" in markdown


def test_unknown_figures_fail_loudly(hook):
    from mkdocs.exceptions import PluginError

    _with_results(hook, "adam", {"outputs": [], "figures": {}, "data_source": None, "device": "cpu", "torch": "t"})
    with pytest.raises(PluginError, match="no chapter draws figure 'no-such'"):
        hook.on_page_markdown("![x](figures/no-such.svg)\n", _Page("zh/index.md"), None, None)


# --- the serve cache ---------------------------------------------------------------------------


def test_serve_reuses_a_pages_run_until_its_code_device_or_data_change(hook, monkeypatch, tmp_path):
    monkeypatch.setattr(hook, "CACHE_DIR", tmp_path)
    monkeypatch.setattr(hook.chapters, "chapter_names", lambda: ["convergence"])
    calls = []

    class FakeRunner:
        started = 0.0

        def __init__(self, jobs, device):
            calls.append([j["page"] for j in jobs])
            self.jobs, self.device = jobs, device

        def results(self):
            return {j["page"]: {"outputs": ["x\n"], "figures": {}, "data_source": None, "device": self.device,
                                "torch": "t", "notebooks": {}} for j in self.jobs}

    monkeypatch.setattr(hook, "Runner", FakeRunner)
    monkeypatch.setattr(hook.PageRuns, "_resolve", lambda self: self._resolved.update(device=self.requested))
    hook.PageRuns("cpu", use_cache=True).run()
    hook.PageRuns("cpu", use_cache=True).run()
    assert calls == [["convergence"]], "unchanged: from the cache"
    hook.PageRuns("cuda", use_cache=True).run()
    assert len(calls) == 2, "another device runs again"
    monkeypatch.setattr(hook.chapters, "data_fingerprint", lambda: "other data")
    hook.PageRuns("cpu", use_cache=True).run()
    assert len(calls) == 3, "other data runs again"
    real_section = hook.chapters.section
    monkeypatch.setattr(hook.chapters, "section", lambda target: real_section(target) + "# edited\n")
    hook.PageRuns("cpu", use_cache=True).run()
    assert len(calls) == 4, "edited code runs again"
    hook.PageRuns("cpu", use_cache=False).run()
    assert len(calls) == 5, "a build never reads the cache"
    assert len(list(tmp_path.glob("convergence-*.json"))) == 1, "older runs of the page are dropped"


def test_the_hook_reads_the_device_variable_snippets_train_names(hook):
    from snippets.train import ENV_DEVICE

    assert f'os.environ.get("{ENV_DEVICE}"' in (ROOT / "hooks" / "page_runs.py").read_text(encoding="utf-8")


@pytest.mark.slow
def test_a_bad_device_name_fails_the_build_and_stops_the_runner(hook, monkeypatch):
    from mkdocs.exceptions import PluginError

    monkeypatch.setattr(hook.chapters, "chapter_names", lambda: ["convergence"])
    runs = hook.PageRuns("gpu", use_cache=False).start()
    runner = runs._runner
    with pytest.raises(PluginError, match=r"ADAM_YOGI_DEVICE='gpu': Invalid device: 'gpu'"):
        runs.run()
    assert runner.proc.returncode is not None and not runner.job_path.exists(), "the runner ended, its folder gone"


# --- the built site ------------------------------------------------------------------------------


@pytest.mark.slow
def test_every_figure_is_in_the_built_site_and_linked(built_site):
    for lang in LANGUAGES:
        for name, pages in _figures_used(lang).items():
            svg = built_site / ("" if lang == "zh" else lang) / "figures" / f"{name}.svg"
            assert svg.is_file() and svg.read_bytes().startswith(b"<?xml"), svg
            for rel in pages:
                assert f"figures/{name}.svg" in built_html(built_site, rel, lang).read_text(encoding="utf-8")


@pytest.mark.slow
def test_two_clean_builds_give_byte_identical_figures_and_archive(built_site, tmp_path):
    from conftest import build_site

    proc, _ = build_site(tmp_path / "again")
    assert proc.returncode == 0, proc.stderr
    first = sorted(p.relative_to(built_site) for p in built_site.rglob("figures/*.svg"))
    second = sorted(p.relative_to(tmp_path / "again") for p in (tmp_path / "again").rglob("figures/*.svg"))
    assert first and first == second
    differ = [str(p) for p in first if (built_site / p).read_bytes() != (tmp_path / "again" / p).read_bytes()]
    assert differ == [], f"figures differ between two builds: {differ}"
    name = "adam-yogi-code.zip"
    assert (built_site / name).read_bytes() == (tmp_path / "again" / name).read_bytes()


@pytest.mark.slow
def test_the_built_pages_show_this_builds_outputs(built_site):
    for lang in LANGUAGES:
        html = built_html(built_site, "adam.md", lang).read_text(encoding="utf-8")
        outputs = re.findall(r'<div class="no-copy output highlight">', html)
        assert len(outputs) == 2
        assert len(re.findall(r"loss: 0\.2\d\d, \d+\.\d{3} sec/epoch", html)) == 2
        assert "x_T = " in built_html(built_site, "convergence.md", lang).read_text(encoding="utf-8")


@pytest.mark.slow
def test_without_the_data_file_the_adam_page_runs_on_synthetic_data_and_says_so(hook, monkeypatch, tmp_path, caplog):
    """The real page's code, with $ADAM_YOGI_DATA_DIR naming an empty folder: the loader's one
    line reaches the build log, the outputs are still there, the figures say "synthetic"."""
    import logging

    (tmp_path / "empty").mkdir()
    monkeypatch.setenv("ADAM_YOGI_DATA_DIR", str(tmp_path / "empty"))
    with caplog.at_level(logging.INFO):
        result = hook.run_pages([hook.page_job("adam")], "cpu")["adam"]
    assert result["data_source"] == "synthetic"
    assert len(result["outputs"]) == 2 and all(re.fullmatch(r"loss: 0\.\d{3}, \d+\.\d{3} sec/epoch\n", o) for o in result["outputs"])
    assert "synthetic data" in result["figures"]["adam-scratch"]["en"]["light"]
    assert "合成数据" in result["figures"]["adam-scratch"]["zh"]["dark"]
    # drawn before the page reads any data: that figure does not depend on it and says nothing
    assert "synthetic" not in result["figures"]["bias-correction"]["en"]["light"]
    said = [r.getMessage() for r in caplog.records if "page code said" in r.getMessage()]
    assert len(said) == 1 and "airfoil data unavailable" in said[0] and "does not exist" in said[0]
