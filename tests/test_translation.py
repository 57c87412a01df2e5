"""Each page speaks its own language: every word a Chinese page shows is Chinese, every word an
English page shows is English — the text and the words in attributes a reader meets (titles,
labels, alternative texts, placeholders) — apart from code and its output, math, paper titles
(``<cite>``), passages marked as the other language (``lang="en"`` on a Chinese page: the name of
a data set, say; the 404 page's message in both languages), the language switcher's names of the
languages and the glossary's columns of terms. What a Chinese page may still spell in Latin
letters is listed in :data:`LATIN_IN_CHINESE`: names (of algorithms, software, people, venues),
units and abbreviations; and identifiers (a word with a digit, ``_``, ``.``, ``/`` or ``#``).
The words the Markdown extensions and nbconvert write (hooks/theme/ui_text.py) and the benchmark
table's headings (hooks/runs/benchmark.py) are checked here too, as built."""
import re
from html.parser import HTMLParser

import pytest

from site_pages import LANGUAGES, ROOT, hooks_module

SKIPPED_TAGS = {"code", "pre", "kbd", "samp", "script", "style", "svg", "math", "mjx-container", "cite", "head"}
SKIPPED_CLASSES = {
    "arithmatex",  # math, typeset
    "highlight", "highlight-ipynb", "clipboard-copy-txt",  # code (a notebook cell's, and its copy for the button)
    "jp-OutputArea-output",  # what a notebook cell printed
    "jp-InputPrompt", "jp-OutputPrompt",  # Jupyter's "In [1]:" (the notebook pages' own layout)
    "md-select",  # the language switcher: each language by its own name ("English", "中文")
}
ATTRIBUTES = ("title", "aria-label", "alt", "placeholder")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff01-\uff5e]")
WORD = re.compile(r"[A-Za-z][A-Za-z0-9_.+/#:'-]*[A-Za-z0-9]|[A-Za-z]")
IDENTIFIER = re.compile(r"[0-9_./#:]")  # float32, GPT-2, pytorch_optimizer, d2l.ai, tensorflow/addons#1077
LATIN_IN_CHINESE = {
    # algorithms
    "Adam", "AdamW", "Yogi", "AMSGrad", "AdaGrad", "RMSProp", "RMSprop",
    # software, formats and machines
    "PyTorch", "torch", "torch-yogi", "matplotlib", "Python", "Jupyter", "JupyterLab", "VS", "Code", "Colab",
    "MathJax", "MkDocs", "Material", "Node", "npm", "TensorFlow", "Federated", "TF-Addons", "optax", "Triton",
    "OpenMP", "DTensor", "FSDP", "DDP", "gloo", "Linux", "CDN", "GPU", "CPU", "CUDA", "cpu", "cuda", "C",
    "wheel", "zip", "py", "ipynb", "PDF", "MB", "README", "SHA-1", "NaN", "inf", "GPT-2",
    # people
    "Kingma", "Ba", "Duchi", "Hazan", "Singer", "Tieleman", "Hinton", "Reddi", "Kale", "Kumar", "Zaheer",
    "Sachan", "Loshchilov", "Hutter", "Zhang", "Chen", "Shi", "Sun", "Luo", "Lipton", "Li", "Smola", "Jensen",
    "Cauchy", "Schwarz", "Hessian", "Rosenbrock", "Brooks", "Pope", "Marcolini",
    # venues, organizations, licences, units
    "ICLR", "NeurIPS", "JMLR", "arXiv", "OpenReview", "NASA", "UCI", "DOI", "CC", "BY", "BY-SA", "MIT", "GB", "dB",
}
ZH_PHRASES = ("for 循环",)  # Python's keyword, as Chinese technical writing names the loop


class _Text(HTMLParser):
    """The text and the reader-facing attributes of a page's body, outside :data:`SKIPPED_TAGS`,
    :data:`SKIPPED_CLASSES` and elements marked as another language than ``lang``;
    ``skip_column``: the table column (0-based) left out (the glossary's column of the other
    language's terms)."""

    def __init__(self, lang, skip_column=None):
        super().__init__(convert_charrefs=True)
        self.lang, self.skip_column = lang, skip_column
        self.stack, self.skipping, self.found, self.column = [], 0, [], -1

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr":
            self.column = -1
        if tag in ("td", "th"):
            self.column += 1
        if not self.skipping:
            self.found += [(f"{tag}@{name}", attrs[name]) for name in ATTRIBUTES if attrs.get(name)]
        if tag in VOID:
            return
        skip = (tag in SKIPPED_TAGS or bool(set((attrs.get("class") or "").split()) & SKIPPED_CLASSES)
                or attrs.get("lang", self.lang) != self.lang and tag != "html"
                or tag in ("td", "th") and self.column == self.skip_column)
        self.stack.append((tag, skip))
        self.skipping += skip

    def handle_endtag(self, tag):
        if tag in VOID or tag not in (t for t, _ in self.stack):
            return
        while self.stack:
            open_tag, skip = self.stack.pop()
            self.skipping -= skip
            if open_tag == tag:
                break

    def handle_data(self, data):
        if not self.skipping and data.strip():
            self.found.append((self.stack[-1][0] if self.stack else "", data.strip()))


def shown_text(html: str, lang: str, skip_column=None) -> list[tuple[str, str]]:
    parser = _Text(lang, skip_column)
    parser.feed(html)
    return parser.found


def latin_words(text: str) -> list[str]:
    """The words of Latin letters a Chinese text should not hold."""
    for phrase in ZH_PHRASES:
        text = text.replace(phrase, "")
    return [w for w in WORD.findall(text) if w not in LATIN_IN_CHINESE and len(w) > 1 and not IDENTIFIER.search(w)]


def _pages(site, lang):
    top = site if lang == LANGUAGES[0] else site / lang
    pages = sorted(top.rglob("*.html"))
    return [p for p in pages if (lang != LANGUAGES[0] or p.relative_to(site).parts[0] not in LANGUAGES)
            and "assets" not in p.relative_to(site).parts]


# --- the checker itself ----------------------------------------------------------------------


def test_the_checker_finds_english_in_chinese_and_leaves_out_what_it_should():
    html = ('<html lang="zh"><body><p>用 Adam 训练，loss 变小</p><code>print("done")</code>'
            '<a title="Permanent link" href="#x">¶</a><cite>On the Convergence of Adam</cite>'
            '<span lang="en">airfoil self-noise</span><p>for 循环，float32，d2l.ai，x</p>'
            '<table><tr><td>一阶矩</td><td>first moment</td></tr></table></body></html>')
    found = [w for _, text in shown_text(html, "zh", skip_column=1) for w in latin_words(text)]
    assert found == ["loss", "Permanent", "link"]
    assert [w for _, text in shown_text(html, "zh") for w in latin_words(text)][-2:] == ["first", "moment"]
    assert [t for _, t in shown_text('<body><p lang="zh">中文</p><p>English</p></body>', "en")] == ["English"]


# --- the built site --------------------------------------------------------------------------


def test_every_chinese_page_shows_chinese(built_site):
    problems = []
    for page in _pages(built_site, "zh"):
        glossary = page.parent.name == "glossary"
        for where, text in shown_text(page.read_text(encoding="utf-8"), "zh", skip_column=1 if glossary else None):
            words = latin_words(text)
            if words:
                problems.append(f"{page.relative_to(built_site)} <{where}> {words}: {text[:80]!r}")
    assert problems == [], f"{len(problems)} English strings on Chinese pages:\n" + "\n".join(problems[:40])


def test_every_english_page_shows_english(built_site):
    problems = []
    pages = _pages(built_site, "en")
    assert any(p.parent.name == "adam" for p in pages)
    for page in pages:
        if page.parent.name == "glossary":  # the glossary pairs the terms of both languages
            continue
        for where, text in shown_text(page.read_text(encoding="utf-8"), "en"):
            if CJK.search(text):
                problems.append(f"{page.relative_to(built_site)} <{where}>: {text[:80]!r}")
    assert problems == [], f"{len(problems)} Chinese strings on English pages:\n" + "\n".join(problems[:40])


def test_the_glossary_column_headings_are_in_the_page_language(built_site):
    for lang, headings in (("zh", ["中文", "英文", "释义"]), ("en", ["Chinese", "English", "Definition"])):
        html = (built_site / ("" if lang == "zh" else "en") / "glossary" / "index.html").read_text(encoding="utf-8")
        assert re.findall(r"<th[^>]*>([^<]*)</th>", html)[:3] == headings


# --- the pieces, without a build ----------------------------------------------------------------


def test_the_extensions_words_are_translated_on_chinese_pages_only():
    ui_text = hooks_module("theme.ui_text")
    html = ('<a class="headerlink" href="#a" title="Permanent link">¶</a>'
            '<a class="footnote-backref" href="#fnref:x" title="Jump back to footnote 12 in the text">↩</a>'
            '<clipboard-copy aria-label="Copy to Clipboard" for="cell-1"><span class="notice" hidden="">Copied!</span>'
            '<img alt="No description has been provided for this image" src="x.svg">')
    zh = ui_text.translated(html, "zh")
    assert latin_words(" ".join(t for _, t in shown_text(f"<body>{zh}</body>", "zh"))) == []
    assert 'title="回到正文中脚注 12 的位置"' in zh
    assert ui_text.translated(html, "en") == html


def test_the_benchmark_table_has_headings_in_the_page_language():
    benchmark = hooks_module("runs.benchmark")
    table = ("| parameters | optimizer | ms/step | × torch Adam (fused) | GB/s | threads |\n"
             "|---:|:---|---:|---:|---:|---:|\n"
             "| 6 | torch-yogi Yogi (for-loop) | 0.09 | noisy (0.73–2.6) | 0.002 | 1 |\n"
             "| 6 | torch Adam (fused) | 0.08 | 1 | 0.002 | 1 |")
    zh = benchmark.localized(table, "zh").splitlines()
    assert zh[0] == "| 参数个数 | 优化器 | 毫秒/步 | 与 `torch Adam (fused)` 之比 | GB/s | 线程数 |"
    assert zh[1] == "|---:|:---|---:|---:|---:|---:|"
    assert zh[2] == "| 6 | `torch-yogi Yogi (for-loop)` | 0.09 | 波动大（0.73–2.6） | 0.002 | 1 |"
    en = benchmark.localized(table, "en").splitlines()
    assert en[0] == "| parameters | optimizer | ms/step | × `torch Adam (fused)` | GB/s | threads |"
    assert en[2] == "| 6 | `torch-yogi Yogi (for-loop)` | 0.09 | noisy (0.73–2.6) | 0.002 | 1 |"


def test_a_benchmark_column_with_no_chinese_heading_fails_naming_it():
    from mkdocs.exceptions import PluginError

    benchmark = hooks_module("runs.benchmark")
    with pytest.raises(PluginError, match="column 'cores' with no zh heading"):
        benchmark.localized("| parameters | cores |\n|---:|---:|\n| 6 | 1 |", "zh")
    with pytest.raises(PluginError, match="no words for the language 'fr'"):
        benchmark.localized("| parameters |\n|---:|\n| 6 |", "fr")


def test_each_language_names_its_palette_toggles_in_its_own_words():
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert "Switch to dark mode" in text and "切换到深色模式" in text
    assert "/ Switch" not in text, "a toggle named in both languages at once"
