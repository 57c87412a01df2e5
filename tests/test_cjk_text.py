"""hooks/theme/cjk_text.py: a line break in Chinese prose is not shown as a space.

The unit tests pin the rule; the site test reads every built Chinese page, notebooks included,
with its own parser and finds no line break left between two Chinese characters."""
import re
from html.parser import HTMLParser

import pytest

from site_pages import built_html, hooks_module, source_pages

join_cjk_lines = hooks_module("theme.cjk_text").join_cjk_lines

HAN = "\u3400-\u4dbf\u4e00-\u9fff"
FULL_WIDTH = "\u3000-\u303f\uff00-\uffef"


@pytest.mark.parametrize(
    "html, expected",
    [
        ("<p>每一步\n缩小</p>", "<p>每一步缩小</p>"),  # two ideographs
        ("<p>每一步\n    缩小</p>", "<p>每一步缩小</p>"),  # indented continuation line
        ("<p>拉近。\n偏离</p>", "<p>拉近。偏离</p>"),  # full-width punctuation before
        ("<p>它停在\n（上方）</p>", "<p>它停在（上方）</p>"),  # and after
        ("<p>所以，\n<code>s</code> 变小</p>", "<p>所以，<code>s</code> 变小</p>"),
        ('<p><span class="arithmatex">\\(x\\)</span>\n。</p>', '<p><span class="arithmatex">\\(x\\)</span>。</p>'),
        ('<p>见\n<a href="a.md">反例</a>一节</p>', '<p>见<a href="a.md">反例</a>一节</p>'),  # across a tag
        ("<p><strong>大</strong>\n<em>小</em></p>", "<p><strong>大</strong><em>小</em></p>"),
    ],
)
def test_a_line_break_between_chinese_characters_goes(html, expected):
    assert join_cjk_lines(html) == expected


@pytest.mark.parametrize(
    "html",
    [
        "<p>Adam\n的二阶矩</p>",  # Chinese next to Latin: the break is the space the rule asks for
        "<p>二阶矩\nAdam</p>",
        "<p>用\n<code>torch</code></p>",  # next to code
        '<p>朝\n<span class="arithmatex">\\(g_t^2\\)</span></p>',  # next to a formula
        "<p>step\nsize</p>",  # English prose
        "<pre><code>中\n文</code></pre>",  # code is verbatim
        "<p><code>中\n文</code></p>",
        '<div class="arithmatex">\\[\\text{其他}\n\\text{情形}\\]</div>',  # math is verbatim
        '<span class="arithmatex">\\(a\n\\)</span>',
        "<script>var s = '中\n文';</script>",
        "<style>/* 中\n文 */</style>",
        '<p title="中\n文">x</p>',  # attributes are never touched
    ],
)
def test_everything_else_is_left_as_it_is(html):
    assert join_cjk_lines(html) == html


def test_the_page_comes_back_whole():
    html = "<p>a &lt; b，\n中</p><pre>x &lt; y\n中\n</pre><!-- 中\n文 --><p>末\n尾</p>"
    out = join_cjk_lines(html)
    assert out == "<p>a &lt; b，中</p><pre>x &lt; y\n中\n</pre><!-- 中\n文 --><p>末尾</p>"


# --- the built site --------------------------------------------------------------------------


class _Prose(HTMLParser):
    """The visible text of the page's article, one string per block; code and math are one
    "X" each (Latin, as far as spacing goes), and nothing else is read."""

    SKIP = {"script", "style", "svg", "pre", "nav"}
    OPAQUE = {"code", "kbd", "samp"}
    BLOCKS = {"p", "li", "dd", "dt", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "summary",
              "figcaption", "blockquote", "div", "details", "table", "ul", "ol", "article"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks, self.current, self.stack, self.hidden = [], [], [], 0
        self.in_article = 0

    def _flush(self):
        if self.current:
            self.blocks.append("".join(self.current))
        self.current = []

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if tag == "article":
            self.in_article += 1
        if tag in ("br", "img", "hr", "input", "wbr", "meta", "link", "source"):
            return
        hidden = tag in self.SKIP or tag in self.OPAQUE or "arithmatex" in classes
        self.stack.append((tag, hidden))
        if hidden:
            if not self.hidden and tag not in self.SKIP:
                self.current.append("X")
            self.hidden += 1
        elif tag in self.BLOCKS:
            self._flush()

    def handle_endtag(self, tag):
        if tag == "article":
            self.in_article -= 1
        while self.stack:
            name, hidden = self.stack.pop()
            if hidden:
                self.hidden -= 1
            if name == tag:
                break
        if tag in self.BLOCKS:
            self._flush()

    def handle_data(self, data):
        if self.in_article and not self.hidden:
            self.current.append(data)


def _prose_blocks(html):
    parser = _Prose()
    parser.feed(html)
    parser._flush()
    return parser.blocks


# a newline between two ideographs, or next to full-width punctuation
SPACED_BREAK = re.compile(rf"[{HAN}]\s*\n\s*[{HAN}]|[{FULL_WIDTH}]\s*\n\s*\S|\S\s*\n\s*[{FULL_WIDTH}]")


@pytest.mark.slow
@pytest.mark.parametrize("rel", source_pages("zh"))
def test_no_chinese_line_break_is_shown_as_a_space(built_site, rel):
    html = built_html(built_site, rel, "zh").read_text(encoding="utf-8")
    blocks = _prose_blocks(html)
    chinese = sum(len(re.findall(f"[{HAN}]", block)) for block in blocks)
    assert chinese > 50, f"zh/{rel}: found only {chinese} Chinese characters in the article"
    found = [m.group(0) for block in blocks for m in SPACED_BREAK.finditer(block)]
    assert found == [], f"zh/{rel}: {len(found)} line breaks shown as spaces, e.g. {found[:5]}"
