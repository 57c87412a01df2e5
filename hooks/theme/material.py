"""Every edit of Material's assets, in one place: the theme's files the site serves, and only
those. Written for Material 9.8.1 (``MATERIAL_VERSION``); each edit names the exact text it
replaces and fails the build if Material no longer has it, and tests/test_pipeline.py fails on any
other version until these edits are checked against it.

Material ships source maps (about 1 MB) and lunr's stemmers for 30 languages (about 1 MB) with
every site. The site serves neither: its search runs lunr in English mode (Chinese is cut into
words by jieba at build time), so no stemmer is ever loaded, and a reader has no use for maps.
The ``sourceMappingURL`` comments that name the maps go too, so nothing points at a missing file.

One rule of Material's palette style sheet goes too: ``[data-md-color-switching] *, … :before,
… :after {transition-duration: 0s}``. Material sets that attribute on ``<body>`` as its bundle
starts (it applies the palette, even the one already applied) and removes it a moment later; with
the rule in the style sheet, each time the browser restyles every element and its ``::before``
and ``::after`` — on a chapter page of 11,800 elements the largest piece of the work that blocks
a phone as the page starts. Without it, switching the palette by hand lets the few colours that
Material animates fade (0.25 s) instead of jumping.

And Material's bundle is changed in two places, for the same reason: as it starts, it appended a
``<meta name="color-scheme">`` to the head and then set its content, and each of the two made
the browser restyle every element. It now keeps the one the page's head already holds
(overrides/main.html, which gives it the page's scheme before the content) and writes it only
when the scheme changes, as it does when the reader switches the palette.

And Material's search worker cuts Chinese queries as jieba cut the index. The worker splits each
run of Chinese characters in a query into pieces found in the index, but never tries the run
whole (its loop stops one character short), so 动量 is searched as 动 and highlights 动机. The
worker is served at its usual address with that one call replaced: hooks/search/segment.js, put
in front of it, cuts the run with jieba's dictionary route over the dictionary that
hooks/search/index.py ships in the index's config.

The same call joined the words with "* ", and the worker then adds "*" to every term (a
trailing wildcard): each word but the last became "偏差**", whose query term "偏差*" no word
of the index starts with, so a section titled 偏差校正 was shown with "Missing: 偏差" (and the
link to it highlighted 校正 alone). The words are now joined with a space: every one gets the
worker's single "*", and counts as found where it is.
"""
from __future__ import annotations

import posixpath
import re

from pathlib import Path

from mkdocs.exceptions import PluginError

MATERIAL_VERSION = "9.8.1"  # the Material these edits were written for (requirements.txt pins it)

MAP_COMMENT = re.compile(r"\n?(?://# sourceMappingURL=\S+\.map|/\*# sourceMappingURL=\S+\.map \*/)\s*$")
LUNR = "assets/javascripts/lunr/"
PALETTE = re.compile(r"assets/stylesheets/palette\.[0-9a-f]+\.min\.css")
SWITCHING = ("[data-md-color-switching] *,[data-md-color-switching] :after,"
             "[data-md-color-switching] :before{transition-duration:0s!important}")
BUNDLE = re.compile(r"assets/javascripts/bundle\.[0-9a-f]+\.min\.js")
# Material's code (minified, this version's) → the same, keeping the page's colour-scheme meta
BUNDLE_EDITS = {
    'let o=x("meta",{name:"color-scheme"});document.head.appendChild(o);':
        "let o=document.querySelector('meta[name=\"color-scheme\"]')"
        '||document.head.appendChild(x("meta",{name:"color-scheme"}));',
    "return o.content=a.colorScheme,": "return o.content!==a.colorScheme&&(o.content=a.colorScheme),",
}
WORKER = re.compile(r"assets/javascripts/workers/search\.[0-9a-f]+\.min\.js")
SEGMENT_CALL = re.compile(r"\[\.\.\.[\w$]+\(([\w$]+),this\.index\.invertedIndex\)\]\.join\(\"\* \"\)")
SEGMENTER = Path(__file__).resolve().parents[1] / "search" / "segment.js"
PRELUDE = """
// hooks/theme/material.py: the index's dictionary arrives with Material's setup message (type 0).
var adamYogiDictionary = null;
addEventListener("message", function (event) {
  if (event.data && event.data.type === 0) adamYogiDictionary = event.data.data.config.segmenter || null;
});
function adamYogiCut(run) {
  return adamYogiDictionary ? adamYogiSegment(run, adamYogiDictionary) : [run];
}
"""


def needed_lunr_files(langs: list[str]) -> set[str]:
    """The lunr files Material's search worker loads for these search languages."""
    others = [lang for lang in langs if lang != "en"]
    if not others:
        return set()
    needed = {"min/lunr.stemmer.support.min.js", *(f"min/lunr.{lang}.min.js" for lang in others)}
    if len(langs) > 1:
        needed.add("min/lunr.multi.min.js")
    if "ja" in others or "jp" in others:
        needed.add("tinyseg.js")
    if "th" in others:
        needed.add("wordcut.js")
    return {LUNR + name for name in needed}


def served_assets(files, config, search_langs: list[str]):
    """The theme's files as the site serves them: no source maps, no unused lunr languages (for
    the search languages ``search_langs``), the palette sheet, the bundle and the search worker
    edited. (Run after mkdocs-static-i18n has rebuilt the file list.)"""
    keep_lunr = needed_lunr_files(search_langs)
    workers = 0
    for file in list(files):
        uri = file.src_uri
        if uri.endswith(".map") or (uri.startswith(LUNR) and uri not in keep_lunr):
            files.remove(file)
            continue
        if posixpath.splitext(uri)[1] in (".js", ".css") and file.abs_src_path and "sourceMappingURL" in file.content_string:
            file.content_string = MAP_COMMENT.sub("\n", file.content_string)
        if PALETTE.fullmatch(uri):
            file.content_string = without_switching_rule(file.content_string, uri)
        if BUNDLE.fullmatch(uri):
            file.content_string = edited_bundle(file.content_string, uri)
        if WORKER.fullmatch(uri):
            file.content_string = patched_worker(file.content_string)
            workers += 1
    if workers != 1:
        raise PluginError(f"expected one Material search worker among the theme's files, found {workers}")
    return files


def edited_bundle(js: str, where: str) -> str:
    for old, new in BUNDLE_EDITS.items():
        if js.count(old) != 1:
            raise PluginError(f"{where}: Material's bundle holds {js.count(old)} copies of {old!r}, not one; "
                              "hooks/theme/material.py must learn this version's code")
        js = js.replace(old, new)
    return js


def without_switching_rule(css: str, where: str) -> str:
    if SWITCHING not in css:
        raise PluginError(f"{where}: Material's palette style sheet no longer holds {SWITCHING!r}; "
                          "hooks/theme/material.py must learn this version's rule")
    return css.replace(SWITCHING, "")


def patched_worker(worker: str) -> str:
    """Material's worker with its Chinese segmentation replaced by jieba's cut."""
    patched, count = SEGMENT_CALL.subn(r'[...adamYogiCut(\1)].join(" ")', worker)
    if count != 1:
        raise PluginError(
            f"Material's search worker has {count} calls of its Chinese segmentation where "
            "hooks/theme/material.py expects exactly one; update SEGMENT_CALL for this Material"
        )
    return SEGMENTER.read_text(encoding="utf-8") + PRELUDE + patched
