"""Search previews a reader can trust: formulas in the index as readable text (g₁², not "g12"),
no permalink "¶" in a title, every word of a query that a section holds counted as found (no
"Missing: 偏差" under the heading 偏差校正), matches marked and no mark empty.

hooks/search/page_text.py (the page as the search plugin reads it), hooks/theme/material.py
(Material's search worker, edited: checked here against the worker Material ships), the built
site's two indexes, and the zh site searched in Chromium.
"""
import json
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest

from browser_support import BROWSER_TEST, Visit, type_like_a_person
from site_pages import LANGUAGES, hooks_module, page_url

NODE = shutil.which("node")
# one formula of the Adam chapter's bias correction (zh and en), as the index must hold it
BIAS_FORMULA = "s₁=(1−β₂)g₁²=0.001g₁²"


def _mathml(body):
    return f'<math xmlns="http://www.w3.org/1998/Math/MathML">{body}</math>'


@pytest.mark.parametrize("body,text", [
    # s_1 = (1-\beta_2) g_1^2
    ("<msub><mi>s</mi><mn>1</mn></msub><mo>=</mo><mo stretchy=\"false\">(</mo><mn>1</mn><mo>−</mo>"
     "<msub><mi>β</mi><mn>2</mn></msub><mo stretchy=\"false\">)</mo><mspace width=\"0.167em\"></mspace>"
     "<msubsup><mi>g</mi><mn>1</mn><mn>2</mn></msubsup>", "s₁=(1−β₂)g₁²"),
    # \eta / (\sqrt{\hat s_t} + \epsilon), written as a fraction
    ("<mfrac><mi>η</mi><mrow><msqrt><msub><mover><mi>s</mi><mo>^</mo></mover><mi>t</mi></msub></msqrt>"
     "<mo>+</mo><mi>ϵ</mi></mrow></mfrac>", "η/(√ŝₜ+ϵ)"),
    # \sum_{i=1}^{t} \beta_1^{t-i} g_i
    ("<munderover><mo data-mjx-texclass=\"OP\">∑</mo><mrow><mi>i</mi><mo>=</mo><mn>1</mn></mrow><mi>t</mi>"
     "</munderover><msubsup><mi>β</mi><mn>1</mn><mrow><mi>t</mi><mo>−</mo><mi>i</mi></mrow></msubsup>"
     "<msub><mi>g</mi><mi>i</mi></msub>", "∑ᵢ₌₁ᵗβ₁ᵗ⁻ⁱgᵢ"),
    # what Unicode has no small form of keeps its marks: x_{q}, 10^{-k\varphi}, \mathrm{sign}(x)
    ("<msub><mi>x</mi><mi>q</mi></msub><mo>,</mo><msup><mn>10</mn><mrow><mo>−</mo><mi>k</mi><mi>Q</mi></mrow></msup>"
     "<mo>,</mo><mi>sign</mi><mo>⁡</mo><mo>(</mo><mi>x</mi><mo>)</mo>", "x_q,10^(−kQ),sign(x)"),
    # 0 \le x < 1 with its entities, and a \text{} of Chinese
    ("<mn>0</mn><mo>≤</mo><mi>x</mi><mo>&lt;</mo><mn>1</mn><mtext>（学习率）</mtext>", "0≤x<1（学习率）"),
])
def test_a_formula_reads_as_a_line_of_text(body, text):
    assert hooks_module("search.page_text").readable(_mathml(body)) == text


def test_the_search_plugin_reads_formulas_as_text_and_headings_without_permalinks():
    page_text = hooks_module("search.page_text")
    html = (
        '<h2 id="_1">偏差校正<a class="anchor-link" href="#_1">¶</a></h2>'
        '<h2 id="update">The update<a class="headerlink" href="#update" title="Permanent link">¶</a></h2>'
        '<p>after <span class="arithmatex"><mjx-container class="MathJax" jax="CHTML">'
        '<mjx-assistive-mml unselectable="on" display="inline">'
        + _mathml("<msubsup><mi>g</mi><mn>1</mn><mn>2</mn></msubsup><mo>&lt;</mo><mn>1</mn>")
        + "</mjx-assistive-mml></mjx-container></span> steps</p>"
    )
    out = page_text.searchable(html)
    assert "¶" not in out and "anchor-link" not in out and "headerlink" not in out
    assert '<h2 id="_1">偏差校正</h2>' in out and '<h2 id="update">The update</h2>' in out
    assert "g₁²&lt;1" in out and "<math" not in out  # escaped: the plugin reads it as HTML


# --- Material's search worker, as the site serves it ------------------------------------------


def _materials_worker():
    material = hooks_module("theme.material")
    import material as theme

    (path,) = (Path(theme.__file__).parent / "templates").glob("assets/javascripts/workers/search.*.min.js")
    assert material.WORKER.fullmatch(path.relative_to(Path(theme.__file__).parent / "templates").as_posix())
    return material, path.read_text(encoding="utf-8")


WORKER_RUN = r"""
const fs = require("fs");
const [worker, input] = [process.argv[1], JSON.parse(fs.readFileSync(0, "utf8"))];
const handlers = [], replies = [];
globalThis.self = globalThis;
globalThis.addEventListener = (type, fn) => handlers.push(fn);
globalThis.postMessage = message => replies.push(message);
globalThis.importScripts = () => {};
eval(fs.readFileSync(worker, "utf8"));
const send = data => Promise.all(handlers.map(h => h({ data })));
(async () => {
  await send({ type: 0, data: { config: input.config, docs: input.docs, options: { suggest: false } } });
  await send({ type: 2, data: input.query });
  const items = replies.pop().data.items.flat();
  process.stdout.write(JSON.stringify(items.map(i => ({ location: i.location, title: i.title, text: i.text, terms: i.terms }))));
})();
"""


@pytest.mark.skipif(NODE is None, reason="Node is not installed (bash .ci/setup installs it)")
def test_every_word_of_a_chinese_query_a_section_holds_counts_as_found(tmp_path):
    """Material's worker, as hooks/theme/material.py serves it, run by Node on a two-section
    index: 偏差校正 (cut 偏差 / 校正) finds the section of that title with both words marked
    and neither reported missing; the other section holds 校正 only, and is told so."""
    material, worker = _materials_worker()
    patched = tmp_path / "worker.js"
    patched.write_text(material.patched_worker(worker), encoding="utf-8")
    docs = [
        {"location": "adam/", "title": "Adam", "text": "<p>Adam</p>"},
        {"location": "adam/#bias-correction", "title": "偏差\u200b校正", "text": "<p>偏差\u200b有\u200b多\u200b大</p>"},
        {"location": "adam/#update", "title": "更新", "text": "<p>校正\u200b后\u200b的\u200b估计</p>"},
    ]
    config = {"lang": ["en"], "separator": r"[\s\u200b\-]+", "pipeline": ["stopWordFilter"],
              "fields": {"title": {"boost": 1000.0}, "text": {"boost": 1.0}}}
    # what hooks/search/index.py ships for this text (jieba's frequencies of its words)
    config["segmenter"] = {"total": 60_000_000, "freq": {"偏差": 4000, "校正": 1500, "有": 400000, "多": 200000,
                                                         "大": 300000, "更新": 3000, "后": 100000, "的": 3000000,
                                                         "估计": 9000}, "hmm": {}}
    proc = subprocess.run([NODE, "-e", WORKER_RUN, str(patched)], capture_output=True, text=True, timeout=60,
                          input=json.dumps({"config": config, "docs": docs, "query": "偏差校正"}))
    assert proc.returncode == 0, proc.stderr
    found = {item["location"]: item for item in json.loads(proc.stdout)}
    section = found["adam/#bias-correction"]
    assert section["terms"] == {"偏差": True, "校正": True}, section["terms"]
    assert section["title"] == "<mark>偏差</mark>\u200b<mark>校正</mark>", section["title"]
    assert found["adam/#update"]["terms"] == {"偏差": False, "校正": True}, found["adam/#update"]["terms"]
    for item in found.values():
        assert "<mark></mark>" not in item["title"] + item["text"], item


# --- the built site's indexes -----------------------------------------------------------------


def _index(site, lang):
    folder = "" if lang == LANGUAGES[0] else f"{lang}/"
    return json.loads((site / folder / "search" / "search_index.json").read_text(encoding="utf-8"))


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_index_holds_readable_formulas_and_titles_without_permalinks(built_site, lang):
    docs = _index(built_site, lang)["docs"]
    assert len(docs) > 40
    titles = [doc["title"] for doc in docs if "¶" in doc["title"]]
    assert titles == [], titles
    text = "\n".join(doc["title"] + " " + doc["text"] for doc in docs).replace("\u200b", "")
    section = next(doc for doc in docs if doc["location"].endswith("adam/#bias-correction"))
    assert BIAS_FORMULA in section["text"].replace("\u200b", ""), section["text"][:400]
    # subscripts and superscripts run into their letters: s12 was s₁², vt1 was v̂ₜ₋₁…
    flattened = sorted(set(re.findall(r"(?<![\w./])(?:[gsv][12]{2}|[gsv]t[12]|[gsv]t−1|β[12]t)(?![\w./])", text)))
    assert flattened == [], flattened
    for formula in ("g₁²", "vₜ", "β₂", "√"):
        assert formula in text, f"{formula} is missing from the {lang} index"


# --- in the browser --------------------------------------------------------------------------


def _search(page, query):
    page.click("input.md-search__input")
    type_like_a_person(page, query)
    page.locator(".md-search-result__item").first.wait_for(timeout=15000)
    page.wait_for_timeout(300)  # the results of the whole query, not of a part typed
    page.evaluate("document.querySelectorAll('.md-search-result details').forEach(d => d.open = true)")
    return page.evaluate(
        """() => [...document.querySelectorAll('.md-search-result__link')].map(a => ({
             href: a.href,
             title: (a.querySelector('h1, h2') || {}).textContent || '',
             titleMarks: [...a.querySelectorAll('h1 mark, h2 mark')].map(m => m.textContent),
             marks: [...a.querySelectorAll('mark')].map(m => m.textContent),
             missing: [...a.querySelectorAll('.md-search-result__terms del')].map(d => d.textContent),
             text: a.textContent}))"""
    )


def _browser_test(fn):
    """A browser test among this module's others: browser_support.BROWSER_TEST's marks."""
    for mark in BROWSER_TEST:
        fn = mark(fn)
    return fn


@_browser_test
def test_searching_a_chinese_heading_marks_its_words_and_misses_none(browser, server):
    with Visit(browser, server) as visit:
        page = visit.open(urljoin(server, page_url("index.md", "zh")))
        results = _search(page, "偏差校正")
        section = next(r for r in results if urlsplit(r["href"]).fragment == "bias-correction")
        assert section["title"].replace("\u200b", "") == "偏差校正"
        assert section["titleMarks"] == ["偏差", "校正"], section
        assert section["missing"] == [], f"a word of the heading reported missing: {section['missing']}"
        assert {"偏差", "校正"} <= set(section["marks"]), section["marks"]
        assert parse_qs(urlsplit(section["href"]).query)["h"] == ["偏差 校正"], section["href"]
        for result in results:
            assert "¶" not in result["title"], result["title"]
            assert all(mark.replace("\u200b", "").strip() for mark in result["marks"]), f"an empty mark: {result}"
            assert not re.search(r"[gsv]12|β[12]t", result["text"]), f"flattened math in a preview: {result['text'][:200]}"
        # the page opened from the result marks both words, and no mark is empty
        page.goto(section["href"], wait_until="load")
        page.locator("article mark").first.wait_for(timeout=10000)
        marked = page.eval_on_selector_all("article mark", "ms => ms.map(m => m.textContent)")
        assert {"偏差", "校正"} <= set(marked), set(marked)
        assert all(mark.strip() for mark in marked), "an empty mark on the page"
        assert visit.failures() == [] and visit.console_errors() == [], (visit.failures(), visit.console_errors())
