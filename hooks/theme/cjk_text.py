"""A line break inside Chinese prose does not become a space.

Markdown keeps a soft line break of the source as a newline in the HTML, and browsers show a
newline as a space. Between two Chinese characters, or next to full-width punctuation, that
space is wrong (“第一步\\n缩小” reads “第一步 缩小”). This step removes such whitespace from
the text of every page, Markdown pages and notebooks alike, after the page is rendered:

* between two CJK ideographs, and between full-width punctuation and anything, the whitespace
  of a line break goes;
* between a CJK ideograph and a Latin letter, digit or formula it stays: Chinese typography
  wants a space there, and the line break gives it;
* code (``pre``, ``code``), math (``.arithmatex``), ``script``, ``style``, ``svg`` and
  ``textarea`` are left exactly as they are, and so is every tag and attribute.

The neighbours of a line break are the visible characters around it, looked up across inline
tags (``在\\n<a>反例</a>`` joins like ``在\\n反例``); a code span or a formula next to it counts
as Latin.
"""
from __future__ import annotations

import re

IDEOGRAPH = re.compile(r"[\u2e80-\u2fdf\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
FULL_WIDTH = re.compile(r"[\u3000-\u303f\uff00-\uffef]")  # 、。「」《》 and ，：；！？（）
BREAK = re.compile(r"[ \t\r]*\n[ \t\r\n]*")  # the whitespace of a soft line break
TOKEN = re.compile(
    r"<(script|style|textarea)\b[^>]*>.*?</\1\s*>"  # raw text: one piece, never read
    r"|<!--.*?-->|<[^>]*>|[^<]+|<",
    re.S | re.I,
)
TAG = re.compile(r"<\s*(/?)\s*([a-zA-Z][a-zA-Z0-9-]*)([^>]*?)(/?)\s*>", re.S)
CLASS = re.compile(r"""\bclass\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")

# Elements whose text is not prose: kept exactly as written.
VERBATIM = {"pre", "code", "kbd", "samp", "svg", "math"}
VERBATIM_CLASSES = {"arithmatex"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
OPAQUE = "\x00"  # what a reader sees of a code span or a formula: a Latin neighbour


def _kind(char: str) -> str:
    """"H" for a CJK ideograph or kana, "P" for full-width punctuation, "W" for the rest."""
    if IDEOGRAPH.match(char):
        return "H"
    if FULL_WIDTH.match(char):
        return "P"
    return "W"


def _joins(before: str, after: str) -> bool:
    """Whether a line break between these two visible characters is dropped."""
    a, b = _kind(before), _kind(after)
    return a == "P" or b == "P" or (a == b == "H")


def _pieces(html: str):
    """The page as (source, is_prose, visible) pieces, in order; they add up to ``html``.

    ``visible`` is what a reader sees of the piece: prose as it is, nothing for a tag, and one
    OPAQUE character for a whole verbatim element (code, math), given with its start tag.
    """
    pieces, open_verbatim = [], []  # the open verbatim element and its nesting, by tag name
    for match in TOKEN.finditer(html):
        token = match.group(0)
        if not token.startswith("<"):
            prose = not open_verbatim
            pieces.append((token, prose, token if prose else ""))
            continue
        pieces.append((token, False, ""))
        tag = TAG.fullmatch(token)
        if tag is None or match.group(1):
            continue  # a comment, a doctype, a stray "<", or a whole script/style/textarea
        closing, name, attrs, self_closing = tag.groups()
        name = name.lower()
        if open_verbatim:
            if name == open_verbatim[-1]:
                if closing:
                    open_verbatim.pop()
                elif not self_closing:
                    open_verbatim.append(name)  # the same element nested in itself
            continue
        classes = {c for groups in CLASS.findall(attrs) for c in "".join(groups).split()}
        if closing or self_closing or name in VOID:
            continue
        if name in VERBATIM or classes & VERBATIM_CLASSES:
            open_verbatim.append(name)
            pieces[-1] = (token, False, OPAQUE)
    return pieces


def _neighbour(pieces, index, text, position, direction):
    """The visible character next to ``position`` of piece ``index``, looking past tags;
    None where there is none, or where a tag sits between two runs of whitespace."""
    own = text[:position].rstrip() if direction < 0 else text[position:].lstrip()
    if own:
        return own[-1] if direction < 0 else own[0]
    others = range(index - 1, -1, -1) if direction < 0 else range(index + 1, len(pieces))
    for other in others:
        seen = pieces[other][2]
        if seen.strip():
            seen = seen.strip()
            return seen[-1] if direction < 0 else seen[0]
        if seen:
            return None  # more whitespace beyond a tag: that space is meant
    return None


def join_cjk_lines(html: str) -> str:
    """``html`` with the line breaks between Chinese characters taken out of its prose."""
    pieces = _pieces(html)
    out = []
    for index, (text, prose, _) in enumerate(pieces):
        if not prose or "\n" not in text:
            out.append(text)
            continue

        def replace(match, index=index, text=text):
            before = _neighbour(pieces, index, text, match.start(), -1)
            after = _neighbour(pieces, index, text, match.end(), +1)
            keep = before is None or after is None or not _joins(before, after)
            return match.group(0) if keep else ""

        out.append(BREAK.sub(replace, text))
    return "".join(out)
