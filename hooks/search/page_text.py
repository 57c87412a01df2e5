"""The page as the search plugin reads it: formulas as text a reader can read, headings without
their "¶".

Material's search plugin takes each section's text from the page's HTML, tags dropped. A formula
reaches it as its MathML (hooks/math/mathjax.py hides the glyphs drawn on screen), whose tags
carry the structure: without them ``<msubsup><mi>g</mi><mn>1</mn><mn>2</mn></msubsup>`` (g₁²)
read "g12", and a preview showed "s1=(1−β2)g12". Here each formula's MathML becomes one line of
text first: sub- and superscripts as Unicode's small letters and digits where it has them
(g₁², βₜ, v̂ₜ), with ``_``/``^`` and parentheses where it has not, fractions as a/b, roots as √.

The plugin drops a heading's permalink only when its class is exactly ``headerlink``; the
notebook pages' headings (``<a class="anchor-link">¶</a>``, nbconvert's) reached the index as
"偏差校正¶". Every heading's permalink is removed here.

The page is given back unchanged after the plugin has read it (:func:`for_search` works on the
content that ``hooks/math/mathjax.py`` restores after the search plugin).
"""
from __future__ import annotations

import re
import unicodedata
from html import escape
from html.parser import HTMLParser

ASSISTIVE = re.compile(r"(<mjx-assistive-mml\b[^>]*>)(.*?)(</mjx-assistive-mml>)", re.S)
# a heading's permalink: Python-Markdown's (headerlink) and nbconvert's (anchor-link)
PERMALINK = re.compile(r'<a\b[^>]*\bclass="(?:[^"]*\s)?(?:headerlink|anchor-link)(?:\s[^"]*)?"[^>]*>[^<]*</a>')

SUB = dict(zip("0123456789+-−=()aehijklmnoprstuvxβγρφχ",
               "₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓᵦᵧᵨᵩᵪ"))
SUP = dict(zip("0123456789+-−=()abcdefghijklmnoprstuvwxyzβγδθφχ",
               "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᵝᵞᵟᶿᵠᵡ"))
SUP["′"] = "′"  # a prime is already raised
SUP["∗"] = SUP["*"] = "*"
SUP["⊤"] = SUP["T"] = "ᵀ"
ACCENTS = {"^": "\u0302", "ˆ": "\u0302", "~": "\u0303", "˜": "\u0303", "¯": "\u0304", "‾": "\u0305",
           "˙": "\u0307", ".": "\u0307", "¨": "\u0308", "→": "\u20d7", "⃗": "\u20d7"}
INVISIBLE = dict.fromkeys(map(ord, "\u2061\u2062\u2063\u2064"))  # function application, invisible times…
SKIPPED = {"annotation", "annotation-xml", "mphantom", "none", "mprescripts"}
TEXT = {"mi", "mn", "mo", "mtext", "ms"}


class _Node:
    __slots__ = ("tag", "attrs", "children")

    def __init__(self, tag, attrs):
        self.tag, self.attrs, self.children = tag, attrs, []


class _Tree(HTMLParser):
    """MathML as a tree of _Node (tags) and str (text)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = _Node("root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = _Node(tag, dict(attrs))
        self.stack[-1].children.append(node)
        if not tag.startswith("mspace"):
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(_Node(tag, dict(attrs)))

    def handle_endtag(self, tag):
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def _elements(node):
    return [child for child in node.children if isinstance(child, _Node) and child.tag not in SKIPPED]


def _atomic(text: str) -> bool:
    """Whether ``text`` reads as one unit after a / or a ^ (a name, a number, a bracketed group)."""
    if len(text) <= 1 or re.fullmatch(r"[\w.′\u0300-\u036f\u20d0-\u20ff₀-₎ᵢ-ᵪⱼₐ-ₜ⁰-⁾ᴬ-ᶿ]+", text):
        return True
    return bool(re.fullmatch(r"\((?:[^()]|\([^()]*\))*\)|\[[^\[\]]*\]", text))


def _grouped(text: str) -> str:
    return text if _atomic(text) else f"({text})"


def _script(text: str, table: dict, mark: str) -> str:
    """``text`` as sub- or superscript: Unicode's small forms when it has each character."""
    if text and all(char in table for char in text):
        return "".join(table[char] for char in text)
    return mark + _grouped(text)


def _text(node) -> str:
    if isinstance(node, str):
        return node
    tag, kids = node.tag, _elements(node)
    if tag in SKIPPED:
        return ""
    if tag in TEXT:
        return "".join(child if isinstance(child, str) else _text(child) for child in node.children).strip() \
            .translate(INVISIBLE)
    if tag == "mspace":
        width = re.match(r"([\d.]+)em", node.attrs.get("width", ""))
        return " " if width and float(width.group(1)) >= 0.5 else ""
    if tag in ("msub", "msup", "msubsup", "munder", "mover", "munderover") and kids:
        base = _text(kids[0])
        rest = [_text(kid) for kid in kids[1:]]
        if tag == "mover" and rest and rest[0] in ACCENTS and node.attrs.get("accent") != "false":
            return base + ACCENTS[rest[0]]
        if tag in ("msub", "munder"):
            return base + _script(rest[0], SUB, "_") if rest else base
        if tag in ("msup", "mover"):
            return base + _script(rest[0], SUP, "^") if rest else base
        sub, sup = (rest + ["", ""])[:2]
        return base + (_script(sub, SUB, "_") if sub else "") + (_script(sup, SUP, "^") if sup else "")
    if tag == "mfrac" and len(kids) == 2:
        return f"{_grouped(_text(kids[0]))}/{_grouped(_text(kids[1]))}"
    if tag == "msqrt":
        return "√" + _grouped("".join(_text(kid) for kid in kids))
    if tag == "mroot" and len(kids) == 2:
        return _script(_text(kids[1]), SUP, "^") + "√" + _grouped(_text(kids[0]))
    if tag == "mtable":
        return "; ".join(_text(kid) for kid in kids)
    if tag in ("mtr", "mlabeledtr"):
        return " ".join(_text(kid) for kid in kids)
    return "".join(_text(kid) for kid in kids)


def readable(mathml: str) -> str:
    """The text of one formula's MathML, as a line a reader can read: ``g₁²``, ``v̂ₜ/(√ŝₜ+ε)``."""
    tree = _Tree()
    tree.feed(mathml)
    tree.close()
    text = "".join(_text(node) for node in _elements(tree.root))
    return unicodedata.normalize("NFC", re.sub(r"\s+", " ", text).strip())  # s + ◌̂ as ŝ, which readers type


def _readable_formula(match) -> str:
    return f"{match.group(1)}{escape(readable(match.group(2)), quote=False)}{match.group(3)}"


def searchable(html: str) -> str:
    """``html`` with each formula's MathML as readable text and no heading's permalink."""
    html = ASSISTIVE.sub(_readable_formula, html)
    return PERMALINK.sub("", html)


def for_search(page) -> None:
    """Give the search plugin the page's text as a reader reads it (run after
    ``hooks/math/mathjax.hide_drawn_math``, whose ``restore_drawn_math`` gives the page back)."""
    page.content = searchable(page.content)
