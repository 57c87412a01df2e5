"""hooks/runs/: the build runs each chapter page's code blocks in page order, outside the
repository (page_runs, runner); output markers show what they printed, figures come from the
page's namespace, reproducibly (results); a failing block fails the build naming page and
section; `mkdocs serve` reuses a page's run until its code, the device or the data change, and
never one on synthetic data."""
import json
import re

import pytest

from site_pages import DOCS, LANGUAGES, ROOT, built_html, chapters_hook, hooks_module, source_pages

FIGURE_LINK = re.compile(r"\]\(figures/([a-z0-9-]+)\.svg\)")
chapters = chapters_hook()
page_runs = hooks_module("runs.page_runs")
results = hooks_module("runs.results")
benchmark = hooks_module("runs.benchmark")
figures = hooks_module("pages.figures")


@pytest.fixture(scope="module")
def pages():
    return chapters.Pages()


def run_pages(jobs, device="cpu", pages=None):
    """Run the pages in one fresh ``python -I`` in a temporary folder; {page: result}."""
    return page_runs.Runner(jobs, page_runs.common_job(pages or chapters.Pages()), device).results()


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


def test_every_figure_is_shown_by_the_same_pages_and_drawn_by_one_chapter():
    zh, en = _figures_used("zh"), _figures_used("en")
    assert zh == en
    assert set(zh) == set(figures.FIGURES), "a registered figure no page shows, or the reverse"
    for name, shown_on in zh.items():
        drawn_by = [p for p in shown_on if p.removesuffix(".md") in chapters.chapter_names()]
        assert len(drawn_by) == 1, f"{name}: drawn by {drawn_by}"
        chapters.section(f"snippets/plots.py:show-{name}")  # its cell exists


def test_page_job_follows_the_page(pages):
    job = page_runs.page_job(pages, "adam")
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


def test_benchmark_command_states_the_builds_arguments():
    assert benchmark.command("cpu") == (
        "python -m tools.benchmark --device cpu \\\n    --sizes 6 1e5 1e6 --repeats 5 --warmup 2 --no-extras")
    assert benchmark.BENCHMARK_ARGS == {"sizes": (6, 100_000, 1_000_000), "repeats": 5, "warmup": 2}


def test_the_command_shown_is_the_call_the_build_makes(monkeypatch):
    """The page's command, given to the benchmark's own CLI, asks for exactly the build's run."""
    import shlex

    from tools import benchmark as tool

    calls = []
    monkeypatch.setattr(tool, "run_benchmark", lambda *args: calls.append(args) or {})
    monkeypatch.setattr(tool, "format_table", lambda result: "")
    monkeypatch.setattr(tool, "format_summary", lambda result: "")
    argv = shlex.split(benchmark.command("cpu").replace("\\\n", " "))
    assert argv[:3] == ["python", "-m", "tools.benchmark"]
    tool.main(argv[3:])
    device, sizes, repeats, warmup, extras, threads = calls[0]
    assert (device, tuple(sizes), repeats, warmup) == ("cpu", *benchmark.BENCHMARK_ARGS.values())
    assert (extras, threads) == (False, None)  # run_benchmark's defaults, as the build calls it


# --- the runner (a real `python -I` subprocess each) ---------------------------------------------


@pytest.mark.slow
def test_outputs_are_what_the_blocks_since_the_previous_marker_printed():
    result = run_pages([_job("p", ("print(1)", False), ("x = 2", False), ("print(x)", True),
                                  ("print('b')", True))], "cpu")["p"]
    assert result["outputs"] == ["1\n2\n", "b\n"]
    assert result["device"] == "cpu" and result["torch"] and result["data_source"] is None


@pytest.mark.slow
def test_the_runner_is_outside_the_repository_without_pythonpath(monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    code = ("import os, sys\nprint(os.getcwd())\nprint(os.listdir())\n"
            "try:\n    import snippets\n    print('snippets importable')\nexcept ImportError:\n    print('no snippets')\n"
            "print(os.environ.get('PYTHONPATH'), repr(os.environ.get('CUDA_VISIBLE_DEVICES')))\n"
            "print([p for p in sys.path if p in ('', '.') or p.startswith(os.getcwd())])\n")
    result = run_pages([_job("p", (code, True))], "cpu")["p"]
    cwd, listing, imported, env, path = result["outputs"][0].splitlines()
    assert not cwd.startswith(str(ROOT)) and listing == "[]"  # an empty folder outside the repository
    assert imported == "no snippets"
    assert env == "None ''"  # no PYTHONPATH; the CPU was asked for, so no GPU is visible
    assert path == "[]"  # not even the current folder is on sys.path (-I)


@pytest.mark.slow
def test_a_failing_block_fails_naming_page_and_section():
    from mkdocs.exceptions import PluginError

    with pytest.raises(PluginError, match=r"(?s)yogi\.md: the code block snippets/x\.py:1 failed:.*ZeroDivisionError"):
        run_pages([_job("yogi", ("x = 1", False), ("1 / 0", True))], "cpu")


@pytest.mark.slow
def test_printing_unseen_or_a_marker_with_nothing_fails():
    from mkdocs.exceptions import PluginError

    with pytest.raises(PluginError, match="printed after the last output marker"):
        run_pages([_job("p", ("print(1)", True), ("print(2)", False))], "cpu")
    with pytest.raises(PluginError, match="nothing since the previous marker printed"):
        run_pages([_job("p", ("x = 1", True))], "cpu")


def _loss_figure_job(extra=""):
    """A page that defines an ``adam_run`` (and ``extra``) and shows the adam-scratch figure."""
    code = ("from typing import NamedTuple\nclass R(NamedTuple):\n    epochs: list\n    losses: list\n"
            f"adam_run = R([0.5, 1.0], [0.3, 0.25])\n{extra}print(1)\n")
    figure = {"name": "adam-scratch", "after": 0, "defs": [chapters.section("snippets/plots.py:plot-losses")],
              "call": chapters.section("snippets/plots.py:show-adam-scratch")}
    return _job("p", (code, True), figures=[figure])


@pytest.mark.slow
def test_figures_come_from_the_namespace_in_each_language_reproducibly():
    job = _loss_figure_job()
    one, two = (run_pages([job], "cpu")["p"]["figures"]["adam-scratch"] for _ in range(2))
    assert one == two and set(one["zh"]) == set(one["en"]) == {"light", "dark"}
    assert one["zh"]["light"].startswith("<?xml") and "<dc:date>" not in one["zh"]["light"]
    assert "Adam（从零开始实现）" in one["zh"]["dark"] and "Adam (from scratch)" in one["en"]["light"]
    assert "#3f51b5" in one["en"]["light"], "the site's palette, not matplotlib's"
    assert "#8c9eff" in one["en"]["dark"] and "#3f51b5" not in one["en"]["dark"], "the dark scheme's palette"


@pytest.mark.slow
def test_synthetic_data_is_said_in_the_figure():
    job = _loss_figure_job("class D(NamedTuple):\n    source: str\ndata = D('synthetic')\n")
    result = run_pages([job], "cpu")["p"]
    assert result["data_source"] == "synthetic"
    assert all("synthetic data" in svg for svg in result["figures"]["adam-scratch"]["en"].values())


@pytest.mark.slow
def test_notebook_cells_show_what_a_kernel_shows():
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
    result = run_pages([job], "cpu")["p"]
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
def test_a_raising_notebook_cell_fails_naming_page_and_cell():
    from mkdocs.exceptions import PluginError

    job = _job("adam", ("x = 1", True), ("print(x)", True))
    job["notebooks"] = {"en": [{"block": 0}, {"label": "the en notebook's code cell 2", "code": "1 / 0"}, {"block": 1}]}
    job["blocks"][0]["code"] = "x = 1\nprint(x)"
    with pytest.raises(PluginError, match=r"(?s)adam\.md: the code block the en notebook's code cell 2 failed:.*ZeroDivisionError"):
        run_pages([job], "cpu")


def test_each_notebook_holds_the_pages_blocks_in_order_between_its_plotting_cells(pages):
    for name in chapters.chapter_names():
        job = page_runs.page_job(pages, name)
        for lang, cells in job["notebooks"].items():
            assert [c["block"] for c in cells if "block" in c] == list(range(len(job["blocks"])))
            assert all(c["code"] and "block" not in c for c in cells if "label" in c)
    assert set(page_runs.page_job(pages, "adam")["notebooks"]) == set(LANGUAGES)
    assert page_runs.page_job(pages, "performance")["notebooks"] == {}, "a chapter without a notebook"


@pytest.mark.slow
def test_a_block_keeps_the_names_the_site_shows_exactly():
    """``export``: the values of names after a block, as JSON (a tensor: its float64 numbers, each
    exact); a name the block does not define fails it."""
    from mkdocs.exceptions import PluginError

    job = _job("p", ("import torch\ng = torch.tensor([0.1, 1 / 3, 2e-300], dtype=torch.float64)\nn = 3", False),
               ("print(n)", True))
    job["blocks"][0]["export"] = ["g", "n"]
    kept = run_pages([job])["p"]["exports"]
    assert kept == {"snippets/x.py:0": {"g": [0.1, 1 / 3, 2e-300], "n": 3}}
    job["blocks"][0]["export"] = ["missing"]
    with pytest.raises(PluginError, match="snippets/x.py:0 failed:\ndefines no 'missing', which the site shows"):
        run_pages([job])


def test_the_page_job_asks_for_the_playgrounds_stream(pages):
    playground = hooks_module("runs.playground")
    job = page_runs.page_job(pages, "yogi", playground.EXPORTS)
    assert [b["export"] for b in job["blocks"] if "export" in b] == [["g"]]
    assert [b["label"] for b in job["blocks"] if "export" in b] == [playground.SPIKES]


# --- the markdown ------------------------------------------------------------------------------


def _show(markdown, src_uri, result, benchmark_shown=None):
    lang, rel = src_uri.split("/", 1)
    name = rel.removesuffix(".md")
    ran = {"adam": result}
    owners = {f: "adam" for f in result.get("figures", {})}
    return results.show(markdown, src_uri, lang, name, ran, owners, benchmark_shown)


def test_markers_become_output_blocks_in_order_indented_as_the_marker():
    result = {"outputs": ["loss: 0.250\n", "a\nb\n"], "figures": {}, "data_source": "airfoil", "device": "cpu",
              "torch": "2.13.0"}
    markdown = _show("# Adam\n\n<!-- output -->\n\n??? note\n    <!-- output -->\n", "en/adam.md", result)
    assert '``` { .text .no-copy .output title="Output" }\nloss: 0.250\n```' in markdown
    assert '    ``` { .text .no-copy .output title="Output" }\n    a\n    b\n    ```' in markdown
    assert "device cpu, PyTorch 2.13.0" in markdown and "airfoil self-noise" in markdown
    zh = _show("# Adam\n\n<!-- output -->\n\n<!-- output -->\n", "zh/adam.md", result)
    assert 'title="输出"' in zh


def test_a_marker_count_that_differs_from_the_run_fails():
    from mkdocs.exceptions import PluginError

    result = {"outputs": ["x\n"], "figures": {}, "data_source": None, "device": "cpu", "torch": "t"}
    with pytest.raises(PluginError, match="2 output markers, but the page's code ran with 1"):
        _show("<!-- output -->\n<!-- output -->\n", "en/adam.md", result)


def test_synthetic_data_is_said_at_the_top_of_the_page():
    result = {"outputs": ["x\n"], "figures": {}, "data_source": "synthetic", "device": "cpu", "torch": "t"}
    markdown = _show("# Adam\n\n<!-- output -->\n", "en/adam.md", result)
    assert markdown.startswith('!!! warning "Results on this page come from synthetic data"')
    assert "deterministic synthetic regression set (the real data was not available)" in markdown


def test_unknown_figures_fail_loudly():
    from mkdocs.exceptions import PluginError

    result = {"outputs": [], "figures": {}, "data_source": None, "device": "cpu", "torch": "t"}
    with pytest.raises(PluginError, match="no chapter draws figure 'no-such'"):
        _show("![x](figures/no-such.svg)\n", "zh/index.md", result)


def test_the_benchmark_marker_becomes_the_command_and_the_table_with_its_provenance():
    from mkdocs.exceptions import PluginError

    result = {"outputs": [], "figures": {}, "data_source": None, "device": "cpu", "torch": "t"}
    shown = ("python -m tools.benchmark --device cpu", {"device": "cpu", "torch": "2.13.0"})
    markdown = _show("# P\n\n<!-- benchmark -->\n", "en/practice.md", result, lambda: shown)
    assert ('``` { .bash .command title="Command" }\npython -m tools.benchmark --device cpu\n```\n\n'
            f"{results.TABLE}\n") in markdown
    assert "measured by this build with `tools.benchmark`: device cpu, PyTorch 2.13.0" in markdown
    with pytest.raises(PluginError, match="a benchmark marker, but this build measured no benchmark"):
        _show("<!-- benchmark -->\n", "en/practice.md", result)


def test_the_table_takes_its_place_once_measured_rendered_as_the_site_renders_markdown():
    import markdown as md
    from mkdocs.exceptions import PluginError

    config = {"markdown_extensions": ["tables", "attr_list"], "mdx_configs": {}}
    page = md.markdown(f"# P\n\ntext\n\n{results.TABLE}\n\nmore\n")
    asked = []
    table = lambda: asked.append(1) or "| a | b |\n|--:|---|\n| 1 | 2 |\n"  # noqa: E731
    html = results.with_table(page, table, config, "en/practice.md")
    assert '<table>\n<thead>\n<tr>\n<th style="text-align: right;">a</th>' in html and results.TABLE not in html
    assert html.index("text") < html.index("<table>") < html.index("more")
    assert results.with_table("<p>no table here</p>", table, config, "x.md") == "<p>no table here</p>"
    assert asked == [1], "the table is awaited only for the page that shows it"
    with pytest.raises(PluginError, match="not a paragraph of its own"):
        results.with_table(f"<p>a {results.TABLE}</p>", table, config, "x.md")


# --- the serve cache ---------------------------------------------------------------------------


class FakeRunner:
    """Stands in for the runner: records which pages it was asked to run."""

    calls: list = []
    source = "airfoil"

    def __init__(self, jobs, common, device):
        FakeRunner.calls.append([j["page"] for j in jobs])
        self.jobs, self.device, self.started = jobs, device, 0.0

    def results(self):
        return {j["page"]: {"outputs": ["x\n"], "figures": {}, "data_source": self.source, "device": self.device,
                            "torch": "t", "notebooks": {}} for j in self.jobs}

    def stop(self):
        pass


@pytest.fixture
def fake_runs(monkeypatch, tmp_path):
    """PageRuns of the convergence chapter alone, on FakeRunner, with the cache in tmp_path."""
    from hooks.build import cache

    FakeRunner.calls, FakeRunner.source = [], "airfoil"
    monkeypatch.setattr(cache, "CACHE", tmp_path)
    monkeypatch.setattr(page_runs, "Entries", lambda name: cache.Entries(name, base=tmp_path))
    monkeypatch.setattr(page_runs, "Runner", FakeRunner)
    monkeypatch.setattr(page_runs.PageRuns, "_resolve", lambda self: self._resolved.update(device=self.requested))
    monkeypatch.setattr(page_runs, "data_fingerprint", lambda: "the data")
    pages = chapters.Pages()
    monkeypatch.setattr(pages, "chapter_names", lambda: ["convergence"])
    return lambda device="cpu", use_cache=True, pages=pages: page_runs.PageRuns(pages, device, use_cache).run()


def test_serve_reuses_a_pages_run_until_its_code_device_or_data_change(fake_runs, monkeypatch, tmp_path):
    fake_runs()
    fake_runs()
    assert FakeRunner.calls == [["convergence"]], "unchanged: from the cache"
    fake_runs("cuda")
    assert len(FakeRunner.calls) == 2, "another device runs again"
    monkeypatch.setattr(page_runs, "data_fingerprint", lambda: "other data")
    fake_runs()
    assert len(FakeRunner.calls) == 3, "other data runs again"
    pages = chapters.Pages()
    monkeypatch.setattr(pages, "chapter_names", lambda: ["convergence"])
    real_section = pages.section
    monkeypatch.setattr(pages, "section", lambda target: real_section(target) + "# edited\n")
    fake_runs(pages=pages)
    assert len(FakeRunner.calls) == 4, "edited code runs again"
    fake_runs(use_cache=False)
    assert len(FakeRunner.calls) == 5, "a build never reads the cache"
    assert [p.name for p in (tmp_path / "pages").iterdir()] == ["convergence.json"], "one entry per page"


def test_a_run_on_synthetic_data_is_never_kept(fake_runs):
    """Built offline, then with the data back: the real file is read at once, not the kept run."""
    FakeRunner.source = "synthetic"
    fake_runs()
    fake_runs()
    assert len(FakeRunner.calls) == 2
    FakeRunner.source = "airfoil"
    fake_runs()
    fake_runs()
    assert len(FakeRunner.calls) == 3


@pytest.mark.parametrize("damage", [b"", b"{not json", b'{"key": 1}', b"[]", "digest"])
def test_a_damaged_cache_entry_is_a_miss_not_a_crash(fake_runs, tmp_path, damage):
    fake_runs()
    entry = tmp_path / "pages" / "convergence.json"
    if damage == "digest":  # well-formed, of the right key, but not what was written
        data = json.loads(entry.read_text())
        data["value"]["outputs"] = ["planted\n"]
        entry.write_text(json.dumps(data))
    else:
        entry.write_bytes(damage)
    assert fake_runs()["convergence"]["outputs"] == ["x\n"]
    assert len(FakeRunner.calls) == 2, "the damaged entry was run again"
    fake_runs()
    assert len(FakeRunner.calls) == 2, "and kept again"


def test_the_hook_reads_the_device_variable_snippets_train_names():
    from snippets.train import ENV_DEVICE

    assert page_runs.ENV_DEVICE == ENV_DEVICE


def test_the_hook_reads_the_data_variable_snippets_data_names():
    from snippets.data import ENV_DATA_DIR

    assert page_runs.ENV_DATA_DIR == ENV_DATA_DIR


def test_the_pages_are_shared_among_the_runners_whole_and_balanced(pages):
    jobs = [page_runs.page_job(pages, name) for name in pages.chapter_names()]
    for processes in (1, 2, 3, 16):
        shared = page_runs.shares(jobs, processes)
        assert len(shared) == min(processes, len(jobs))
        assert sorted(j["page"] for share in shared for j in share) == sorted(j["page"] for j in jobs)
    two = [{j["page"] for j in share} for share in page_runs.shares(jobs, 2)]
    assert not any({"adam", "yogi"} <= share for share in two), f"the two longest pages share a runner: {two}"


@pytest.mark.slow
def test_a_bad_device_name_fails_the_build_and_stops_the_runner(monkeypatch):
    from mkdocs.exceptions import PluginError

    pages = chapters.Pages()
    monkeypatch.setattr(pages, "chapter_names", lambda: ["convergence"])
    runs = page_runs.PageRuns(pages, "gpu", use_cache=False).start()
    folder = runs._runners[0]._child.folder
    with pytest.raises(PluginError, match=r"ADAM_YOGI_DEVICE='gpu': Invalid device: 'gpu'"):
        runs.run()
    assert not folder.exists(), "the runner ended, its folder gone"


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
def test_two_clean_builds_give_byte_identical_figures_and_archive(built_site, sub_path_site):
    """The second build (conftest.py's sub_path_site) ran in another folder, for another
    address: the figures and the code archive do not change with either."""
    again = sub_path_site[0]
    first = sorted(p.relative_to(built_site) for p in built_site.rglob("figures/*.svg"))
    second = sorted(p.relative_to(again) for p in again.rglob("figures/*.svg"))
    assert first and first == second
    differ = [str(p) for p in first if (built_site / p).read_bytes() != (again / p).read_bytes()]
    assert differ == [], f"figures differ between two builds: {differ}"
    name = "adam-yogi-code.zip"
    assert (built_site / name).read_bytes() == (again / name).read_bytes()


@pytest.mark.slow
def test_the_built_pages_show_this_builds_outputs(built_site):
    for lang in LANGUAGES:
        html = built_html(built_site, "adam.md", lang).read_text(encoding="utf-8")
        outputs = re.findall(r'<div class="no-copy output highlight">', html)
        markers = [i for i in chapters.page(lang, "adam") if i.kind == "output"]
        assert len(outputs) == len(markers) >= 2, "one output block per marker"
        assert len(re.findall(r"loss: 0\.2\d\d, \d+\.\d{3} sec/epoch", html)) == 2  # the two training runs
        assert "x_T = " in built_html(built_site, "convergence.md", lang).read_text(encoding="utf-8")


@pytest.mark.slow
def test_without_the_data_file_the_adam_page_runs_on_synthetic_data_and_says_so(pages, monkeypatch, tmp_path, caplog):
    """The real page's code, with $ADAM_YOGI_DATA_DIR naming an empty folder: the loader's one
    line reaches the build log, the outputs are still there, the figures say "synthetic"."""
    import logging

    (tmp_path / "empty").mkdir()
    monkeypatch.setenv("ADAM_YOGI_DATA_DIR", str(tmp_path / "empty"))
    with caplog.at_level(logging.INFO):
        result = run_pages([page_runs.page_job(pages, "adam")], "cpu")["adam"]
    assert result["data_source"] == "synthetic"
    markers = [i for i in pages.page("zh", "adam") if i.kind == "output"]
    assert len(result["outputs"]) == len(markers) >= 2
    assert all(re.fullmatch(r"loss: 0\.\d{3}, \d+\.\d{3} sec/epoch\n", o) for o in result["outputs"][:2])
    assert "synthetic data" in result["figures"]["adam-scratch"]["en"]["light"]
    assert "合成数据" in result["figures"]["adam-scratch"]["zh"]["dark"]
    # drawn before the page reads any data: that figure does not depend on it and says nothing
    assert "synthetic" not in result["figures"]["bias-correction"]["en"]["light"]
    said = [r.getMessage() for r in caplog.records if "page code said" in r.getMessage()]
    assert len(said) == 1 and "airfoil data unavailable" in said[0] and "does not exist" in said[0]
