"""What a page shows of this build's runs:

* ``<!-- output -->`` becomes a block with what the code blocks since the previous marker
  printed (styled as output, no copy button);
* ``![caption](figures/NAME.svg)`` shows a figure drawn from its chapter's namespace
  (hooks/pages/figures.py), one file per colour scheme and language, reproducible SVG;
* ``<!-- benchmark -->`` becomes the benchmark command and its table (hooks/runs/benchmark.py):
  the command at once, the table where :data:`TABLE` holds its place, once it is measured (the
  pages render meanwhile; :func:`with_table` puts it there before the search plugin reads the page);
* a page that shows results ends with a note naming the device, torch version and data, and one
  built on synthetic data starts with a warning.
"""
from __future__ import annotations

import os
import re

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

from hooks.pages import figures, labels

OUTPUT = re.compile(r"^([ \t]*)<!-- output -->[ \t]*$", re.M)
BENCHMARK = re.compile(r"^<!-- benchmark -->[ \t]*$", re.M)
FIGURE_LINK = re.compile(r"\]\(figures/([a-z0-9-]+)\.svg\)")
FIGURE_IMAGE = re.compile(r"!\[([^\]]*)\]\(figures/([a-z0-9-]+)\.svg\)")
TABLE = "ADAM-YOGI-BENCHMARK-TABLE"  # the table's place on the page until it is measured
TABLE_HTML = f"<p>{TABLE}</p>"


def figure_file(name: str, scheme: str) -> str:
    """The file of one figure in one colour scheme: NAME.svg (light), NAME-dark.svg."""
    return f"{name}.svg" if scheme == "light" else f"{name}-{scheme}.svg"


def figure_owners(results: dict) -> dict[str, str]:
    """{figure: the chapter that draws it}; a figure drawn twice is an error."""
    owners = {}
    for page, result in results.items():
        for name in result["figures"]:
            if name in owners:
                raise PluginError(f"figure {name!r} is drawn by both {owners[name]}.md and {page}.md")
            owners[name] = page
    return owners


def figure_files(results: dict, lang: str, prefix: str, config) -> list[File]:
    """The figures of one language, as files of the site (``prefix``: the language's folder)."""
    files = []
    for result in results.values():
        for name, svgs in result["figures"].items():
            for scheme, svg in svgs[lang].items():
                target = f"figures/{figure_file(name, scheme)}"
                file = File.generated(config, f"{lang}/{target}", content=svg.encode("utf-8"))
                file.dest_path = prefix + target
                file.abs_dest_path = os.path.normpath(os.path.join(config.site_dir, file.dest_path))
                file.url = file.dest_path
                files.append(file)
    return files


def _figure_images(markdown: str) -> str:
    """``![alt](figures/NAME.svg)`` becomes one image per colour scheme; Material shows the one
    of the page's scheme (``#only-light``, ``#only-dark``). Both load lazily: the browser then
    fetches neither the other scheme's, which is not displayed, nor one far below the fold."""
    def images(match):
        alt, name = match.groups()
        return "".join(f"![{alt}](figures/{figure_file(name, scheme)}#only-{scheme}){{ loading=lazy }}"
                       for scheme in figures.SCHEMES)

    return FIGURE_IMAGE.sub(images, markdown)


def _output_block(text: str, indent: str, label: str) -> str:
    lines = [f'``` {{ .text .no-copy .output title="{label}" }}', *text.rstrip("\n").split("\n"), "```"]
    return "\n".join(indent + line if line else line for line in lines)


def show(markdown: str, where: str, lang: str, name: str, results: dict, owners: dict, benchmark=None) -> str:
    """The page's markdown with this build's results in place of its markers, and the notes.

    ``results``: {chapter: result} of the runs; ``owners``: {figure: chapter};
    ``benchmark``: None, or what gives ``(command, provenance)`` for a ``<!-- benchmark -->``
    (or None), called only for a page that has one; the table's place is held by :data:`TABLE`."""
    text = labels.TEXT[lang]
    used = []  # the runs whose results this page shows
    if name in results:
        outputs = list(results[name]["outputs"])
        markers = OUTPUT.findall(markdown)
        if len(markers) != len(outputs):
            raise PluginError(f"{where}: {len(markers)} output markers, but the page's code "
                              f"ran with {len(outputs)} (the two languages must show the same blocks)")
        markdown = OUTPUT.sub(lambda m: _output_block(outputs.pop(0), m.group(1), text["output"]), markdown)
        if markers or FIGURE_LINK.search(markdown):
            used.append(results[name])
    elif OUTPUT.search(markdown):
        raise PluginError(f"{where}: output markers on a page whose code is not run")
    for figure in FIGURE_LINK.findall(markdown):
        owner = owners.get(figure)
        if owner is None:
            raise PluginError(f"{where}: no chapter draws figure {figure!r}")
        if results[owner] not in used:
            used.append(results[owner])
    if BENCHMARK.search(markdown):
        shown = benchmark() if benchmark is not None else None
        if shown is None:
            raise PluginError(f"{where}: a benchmark marker, but this build measured no benchmark")
        command, provenance = shown
        block = f'``` {{ .bash .command title="{text["benchmark_command"]}" }}\n{command}\n```'
        markdown = BENCHMARK.sub(lambda m: block + "\n\n" + TABLE, markdown)
        used.append({**provenance, "data_source": None, "benchmark": True})
    markdown = _figure_images(markdown)
    if not used:
        return markdown
    sources = {u["data_source"] for u in used if u.get("data_source")}
    if "synthetic" in sources:
        markdown = f'!!! warning "{text["synthetic_admonition_title"]}"\n    {text["synthetic_admonition"]}\n\n' + markdown
    data_note = text["data_" + ("synthetic" if "synthetic" in sources else "airfoil")] if sources else ""
    first = used[0]
    kind = "provenance_benchmark" if first.get("benchmark") else "provenance"
    note = text[kind].format(device=first["device"], torch=first["torch"]) + data_note
    return markdown.rstrip() + f'\n\n!!! info "{text["provenance_title"]}"\n    {note}\n'


def with_table(html: str, table, config, where: str) -> str:
    """The page's HTML with the benchmark's table (markdown, from ``table()``, awaited only for a
    page that holds its place) where :data:`TABLE` holds it, rendered by the site's own Markdown
    extensions, as the rest of the page was."""
    if TABLE not in html:
        return html
    if html.count(TABLE_HTML) != 1:
        raise PluginError(f"{where}: the benchmark table's place is not a paragraph of its own")
    import markdown

    rendered = markdown.Markdown(extensions=config["markdown_extensions"],
                                 extension_configs=config["mdx_configs"] or {}).convert(table())
    return html.replace(TABLE_HTML, rendered)
