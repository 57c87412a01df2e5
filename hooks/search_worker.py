"""MkDocs hook: Material's search worker, cutting Chinese queries as jieba cut the index.

Material's worker splits each run of Chinese characters in a query into pieces found in the
index, but never tries the run whole (its loop stops one character short), so 动量 is searched as
动 and highlights 动机. This hook serves the worker at its usual address with that one call
replaced: hooks/search_segment.js, put in front of it, cuts the run with jieba's dictionary route
over the dictionary that hooks/search_index.py ships in the index's config. The patch names the
exact expression it replaces and fails the build if a new Material no longer has it.
"""
from __future__ import annotations

import re
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority

WORKER = re.compile(r"assets/javascripts/workers/search\.[0-9a-f]+\.min\.js")
SEGMENT_CALL = re.compile(r"\[\.\.\.[\w$]+\(([\w$]+),this\.index\.invertedIndex\)\]")
SEGMENTER = Path(__file__).with_name("search_segment.js")

PRELUDE = """
// hooks/search_worker.py: the index's dictionary arrives with Material's setup message (type 0).
var adamYogiDictionary = null;
addEventListener("message", function (event) {
  if (event.data && event.data.type === 0) adamYogiDictionary = event.data.data.config.segmenter || null;
});
function adamYogiCut(run) {
  return adamYogiDictionary ? adamYogiSegment(run, adamYogiDictionary) : [run];
}
"""


def patch(worker: str) -> str:
    """Material's worker with its Chinese segmentation replaced by jieba's cut."""
    patched, count = SEGMENT_CALL.subn(r"[...adamYogiCut(\1)]", worker)
    if count != 1:
        raise PluginError(
            f"Material's search worker has {count} calls of its Chinese segmentation where "
            "hooks/search_worker.py expects exactly one; update SEGMENT_CALL for this Material"
        )
    return SEGMENTER.read_text(encoding="utf-8") + PRELUDE + patched


@event_priority(-145)  # after hooks/theme_assets.py (-140) dropped the map comment
def on_files(files, config):
    workers = [file for file in files if WORKER.fullmatch(file.src_uri)]
    if len(workers) != 1:
        raise PluginError(f"expected one Material search worker among the theme's files, found {len(workers)}")
    workers[0].content_string = patch(workers[0].content_string)
    return files
