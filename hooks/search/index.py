"""One search index per language, with the words its Chinese queries are cut into.

Material's search plugin, run under mkdocs-static-i18n, writes a single search/search_index.json
that holds every language. This hook splits it at the end of the build: search/search_index.json
keeps the default language, ``<lang>/search/search_index.json`` each other one, and a page
searches its own (docs/assets/javascripts/search.js points Material's request there, and only
once the reader opens search).

The index's Chinese text was cut into words by jieba (Material inserts a zero-width space between
them). For the browser to cut a query the same way, each index carries, in its ``config``, what
jieba's cut needs for the text of this index: the dictionary words inside it with their
frequencies, jieba's total, and the HMM's re-cuts of the stretches of single characters
(hooks/search/segment.js runs the cut; on the index's own text it gives jieba's words exactly;
hooks/search/jieba_cache.py says where jieba's dictionary comes from).
"""
from __future__ import annotations

import functools
import json
import re
from pathlib import Path

import jieba
from mkdocs.exceptions import PluginError

from hooks.build.files import write_atomic
# the pipeline's step just before the search plugin reads a page (hooks/search/page_text.py)
from hooks.search.page_text import for_search  # noqa: F401

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
INDEX = "search/search_index.json"


def language_of(location: str, others: list[str]) -> str | None:
    """The non-default language an index entry belongs to (None: the default language)."""
    return next((lang for lang in others if location.startswith(f"{lang}/")), None)


def _hmm_table(run: str) -> dict:
    """How jieba's HMM re-cuts the runs of single characters its dictionary cut leaves in ``run``.

    jieba cuts with its dictionary first; a stretch of single characters that is not itself a
    dictionary word then goes to its HMM, which may join some of them (抵得, 很慢)."""
    table, buf = {}, ""
    for word in [*jieba.cut(run, HMM=False), ""]:  # "" flushes the last stretch
        if len(word) == 1:
            buf += word
            continue
        if len(buf) > 1 and not jieba.dt.FREQ.get(buf):
            pieces = list(jieba.finalseg.cut(buf))
            if pieces != list(buf):
                table[buf] = pieces
        buf = ""
    return table


@functools.lru_cache(maxsize=1)
def _longest_word() -> int:
    return max(len(word) for word, freq in jieba.dt.FREQ.items() if freq)


def segmenter(entries: list[dict]) -> dict | None:
    """What jieba's cut needs for this index's Chinese text, so a browser can cut queries alike:
    every dictionary word (frequency > 0) inside its runs of Chinese characters, jieba's total,
    and how the HMM re-cuts the stretches of single characters those runs leave."""
    jieba.initialize()
    runs = set()
    for entry in entries:
        for field in (entry.get("title", ""), entry.get("text", "")):
            runs.update(HAN.findall(field.replace("\u200b", "")))  # the text as it was before jieba
    if not runs:
        return None
    freq, hmm = {}, {}
    longest = _longest_word()
    for run in sorted(runs):
        for i in range(len(run)):
            for j in range(i + 1, min(len(run), i + longest) + 1):
                if jieba.dt.FREQ.get(run[i:j]):
                    freq[run[i:j]] = jieba.dt.FREQ[run[i:j]]
        hmm.update(_hmm_table(run))
    return {"total": jieba.dt.total, "freq": freq, "hmm": hmm}


def split(index: dict, languages: list[str], default: str) -> dict[str, dict]:
    """The merged index as one index per language, each with its segmenter dictionary."""
    others = [lang for lang in languages if lang != default]
    parts: dict[str, list] = {lang: [] for lang in languages}
    for entry in index["docs"]:
        parts[language_of(entry["location"], others) or default].append(entry)
    result = {}
    for lang, entries in parts.items():
        if not entries:
            raise PluginError(f"the search index holds no page of language {lang!r}")
        config = dict(index["config"])
        words = segmenter(entries)
        if words:
            config["segmenter"] = words
        result[lang] = {"config": config, "docs": entries}
    return result


def index_path(lang: str, default: str) -> str:
    return INDEX if lang == default else f"{lang}/{INDEX}"


def split_index(site_dir, languages: list[str], default: str) -> None:
    """Search/search_index.json, which the search plugin wrote with every language, as one index
    per language, each with its segmenter dictionary."""
    merged = Path(site_dir) / INDEX
    if not merged.is_file():
        raise PluginError(f"{merged} is missing: is the search plugin enabled?")
    index = json.loads(merged.read_text(encoding="utf-8"))
    for lang, part in split(index, languages, default).items():
        text = json.dumps(part, ensure_ascii=False, separators=(",", ":"))
        write_atomic(Path(site_dir) / index_path(lang, default), text)
