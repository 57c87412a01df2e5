"""The chapters in both languages stay in step: per page the same anchors, display equations,
snippet sections, figures and markers; every snippet section shown in each language; each
page's code needs only what the page shows before it; one glossary followed everywhere; Chinese
typography."""
import builtins
import re
import symtable

import pytest

from site_pages import DOCS, LANGUAGES, ROOT, chapters_hook, hook_module, source_pages
from test_snippet_sections import sections, snippet_files

chapters = chapters_hook()

ANCHOR = re.compile(r"^#{1,6} .*\{ *#([a-z0-9-]+) *\}\s*$", re.M)
HEADING = re.compile(r"^(#{1,6}) (.*)$", re.M)
DISPLAY = re.compile(r"^\s*\\\[", re.M)
INCLUDE = re.compile(r'--8<--\s+"([^"]+)"')
FIGURE = re.compile(r"\]\((figures/[a-z0-9-]+\.svg)\)")
MARKER = re.compile(r"^[ \t]*<!-- (?:output|benchmark|downloads|code-download|package-download|pdf-download) -->$", re.M)
CJK = "\u4e00-\u9fff"
GLOSSARY_ROW = re.compile(r"^\| ([^|]+?) \| ([^|]+?) \| ([^|]+?) \|$", re.M)
GLOSSARY_HEADINGS = {"zh": ("中文", "英文", "释义"), "en": ("Chinese", "English", "Definition")}
NEVER_IN_CHINESE = ("亚当", "偏置校正", "偏差修正")


def markdown_pages():
    return [rel for rel in source_pages("zh") if rel.endswith(".md")]


def text(lang, rel):
    return (DOCS / lang / rel).read_text(encoding="utf-8")


def _outside_code(page):
    """The page without fenced code blocks (their content is code, not prose)."""
    return re.sub(r"^(\s*)```.*?^\1```", "", page, flags=re.M | re.S)


@pytest.mark.parametrize("rel", markdown_pages())
def test_page_pair_has_the_same_structure(rel):
    zh, en = text("zh", rel), text("en", rel)
    for name, pattern in (("anchors", ANCHOR), ("snippet includes", INCLUDE), ("figures", FIGURE), ("results", MARKER)):
        assert pattern.findall(zh) == pattern.findall(en), f"{rel}: {name} differ between zh and en"
    assert len(DISPLAY.findall(zh)) == len(DISPLAY.findall(en)), f"{rel}: number of display equations differs"


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("rel", markdown_pages())
def test_every_heading_has_an_explicit_anchor(lang, rel):
    page = _outside_code(text(lang, rel))
    for hashes, heading in HEADING.findall(page):
        assert re.search(r"\{ *#[a-z0-9-]+ *\}\s*$", heading), f"{lang}/{rel}: heading without an anchor: {heading!r}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_snippet_section_is_shown_in_each_language(lang):
    """On a page; the plotting cells of snippets/plots.py in the notebooks, for the figures."""
    shown = {target for rel in markdown_pages() for target in INCLUDE.findall(text(lang, rel))}
    figures = chapters_hook().parse("\n".join(text(lang, rel) for rel in markdown_pages()))
    drawn = {i.value for i in figures if i.kind == "figure"}
    registry = _figures_registry()
    plotting = {"snippets/plots.py:setup"}
    for name in drawn:
        plotting |= {f"snippets/plots.py:{s}" for s in registry[name]} | {f"snippets/plots.py:show-{name}"}
    every = {f"snippets/{path.name}:{name}" for path in snippet_files() for name in sections(path)}
    assert every - shown - plotting == set(), f"{lang}: sections nothing shows: {sorted(every - shown - plotting)}"
    assert shown & plotting == set(), "plotting cells are for notebooks; the pages show figures"


def _figures_registry():
    return hook_module("figures").FIGURES


def free_names(code):
    """(names a piece of code reads from module scope without defining them, names it defines)."""
    table = symtable.symtable(code, "<section>", "exec")
    defined = {s.get_name() for s in table.get_symbols() if s.is_assigned() or s.is_imported()}
    read = set()

    def walk(scope):
        for symbol in scope.get_symbols():
            if symbol.is_referenced() and (symbol.is_global() or scope.get_type() == "module"):
                read.add(symbol.get_name())
        for child in scope.get_children():
            walk(child)

    walk(table)
    return read - defined - set(dir(builtins)) - {"__name__", "__file__"}, defined


def test_the_name_check_catches_a_borrowed_name():
    assert free_names("def f():\n    return helper(1)\n")[0] == {"helper"}
    assert free_names("import torch\nx = torch.zeros(1)\ndef f(a):\n    return a + x\n") == (set(), {"torch", "x", "f"})


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("rel", markdown_pages())
def test_each_code_block_needs_only_what_the_page_shows_before_it(lang, rel):
    """A reader copying a page's code top to bottom has every name when it is needed: each
    block reads only names that it or a block above it on the same page defines."""
    known = set()
    for item in chapters.parse(text(lang, rel)):
        if item.kind != "code":
            continue
        missing, defined = free_names(chapters.section(item.value))
        assert missing - known == set(), f"{lang}/{rel}: {item.value} uses {sorted(missing - known)} before the page defines them"
        known |= defined


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("chapter", [r.removesuffix(".md") for r in markdown_pages() if r not in ("index.md", "glossary.md")])
def test_each_notebook_cell_needs_only_the_cells_before_it(lang, chapter):
    """The same for the notebook built from the page, with its plotting cells."""
    labels = {"fonts": [], **{k: k for k in ("epoch", "loss")}}
    cells = chapters.notebook_cells(chapters.page(lang, chapter), _figures_registry(), labels, {"labels_comment": "x"})
    known = set()
    for cell in cells:
        if cell["cell_type"] == "code":
            missing, defined = free_names(cell["source"])
            assert missing - known == set(), f"{lang}/{chapter}: a cell uses {sorted(missing - known)}:\n{cell['source'][:300]}"
            known |= defined


def test_no_page_shows_an_internal_marker():
    for lang in LANGUAGES:
        for rel in markdown_pages():
            page = text(lang, rel)
            assert "# needs:" not in page and "<!-- output:" not in page and "<!-- markdown:" not in page, f"{lang}/{rel}"


def _glossary_rows(lang):
    """(Chinese term, English term, definition) of each row of the glossary's table; its
    headings are in the page's language."""
    page = text(lang, "glossary.md")
    table = page.split("<!-- glossary:start -->", 1)[1].split("<!-- glossary:end -->", 1)[0]
    rows = GLOSSARY_ROW.findall(table)
    assert rows[0] == GLOSSARY_HEADINGS[lang], f"{lang}/glossary.md: the table's headings are {rows[0]}"
    assert set("".join(rows[1])) <= {"-"}, f"{lang}/glossary.md: the second row is not the table's rule"
    assert len(rows) - 2 == len(table.strip().splitlines()) - 2, f"{lang}/glossary.md: a row of the table is not three cells"
    return rows[2:]


def _glossary(lang):
    return [(zh, en) for zh, en, _ in _glossary_rows(lang)]


def test_one_glossary_in_both_languages():
    assert _glossary("zh") == _glossary("en")
    assert len(_glossary("zh")) >= 15


def test_every_glossary_term_has_a_one_line_definition_in_each_language():
    """The third column: one sentence per term, Chinese on the Chinese page and English (no
    Chinese) on the English one, each ending as a sentence ends."""
    for lang in LANGUAGES:
        for zh, en, definition in _glossary_rows(lang):
            prose = re.sub(r"\\\(.*?\\\)|`[^`]*`", "", definition)
            if lang == "zh":
                assert re.search(f"[{CJK}]", prose) and definition.endswith("。"), f"zh: {zh}: {definition!r}"
            else:
                assert not re.search(f"[{CJK}]", definition) and definition.endswith("."), f"en: {en}: {definition!r}"
            assert definition.count("。") + definition.count(". ") <= 1, f"{lang}: {zh}: more than one sentence"


@pytest.mark.parametrize("rel", markdown_pages())
def test_pages_follow_the_glossary(rel):
    zh, en = text("zh", rel), text("en", rel)
    en = re.sub(r"<cite>.*?</cite>", "", en, flags=re.S)  # a paper's title is its own, in any language
    for wrong in NEVER_IN_CHINESE:
        assert wrong not in _outside_code(zh).split("不使用的译法")[0], f"zh/{rel} uses {wrong!r}"
    for term_zh, term_en in _glossary("zh"):
        if re.search(rf"\b{re.escape(term_en)}", en, re.I):
            assert term_zh in zh, f"en/{rel} says {term_en!r}, so zh/{rel} must use the glossary's {term_zh!r}"


def _chinese_prose(page):
    """Lines of Chinese prose with code, math, links, HTML and markers taken out."""
    page = _outside_code(page)
    page = re.sub(r"\\\[.*?\\\]", "", page, flags=re.S)
    lines = []
    for line in page.splitlines():
        if line.startswith(("<!--", "|", "    ", "--8<--")) or not re.search(f"[{CJK}]", line):
            continue
        line = re.sub(r"`[^`]*`|\\\(.*?\\\)|\{ *#[^}]*\}|\]\([^)]*\)|<[^>]+>", " ", line)
        lines.append(line)
    return lines


@pytest.mark.parametrize("rel", markdown_pages())
def test_chinese_typography(rel):
    problems = []
    for line in _chinese_prose(text("zh", rel)):
        if m := re.search(rf"[{CJK}][,.;:?!](?!\d)", line):
            problems.append(f"half-width punctuation after Chinese: …{m.group(0)}… in {line.strip()[:60]!r}")
        if m := re.search(rf"[{CJK}][A-Za-z0-9]|[A-Za-z0-9][{CJK}]", line):
            problems.append(f"no space between Chinese and Latin: …{m.group(0)}… in {line.strip()[:60]!r}")
    assert problems == [], "\n".join(problems)


def test_adam_is_never_translated_as_a_name():
    for lang in LANGUAGES:
        for rel in source_pages(lang):
            assert "亚当" not in text(lang, rel).replace("“亚当”", ""), f"{lang}/{rel}"
