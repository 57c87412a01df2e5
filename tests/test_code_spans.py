"""hooks/theme/code_spans.py: code blocks lose the token spans that have no colour of their own, and
nothing a reader sees or copies changes."""
import html
import re
from pathlib import Path

import material
import pytest

from site_pages import LANGUAGES, ROOT, built_html, hooks_module, source_pages

TAG = re.compile(r"<[^>]+>")


def _hook():
    return hooks_module("theme.code_spans")


def _text(fragment):
    return html.unescape(TAG.sub("", fragment))


def test_name_and_whitespace_spans_go_and_the_text_stays():
    hook = _hook()
    block = ('<div class="highlight"><pre><span></span><code><span class="n">x</span><span class="w"> </span>'
             '<span class="o">=</span> <span class="n">torch</span><span class="o">.</span><span class="n">zeros</span>'
             '<span class="p">(</span><span class="mi">3</span><span class="p">)</span>  <span class="c1"># &lt;0&gt;</span>'
             '</code></pre></div>')
    cell = block.replace('<div class="highlight"><pre>', '<div class="highlight-ipynb hl-python"><pre data-search-exclude="">')
    prose = '<p><span class="n">kept</span> outside code</p>'
    out = hook.unwrapped(prose + block + cell)
    assert out.startswith(prose), "only code blocks change"
    assert 'class="n"' not in out.removeprefix(prose) and 'class="w"' not in out
    assert out.count('class="o"') == 4 and out.count('class="c1"') == 2 and out.count('class="mi"') == 2
    assert _text(out) == _text(prose + block + cell) and "x = torch.zeros(3)  # <0>" in _text(out)


def test_inline_code_breaks_at_its_spaces_only_and_its_text_stays():
    """Each word of inline code is one unbreakable span (the browser broke `--` ⏎ `allow-synthetic`);
    a code block, which opens with <pre><span></span><code>, is left alone."""
    hook = _hook()
    prose = '<p>Run <code>python -m snippets.train --allow-synthetic</code>, or <code>a &lt;b&gt;</code>.</p>'
    block = '<pre><span></span><code>x-y = 1</code></pre>'
    out = hook.unwrapped(prose + block)
    assert out.endswith(block)
    assert re.findall(r'<span class="nobr">([^<]*)</span>', out) == [
        "python", "-m", "snippets.train", "--allow-synthetic", "a", "&lt;b&gt;"]
    assert _text(out) == _text(prose + block)
    css = (ROOT / "docs" / "assets" / "stylesheets" / "extra.css").read_text(encoding="utf-8")
    assert re.search(r"\.md-typeset code \.nobr \{ white-space: nowrap; \}", css)


def test_material_colours_a_name_as_the_codes_own_text():
    """What makes the unwrapping invisible: Material gives .n the code's text colour in both
    schemes, and none of the site's style sheets gives .n or .w a colour."""
    sheets = Path(material.__file__).parent / "templates" / "assets" / "stylesheets"
    theme = "".join(p.read_text(encoding="utf-8") for p in sheets.glob("*.min.css"))
    assert set(re.findall(r"--md-code-hl-name-color:([^;}]*)", theme)) == {"var(--md-code-fg-color)"}
    ours = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "docs").rglob("*.css"))
    assert not re.search(r"\.[nw]\b(?![-\w])|--md-code-hl-name-color", ours)


@pytest.mark.slow
def test_built_code_blocks_have_no_name_spans_and_notebook_css_no_name_rule(built_site):
    for lang in LANGUAGES:
        for rel in source_pages(lang):
            page = built_html(built_site, rel, lang).read_text(encoding="utf-8")
            for block in re.findall(r'<div class="highlight[^"]*"><pre\b.*?</pre>', page, re.S):
                assert '<span class="n">' not in block and '<span class="w">' not in block, rel
            assert not re.search(r"\.highlight-ipynb \.n\b(?!-)", page), f"{lang}/{rel}: a colour for names"
