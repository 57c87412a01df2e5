"""The chapters in both languages stay in step: per page the same anchors, display equations,
snippet sections, figures and results; every snippet section shown in each language; one glossary
followed everywhere; Chinese typography."""
import re

import pytest

from site_pages import DOCS, LANGUAGES, ROOT, source_pages
from test_snippet_sections import needs, sections, snippet_files

ANCHOR = re.compile(r"^#{1,6} .*\{ *#([a-z0-9-]+) *\}\s*$", re.M)
HEADING = re.compile(r"^(#{1,6}) (.*)$", re.M)
DISPLAY = re.compile(r"^\s*\\\[", re.M)
INCLUDE = re.compile(r'--8<--\s+"([^"]+)"')
FIGURE = re.compile(r"\]\((figures/[a-z0-9-]+\.svg)\)")
MARKER = re.compile(r"^<!-- (?:output|markdown): [a-z0-9-]+ -->$", re.M)
CJK = "\u4e00-\u9fff"
GLOSSARY_ROW = re.compile(r"^\| ([^|]+?) \| ([^|]+?) \|$", re.M)
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
    shown = {target for rel in markdown_pages() for target in INCLUDE.findall(text(lang, rel))}
    every = {f"snippets/{path.name}:{name}" for path in snippet_files() for name in sections(path)}
    assert every - shown == set(), f"{lang}: sections no page includes: {sorted(every - shown)}"


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("rel", markdown_pages())
def test_a_section_comes_after_the_sections_it_needs(lang, rel):
    """A reader copying a page's code top to bottom has every name: a section that says
    `# needs: X` is shown after section X of the same file, on the same page."""
    shown = []
    for target in INCLUDE.findall(text(lang, rel)):
        path, _, name = target.partition(":")
        code = sections(ROOT / path)[name]
        for needed in needs(ROOT / path, name, code):
            assert f"{path}:{needed}" in shown, f"{lang}/{rel} shows {target} before (or without) {path}:{needed}"
        shown.append(target)


def _glossary(lang):
    page = text(lang, "glossary.md")
    table = page.split("<!-- glossary:start -->", 1)[1].split("<!-- glossary:end -->", 1)[0]
    rows = GLOSSARY_ROW.findall(table)
    return [(zh.strip(), en.strip()) for zh, en in rows[2:] if not zh.startswith("-")] if rows[0] == ("中文", "English") else rows


def test_one_glossary_in_both_languages():
    assert _glossary("zh") == _glossary("en")
    assert len(_glossary("zh")) >= 15


@pytest.mark.parametrize("rel", markdown_pages())
def test_pages_follow_the_glossary(rel):
    zh, en = text("zh", rel), text("en", rel)
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
