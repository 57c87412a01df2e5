"""The build, event by event: the one hook mkdocs.yml names. Each event below lists, in the
order they run, the steps of the stages (hooks/<stage>/) it calls and the job of each. Where a
step must come before or after another plugin, its event says so with a priority, here and
nowhere else: mkdocs-static-i18n (i18n) builds the default language first and the others from
its ``on_post_build`` (-100), rebuilding the file list in its ``on_files`` (-100); Material's
search plugin indexes each page in ``on_page_context`` (0, before any hook of the same priority).

on_startup      whether this is `mkdocs build` or `mkdocs serve` (which keeps runs between rebuilds)
on_config       (the build MkDocs began; the nested build i18n runs for each further language
                skips it, but for build/stamp's result, given to each language's config)
  0 build/stamp           the build's date and source version, for the footer (config.extra.build)
  1 build/lock            wait for, or refuse beside, another build of this checkout — before
                          MkDocs empties the site folder
  2 pages/*               under `mkdocs serve`: the page readers, figures and words reloaded
  3 pages/chapters        every page of every language read and parsed, once
  4 runs/page_runs        the chapters' code starts running in a `python -I` outside the
                          repository (kept runs come from .cache/pages under serve)
  5 downloads/package     pip starts building the torch-yogi wheel (at a lower priority: the
                          runs come first)
  6 math/mathjax          Node starts loading MathJax
  7 search/jieba_cache    jieba loads its dictionary from .cache/jieba
on_files        (-150: after i18n rebuilt the file list; each language)
  1 runs/page_runs        the runs' results (awaited once)
  2 runs/benchmark        (a site with a benchmark marker) `python -m tools.benchmark` starts,
                          once the runs are done; the pages render meanwhile
  3 runs/results          the figures of this language, as files
  4 notebooks/pages       the notebooks with this build's outputs, and their scripts, written
                          beside their pages; the notebook pages read from them
  5 theme/material        Material's assets: no maps or unused lunr languages; the palette
                          sheet, the bundle and the search worker edited
  6 downloads/offline     a placeholder for the offline zip, which is written last
on_nav          (-150: after i18n's) pdf/download: the pages of this language's PDF, in order
on_env          theme/image_sizes: the build's files, for the images' sizes
on_page_markdown
  (100: before i18n)      pages/includes: each include line becomes its section's code
  (0)                     runs/results: output markers, figures, the benchmark's command (its
                          table's place held), notes;
                          notebooks/pages, downloads/archive, downloads/package, pdf/download:
                          download links
on_page_content notebooks/pages, notebooks/markup, notebooks/css (notebook pages): download
                links, valid static markup, pruned style sheets; theme/cjk_text: no line breaks
                in Chinese prose; theme/ui_text: the extensions' words in the page's language;
                theme/table_headers; then math/mathjax: the page sent to Node,
                which typesets its formulas while the next pages are read
on_page_context (100: before the search plugin) math/mathjax: the typeset page, awaited;
                runs/results: the benchmark's table, awaited
                and put in its place (theme/table_headers); math/mathjax: the drawn glyphs hidden;
                search/page_text: formulas as readable text, no permalink "¶" in headings;
                (0) theme/language_links: the switcher's links; search/index: the page's index;
                (-100) math/mathjax: the glyphs back
on_template_context  theme/not_found: the 404 page without a language switch; search/index
on_post_template     theme/not_found: the switch back for the other pages
on_post_page    math/mathjax: first fonts preloaded; notebooks/markup: style sheets to the head;
                runs/playground: its script; theme/image_sizes; theme/code_spans
on_post_build
  (100: each language, before i18n builds the next)  theme/not_found, theme/language_links;
                pdf/download: the language's title page noted, and (once) Chromium started
  (-150: once, after i18n built every language)      search/index: one index per language;
                math/mathjax: the formulas' style sheet and fonts; pdf/download: each
                language's PDF printed (beside the next steps); downloads/archive: the code;
                downloads/package: the wheel; runs/playground: the spike stream; pdf/download:
                the PDFs, awaited, and their sizes on the home pages;
                downloads/offline: the whole site as a zip (last); then every page and
                download is checked to be there, and build/lock lets go
on_build_error  the runner, the benchmark, pip and Chromium are ended, the lock let go
on_shutdown     the same, when `mkdocs serve` stops
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

# MkDocs puts this file's folder on sys.path while it loads the hook: the stages are imported
# as hooks.<stage>.<module>, from the checkout's root, and never by their bare names.
HOOKS = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HOOKS]
if str(HOOKS.parent) not in sys.path:
    sys.path.insert(0, str(HOOKS.parent))

from mkdocs.exceptions import PluginError  # noqa: E402
from mkdocs.plugins import CombinedEvent, event_priority, get_plugin_logger  # noqa: E402

from hooks import reload_content  # noqa: E402
from hooks.build import cache, plugins, stamp  # noqa: E402
from hooks.build.lock import BuildBusy, BuildLock, wait_seconds  # noqa: E402
from hooks.downloads import archive, offline, package  # noqa: E402
from hooks.math import mathjax  # noqa: E402
from hooks.notebooks import css, markup  # noqa: E402
from hooks.notebooks import pages as notebook_pages  # noqa: E402
from hooks.pages import chapters, includes  # noqa: E402
from hooks.pdf import download as pdf  # noqa: E402
from hooks.runs import benchmark, page_runs, playground, results  # noqa: E402
from hooks.search import index as search_index  # noqa: E402
from hooks.search import jieba_cache  # noqa: E402
from hooks.theme import cjk_text, code_spans, image_sizes, language_links, material, not_found, table_headers, ui_text  # noqa: E402

log = get_plugin_logger("build")
LOCK = BuildLock(cache.CACHE / "build.lock")
_build: dict = {}  # the state of the build under way (the one MkDocs began and i18n's nested ones)


def on_startup(command, dirty):
    _build["command"] = command
    # MkDocs gives back its own sys.path once it has loaded this file, and the page runs import
    # the project's snippets package later (hooks/runs/page_runs.py): the checkout's root stays on
    # the path, last, for the whole command (`python -m mkdocs` from the root had it by chance, as
    # the current folder; `.venv/bin/mkdocs`, the README's command, did not).
    if str(HOOKS.parent) not in sys.path:
        sys.path.append(str(HOOKS.parent))


def _serving() -> bool:
    return _build.get("command") == "serve"


@event_priority(100)  # before every plugin's: nothing is started, and the site is not emptied, before the lock
def on_config(config):
    # i18n runs a nested build per further language (MkDocs' build() again, from its on_post_build):
    # depth 1 is the build MkDocs began, which does the work of the whole site.
    _build["depth"] = _build.get("depth", 0) + 1
    if _build["depth"] == 1:
        try:
            _build["stamp"] = stamp.describe()
        except ValueError as error:
            raise PluginError(str(error)) from None
    config.extra["build"] = _build["stamp"]  # every language's footer: the build's date and source version
    if _build["depth"] > 1:
        return config
    try:
        LOCK.acquire(f"mkdocs {_build.get('command', 'build')} into {config.site_dir}", wait_seconds(), say=log.info)
    except (BuildBusy, ValueError) as error:
        raise PluginError(str(error)) from None
    if _serving():  # an edit is what runs: the page readers and the snippets imported afresh
        reload_content()
        for name in [m for m in sys.modules if m == "snippets" or m.startswith("snippets.")]:
            del sys.modules[name]
    mathjax.check_config(config)
    notebook_pages.check_config(config)
    try:
        pages = chapters.Pages(config.docs_dir)
    except ValueError as error:
        raise PluginError(str(error)) from None
    markers = {item.kind for items in pages.items.values() for item in items}
    _build.update(
        pages=pages,
        runs=page_runs.PageRuns(pages, os.environ.get(page_runs.ENV_DEVICE, ""), use_cache=_serving(),
                                exports=playground.EXPORTS).start(),
        benchmark=benchmark.Benchmark(use_cache=_serving()) if "benchmark" in markers else None,
        wheel=package.start_build(),
        expected=set(),
        typeset={},
        books={},
    )
    mathjax.start()
    jieba_cache.start()
    return config


@event_priority(-150)  # after i18n (-100) rebuilt the file list of the language being built
def on_files(files, config):
    lang, default = plugins.current_language(config), plugins.default_language(config)
    runs = _build["runs"]
    ran = runs.run()
    if _build["benchmark"] is not None:
        _build["benchmark"].start(runs.device)
    _build["owners"] = results.figure_owners(ran)
    for file in results.figure_files(ran, lang, "" if lang == default else f"{lang}/", config):
        files.append(file)
    files = notebook_pages.notebook_pages(files, config, _build["pages"], ran)
    search = config.plugins.get("material/search") or config.plugins["search"]
    files = material.served_assets(files, config, search.config.lang)
    files = offline.placeholder(files, config)
    _build["expected"].update(file.abs_dest_path for file in files.documentation_pages())
    return files


@event_priority(-150)  # after i18n (-100) made this language's navigation
def on_nav(nav, config, files):
    lang = plugins.current_language(config)
    _build["books"][lang] = [page.url for page in nav.pages if not notebook_pages.is_notebook_page(page)]
    return nav


def on_env(env, config, files):
    image_sizes.remember_files(files)
    return env


def _page_name(page) -> tuple[str, str]:
    lang, rel = page.file.src_uri.split("/", 1)
    return lang, rel.removesuffix(".md")


@event_priority(100)  # before i18n (50) changes any line: the lines are the ones the build read
def _page_code(markdown, page, config, files):
    if notebook_pages.is_notebook_page(page) or not page.file.src_uri.endswith(".md"):
        return markdown
    lang, name = _page_name(page)
    pages = _build["pages"]
    if (lang, name) not in pages.items:
        raise PluginError(f"docs/{page.file.src_uri} is not a page this build read as it started: build again")
    if markdown != pages.markdown[lang, name]:
        raise PluginError(f"docs/{page.file.src_uri} changed while this build ran: build again")
    try:
        return includes.expand(markdown, pages.page(lang, name), pages.section, f"docs/{page.file.src_uri}")
    except ValueError as error:
        raise PluginError(str(error)) from None


def _benchmark_shown():
    """(command, provenance) for a benchmark marker (its table comes later, in _before_search)."""
    if _build["benchmark"] is None:
        return None
    device = _build["runs"].device
    return benchmark.command(device), {"device": device, "torch": _torch_version()}


def _page_results(markdown, page, config, files):
    if notebook_pages.is_notebook_page(page):
        return markdown
    lang, name = _page_name(page)
    markdown = results.show(markdown, page.file.src_uri, lang, name, _build["runs"].results, _build["owners"],
                            _benchmark_shown)
    markdown = notebook_pages.download_box(markdown, page, config)
    markdown = archive.link(markdown, page, config)
    markdown = pdf.link(markdown, page)
    return package.link(markdown, page)


on_page_markdown = CombinedEvent(_page_code, _page_results)


def on_page_content(html, page, config, files):
    if notebook_pages.is_notebook_page(page):
        html = notebook_pages.with_downloads(html, page, config)
        html = markup.static_markup(html, page.toc, page.file.src_uri)
        html = css.prune_styles(html)
    html = cjk_text.join_cjk_lines(html)
    html = ui_text.translated(html, _page_name(page)[0])
    html = table_headers.ordinary_empty_headers(html)
    # Node typesets the page while MkDocs reads the next ones; the result replaces it before the
    # search plugin reads the page (_before_search), which is the first step to read it again.
    _build.setdefault("typeset", {})[id(page)] = mathjax.typeset_later(html, page.file.src_uri)
    return html


def _index_url(context, config):
    """overrides/main.html points search.js at the index of the language being built."""
    context["search_index_url"] = search_index.index_path(plugins.current_language(config),
                                                          plugins.default_language(config))
    return context


@event_priority(100)  # before the search plugin (0) reads the page
def _before_search(context, page, config, nav):
    page.content = _build["typeset"].pop(id(page))()
    if _build["benchmark"] is not None:
        lang = _page_name(page)[0]

        def table():
            return benchmark.localized(_build["benchmark"].table(), lang)  # in the page's language

        page.content = table_headers.ordinary_empty_headers(
            results.with_table(page.content, table, config, page.file.src_uri))
    mathjax.hide_drawn_math(page)
    search_index.for_search(page)  # the formulas' MathML as readable text, no heading's "¶"
    return context


def _page_context(context, page, config, nav):
    language_links.switcher_links(page, config)
    return _index_url(context, config)


@event_priority(-100)  # after the search plugin (0) has indexed the page
def _after_search(context, page, config, nav):
    mathjax.restore_drawn_math(page)
    return context


on_page_context = CombinedEvent(_before_search, _page_context, _after_search)


def on_template_context(context, template_name, config):
    not_found.without_switch(template_name, config)
    return _index_url(context, config)  # 404.html searches too


def on_post_template(output_content, template_name, config):
    not_found.restore_switch(template_name, config)
    return output_content


def on_post_page(output, page, config):
    output = mathjax.preloaded(output)
    if notebook_pages.is_notebook_page(page):
        output = markup.styles_to_head(output, page.file.src_uri)
    output = playground.with_script(output, page)
    output = image_sizes.sized_images(output, page)
    return code_spans.unwrapped(output)


@event_priority(100)  # each language's build, before i18n (-100) starts the next one
def _each_language(config):
    not_found.place(config)
    language_links.write_sitemaps(config)
    lang = plugins.current_language(config)
    _build["books"][lang] = (_build["books"][lang], pdf.cover(config))
    if "printer" not in _build:
        _build["printer"] = pdf.launch()


@event_priority(-150)  # once, after i18n (-100) has built every language and merged the search index
def _whole_site(config):
    _build["depth"] -= 1
    if _build["depth"] > 0:
        return
    site = Path(config.site_dir)
    languages, default = plugins.languages(config), plugins.default_language(config)
    search_index.split_index(site, languages, default)
    mathjax.write_stylesheet(site)
    books = {lang: _build["books"][lang] for lang in languages}
    pdf.print_books(_build["printer"], site, books, default, config.site_url or "")
    archive.write(site)
    wheel = package.finish_build(_build.pop("wheel"), site)
    spikes = _build["pages"].section(playground.SPIKES)
    playground.publish(playground.spike_stream(_build["runs"].results, spikes), site)
    pdfs = pdf.finish(_build.pop("printer"), site, languages)
    for lang in languages:
        pdf.show_size(site, lang, default)
    offline.write(config)  # last: the copy of everything else
    expected = _build["expected"] | {str(site / name) for name in (archive.ARCHIVE, offline.ZIP, mathjax.STYLESHEET)}
    expected |= {str(site / search_index.index_path(lang, default)) for lang in languages}
    expected |= {str(site / ("" if lang == default else lang) / not_found.NOT_FOUND) for lang in languages}
    expected.add(str(wheel))
    expected.update(str(path) for path in pdfs)
    missing = sorted(os.path.relpath(path, site) for path in expected if not os.path.isfile(path))
    if missing:
        raise PluginError(f"the site in {site} is incomplete: {len(missing)} files are missing "
                          f"({', '.join(missing[:5])}); did something else change it while this build ran?")
    _finish()


on_post_build = CombinedEvent(_each_language, _whole_site)


def _finish():
    """The end of a build, however it ended: nothing left running, the lock let go."""
    _build.pop("typeset", None)
    for name in ("runs", "benchmark"):
        step = _build.pop(name, None)
        if step is not None:
            step.stop()
    for name in ("wheel", "printer"):
        child = _build.pop(name, None)
        if child is not None:
            child.close()
    LOCK.release()


def on_build_error(error):
    _build["depth"] = 0  # a failed nested build fails the whole build
    _finish()


def on_shutdown():
    _finish()


def _torch_version() -> str:
    import torch

    return torch.__version__

