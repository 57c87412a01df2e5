"""The build-time experiments (hooks/experiments.py): results come from this build, figures are
reproducible, a failing experiment fails the build, and every figure is used in both languages."""
import importlib.util
import json
import re
import sys

import pytest

from site_pages import DOCS, LANGUAGES, ROOT, built_html, source_pages

FIGURE_LINK = re.compile(r"\]\(figures/([a-z0-9-]+)\.svg\)")


def _load_hook():
    spec = importlib.util.spec_from_file_location("experiments_under_test", ROOT / "hooks" / "experiments.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being created
    spec.loader.exec_module(module)
    module._importable_root()
    return module


@pytest.fixture
def hook():
    return _load_hook()


def _figures_used(lang):
    used = {}
    for rel in source_pages(lang):
        for name in FIGURE_LINK.findall((DOCS / lang / rel).read_text(encoding="utf-8")):
            used.setdefault(name, []).append(rel)
    return used


def test_every_figure_is_shown_by_the_same_page_in_both_languages(hook):
    registered = set(hook.figures.FIGURES)
    zh, en = _figures_used("zh"), _figures_used("en")
    assert zh == en, (zh, en)
    assert set(zh) <= registered, f"pages show unregistered figures: {set(zh) - registered}"


@pytest.mark.slow
def test_every_figure_is_in_the_built_site_and_linked(built_site):
    for lang in LANGUAGES:
        for name, pages in _figures_used(lang).items():
            svg = built_site / ("" if lang == "zh" else lang) / "figures" / f"{name}.svg"
            assert svg.is_file() and svg.read_bytes().startswith(b"<?xml"), svg
            for rel in pages:
                html = built_html(built_site, rel, lang).read_text(encoding="utf-8")
                assert f"figures/{name}.svg" in html


@pytest.mark.slow
def test_two_clean_builds_give_byte_identical_figures(built_site, tmp_path):
    from conftest import build_site

    proc, _ = build_site(tmp_path / "again")
    assert proc.returncode == 0, proc.stderr
    first = sorted(p.relative_to(built_site) for p in built_site.rglob("figures/*.svg"))
    second = sorted(p.relative_to(tmp_path / "again") for p in (tmp_path / "again").rglob("figures/*.svg"))
    assert first and first == second
    differ = [str(p) for p in first if (built_site / p).read_bytes() != (tmp_path / "again" / p).read_bytes()]
    assert differ == [], f"figures differ between two builds: {differ}"


def test_svg_is_deterministic_and_has_no_date(hook):
    results = hook.Results("cpu", use_cache=False)
    spec = hook.figures.FIGURES["bias-correction"]
    one, two = hook.render_svg(spec, results, "zh"), hook.render_svg(spec, results, "zh")
    assert one == two
    assert b"<dc:date>" not in one
    assert "偏差校正后".encode() in one, "Chinese labels are written as text for the browser to draw"


def test_a_failing_experiment_fails_the_build(monkeypatch, tmp_path, caplog):
    """An experiment that raises stops `mkdocs build` with its error (no stale or missing figure)."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort

    import snippets.train

    def broken(*args, **kwargs):
        raise RuntimeError("training diverged on purpose")

    monkeypatch.setattr(snippets.train, "train_scratch", broken)
    config = load_config(str(ROOT / "mkdocs.yml"), site_dir=str(tmp_path / "site"))
    with pytest.raises(Abort):
        build(config)
    assert "experiment 'adam-scratch' failed: RuntimeError: training diverged on purpose" in caplog.text
    assert not list((tmp_path / "site").rglob("*.svg")), "no figure may be published by a failed build"


def test_serve_cache_reuses_results_until_the_code_changes(hook, monkeypatch, tmp_path):
    monkeypatch.setattr(hook, "CACHE_DIR", tmp_path)
    first = hook.Results("cpu", use_cache=True).get("spikes")
    cached = list(tmp_path.glob("spikes-*.json"))
    assert len(cached) == 1 and json.loads(cached[0].read_text())["s_adam"] == first["s_adam"]

    def must_not_run(ctx):
        raise AssertionError("a cached experiment ran again")

    monkeypatch.setattr(hook.figures.EXPERIMENTS["spikes"], "run", must_not_run)
    # The digest covers the run function's source; keep it while swapping the body.
    monkeypatch.setattr(hook, "_source_digest", lambda exp, device, data=None: cached[0].stem.split("-", 1)[1])
    assert hook.Results("cpu", use_cache=True).get("spikes") == first


def test_cache_key_follows_the_code_each_experiment_depends_on(hook, monkeypatch, tmp_path):
    exp = hook.figures.EXPERIMENTS["spikes"]
    key = hook._source_digest(exp, "cpu")
    assert key == hook._source_digest(exp, "cpu")
    assert key != hook._source_digest(exp, "cuda")
    copy = tmp_path / "root"
    (copy / "snippets").mkdir(parents=True)
    for module in exp.depends:
        text = (ROOT / "snippets" / f"{module}.py").read_text(encoding="utf-8")
        (copy / "snippets" / f"{module}.py").write_text(text + "\n# edited\n", encoding="utf-8")
    monkeypatch.setattr(hook, "ROOT", copy)
    assert hook._source_digest(exp, "cpu") != key


def test_clean_build_never_reads_the_cache(hook, monkeypatch, tmp_path):
    monkeypatch.setattr(hook, "CACHE_DIR", tmp_path)
    results = hook.Results("cpu", use_cache=False)
    results.get("spikes")
    assert list(tmp_path.iterdir()) == []


def test_synthetic_data_is_said_on_the_page_and_in_the_figure(hook):
    class Page:
        class file:
            src_uri = "en/adam.md"

    results = hook.Results("cpu", use_cache=False)
    fake = {"epochs": [0.5, 1.0], "losses": [0.3, 0.25], "lines": ["loss: 0.250, 0.010 sec/epoch"], "data_source": "synthetic"}
    results._results["adam-scratch"] = fake
    hook._state["results"] = results
    markdown = hook.on_page_markdown("# Adam\n\n<!-- output: adam-scratch -->\n", Page, None, None)
    assert "loss: 0.250, 0.010 sec/epoch" in markdown
    assert "synthetic" in markdown.split("\n", 1)[0].lower(), "the warning opens the page"
    assert "device cpu" in markdown
    svg = hook.render_svg(hook.figures.FIGURES["adam-scratch"], results, "en")
    assert b"synthetic data" in svg


def test_unknown_markers_fail_loudly(hook):
    from mkdocs.exceptions import PluginError

    class Page:
        class file:
            src_uri = "zh/index.md"

    hook._state["results"] = hook.Results("cpu", use_cache=False)
    with pytest.raises(PluginError, match="unknown experiment 'no-such'"):
        hook.on_page_markdown("<!-- output: no-such -->\n", Page, None, None)
    with pytest.raises(PluginError, match="no figure named 'no-such'"):
        hook.on_page_markdown("![x](figures/no-such.svg)\n", Page, None, None)


def test_serve_rebuild_starts_fresh_and_imports_edited_snippets(hook):
    """Under `mkdocs serve`, each top-level rebuild forgets the previous results and imports the
    snippets modules again (an edit to them is what runs); i18n's nested per-language build of
    the same rebuild shares the results."""
    import snippets.runs

    class Config:
        class plugins(dict):
            pass

    config = Config()
    config.plugins = {"i18n": type("I18n", (), {"building": False})()}
    saved = {name: module for name, module in sys.modules.items() if name.split(".")[0] == "snippets"}
    snippets.runs.edited_marker = True
    try:
        hook._state["command"] = "serve"
        hook.on_config(config)
        first = hook._state["results"]
        import snippets.runs as reimported

        assert not hasattr(reimported, "edited_marker"), "the old module object was reused"
        config.plugins["i18n"].building = True  # the nested build of the other language
        hook.on_config(config)
        assert hook._state["results"] is first
        config.plugins["i18n"].building = False  # the next rebuild
        hook.on_config(config)
        assert hook._state["results"] is not first
    finally:
        del snippets.runs.edited_marker
        for name in [n for n in sys.modules if n.split(".")[0] == "snippets"]:
            del sys.modules[name]
        sys.modules.update(saved)
        hook._state.clear()
