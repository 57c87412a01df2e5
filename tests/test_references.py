"""References, citation and licences around the text: every chapter ends with its references,
each entry with an id (``ref-<author><year>``) and a link to the paper where it is published
(DOI, arXiv, OpenReview, the proceedings or the journal; the lecture slides for RMSProp), cited
in the chapter's text by a link to that entry; both languages cite the same works in the same
order; the home pages give a BibTeX entry for the site; every page's footer states the licences
of text and code, the build's day and its source version; and both licence files travel in the
offline copy (tests/test_archive.py checks the code archive)."""
import re
import subprocess
import zipfile
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import pytest

from site_pages import DOCS, LANGUAGES, ROOT, built_html, chapters_hook

CHAPTERS = chapters_hook().chapter_names()
# Where a work is published: a DOI, arXiv, OpenReview, a proceedings or journal site, the book's
# own site, the slides of a lecture that was never published otherwise.
SCHOLARLY_HOSTS = {"doi.org", "arxiv.org", "openreview.net", "proceedings.neurips.cc", "jmlr.org", "d2l.ai",
                   "zh.d2l.ai", "www.cs.toronto.edu"}
HEADINGS = {"zh": "参考文献", "en": "References"}
REF_ID = re.compile(r"ref-[a-z][a-z0-9]*\d{4}")  # ref-kingma2015, ref-d2l2023


def _references_markdown(lang, chapter):
    page = (DOCS / lang / f"{chapter}.md").read_text(encoding="utf-8")
    heading = f"## {HEADINGS[lang]} {{ #references }}"
    assert page.count(heading) == 1, f"{lang}/{chapter}.md has no references heading {heading!r}"
    text, references = page.split(heading)
    return text, references


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_chapter_ends_with_its_references_in_both_languages_alike(chapter):
    ids = {}
    for lang in LANGUAGES:
        text, references = _references_markdown(lang, chapter)
        assert not re.search(r"^#{1,6} ", references, re.M), f"{lang}/{chapter}.md: a section follows the references"
        ids[lang] = re.findall(r"^   \{ #(ref-[a-z0-9-]+) \}$", references, re.M)
        items = re.findall(r"^1\. ", references, re.M)
        assert ids[lang] and len(items) == len(ids[lang]), f"{lang}/{chapter}.md: an entry without its id"
        assert all(REF_ID.fullmatch(i) for i in ids[lang]), ids[lang]
    assert ids["zh"] == ids["en"], f"{chapter}: the two languages cite different works"


def _section(html, start, end="</ol>"):
    return html[html.index(start):html.index(end, html.index(start))]


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_reference_is_linked_and_cited_in_the_text(built_site, lang, chapter):
    html = built_html(built_site, f"{chapter}.md", lang).read_text(encoding="utf-8")
    heading = f'<h2 id="references">{HEADINGS[lang]}'
    assert heading in html, f"{lang}/{chapter}: no references section"
    article = html[:html.index("</article>")]
    text, references = article.split(heading)
    assert "<h2" not in references, f"{lang}/{chapter}: a section follows the references"
    entries = re.findall(r'<li id="(ref-[a-z0-9]+)">(.*?)</li>', references, re.S)
    assert entries, f"{lang}/{chapter}: the references list no entry with an id"
    for ref, entry in entries:
        hosts = {urlsplit(url).hostname for url in re.findall(r'<a href="(https://[^"]+)"', entry)}
        assert hosts & SCHOLARLY_HOSTS, f"{lang}/{chapter}: {ref} links no place the work is published ({hosts})"
        assert "<cite>" in entry, f"{lang}/{chapter}: {ref} names no title"
        assert f'href="#{ref}"' in text, f"{lang}/{chapter}: {ref} is never cited in the text"
    cited = set(re.findall(r'href="#(ref-[a-z0-9]+)"', html))
    assert cited <= {ref for ref, _ in entries}, f"{lang}/{chapter}: cites what it does not list: {cited}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_home_page_gives_a_bibtex_entry_for_the_site(lang):
    page = (DOCS / lang / "index.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^``` \{ \.bibtex \.citation \}\n(.*?)^```", page, re.S | re.M)
    assert len(blocks) == 1, f"{lang}/index.md: one BibTeX entry"
    entry = blocks[0]
    assert re.match(r"@misc\{adam-yogi-2026,\n", entry)
    fields = dict(re.findall(r"^  (\w+) *= \{(.*)\},$", entry, re.M))
    assert set(fields) == {"title", "year", "note"} and fields["year"] == "2026"
    assert entry.count("{") == entry.count("}") and entry.rstrip().endswith("}")


def test_the_pdf_marker_follows_the_offline_copy_on_both_home_pages():
    chapters = chapters_hook()
    for lang in LANGUAGES:
        page = (DOCS / lang / "index.md").read_text(encoding="utf-8")
        assert "{ .offline-download }\n\n<!-- pdf-download -->\n" in page
        assert [i.kind for i in chapters.parse(page)].count("pdf-download") == 1


def _expected_version():
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short=7", "HEAD"], capture_output=True, text=True)
    if head.returncode != 0:
        return None, False
    status = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                            capture_output=True, text=True).stdout
    return head.stdout.strip(), bool(status.strip())


FOOTER_WORDS = {"zh": ("构建于", "源码版本", "（含未提交的修改）", "未知", "CC BY-SA 4.0", "MIT 许可证"),
                "en": ("Built", "source version", " (uncommitted changes)", "unknown", "CC BY-SA 4.0", "MIT licence")}


def test_every_page_footer_states_the_licences_the_build_day_and_the_source_version(built_site):
    commit, dirty = _expected_version()
    today = datetime.now(timezone.utc).date()
    days = {(today - timedelta(days=n)).isoformat() for n in (0, 1)}  # a build just before midnight
    pages = [p for p in built_site.rglob("*.html") if "assets" not in p.relative_to(built_site).parts]
    assert len(pages) >= 20
    for page in pages:
        html = page.read_text(encoding="utf-8")
        lang = re.search(r'<html lang="(\w+)"', html).group(1)
        built, version, uncommitted, unknown, cc, mit = FOOTER_WORDS[lang]
        footer = re.sub(r"\s+", " ", _section(html, '<div class="md-copyright">', "</footer>"))
        footer = re.sub(r'<span class="nobr">([^<]*)</span>', r"\1", footer)  # inline code's unbreakable words
        where = page.relative_to(built_site)
        assert 'href="https://creativecommons.org/licenses/by-sa/4.0/"' in footer and cc in footer, where
        assert 'href="https://opensource.org/licenses/MIT"' in footer and mit in footer, where
        day = re.search(rf'{built} <time datetime="(\d{{4}}-\d{{2}}-\d{{2}})">\1</time>', footer)
        assert day and day.group(1) in days, f"{where}: no build day of this build in {footer[:300]!r}"
        shown = f"{version} <code>{commit}</code>{uncommitted if dirty else ''} </div>" if commit else f"{version} {unknown}"
        assert shown in footer, f"{where}: expected {shown!r} in {footer!r}"


def test_the_offline_copy_carries_both_licences(built_site):
    with zipfile.ZipFile(built_site / "assets" / "adam-yogi-offline.zip") as archive:
        for name in ("LICENSE", "LICENSE-docs"):
            assert archive.read(f"adam-yogi/{name}") == (ROOT / name).read_bytes()


GENERIC_LINK_TEXT = {"here", "click here", "link", "more", "read more", "learn more", "this", "这里", "此处", "点击这里", "链接"}


def test_no_link_says_only_here(built_site):
    """A link's text says where it goes (Lighthouse's link-text audit; a screen reader's list of
    links): the notebooks' 'The chapter's text is [here]' was one."""
    found = []
    for page in built_site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        for inner in re.findall(r"<a\b[^>]*>(.*?)</a>", html, re.S):
            if re.sub(r"<[^>]+>", "", inner).strip().lower() in GENERIC_LINK_TEXT:
                found.append(f"{page.relative_to(built_site)}: {inner.strip()}")
    assert found == []
