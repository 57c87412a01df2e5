"""The figures of the pages and the site's style for them.

Every figure is drawn in the namespace of the chapter page that shows it, right after the code
block it follows, by the cells of ``snippets/plots.py``: ``setup``, the ``plot-*`` functions
named here, then ``show-<figure>``. The notebooks and chapter scripts run the same cells; the
site adds only its style (``style``) and, on synthetic data, a red title. Each figure is drawn
once per language and colour scheme of the pages (light and dark); a page shows the one of its
scheme. A figure shown on the home page is drawn by the chapter that shows it too.
"""

# figure name -> the plot-* sections of snippets/plots.py its show-* cell calls
FIGURES = {
    "bias-correction": ("plot-bias-correction",),
    "adam-scratch": ("plot-losses",),
    "adam-concise": ("plot-losses",),
    "spikes": ("plot-spikes",),
    "yogi-scratch": ("plot-losses",),
    "adam-vs-yogi": ("plot-losses",),
    "counterexample": ("plot-counterexample",),
}

# The site's palettes, one per colour scheme of the pages (Material's "default" and "slate"): the
# slots the plotting code names (C0 Adam, C1 Yogi, C2 the drop-in Yogi, C3 AMSGrad), the text and
# axes ("ink") and the page background the figure shows through (it is drawn transparent). Every
# colour has a contrast of at least 3:1 with the background, text at least 4.5:1
# (tests/test_figures_style.py).
SCHEMES = {
    "light": {
        "palette": ["#3f51b5", "#e65100", "#2e7d32", "#6a1b9a"],
        "ink": "#212121",
        "grid": "#9e9e9e",
        "background": "#ffffff",
        "warning": "#b00020",  # the title of a figure drawn from synthetic data
    },
    "dark": {
        "palette": ["#8c9eff", "#ffab40", "#81c784", "#ce93d8"],
        "ink": "#e3e3e6",
        "grid": "#8d919c",
        "background": "#1e2029",  # Material's slate: hsl(232, 15%, 14%)
        "warning": "#ff8a80",
    },
}
# The figures' text size, in points of a figure 4.5 inches (324 pt) wide (snippets/plots.py). The
# smallest text is a subscript, 0.7 of it: 8.4 pt, which is 9.3 CSS px where a 390 px phone shows
# the figure 358 px wide, and 11.2 px where a wide screen shows it at its own size (432 px).
TEXT_SIZE = 12


def style(fonts: list[str], scheme: str = "light") -> dict:
    """matplotlib rc parameters of the site's figures for one language's fonts and one colour
    scheme of the pages (plain JSON: the page runner receives them so)."""
    if scheme not in SCHEMES:
        raise ValueError(f"unknown colour scheme {scheme!r}; known: {', '.join(SCHEMES)}")
    colours = SCHEMES[scheme]
    ink = colours["ink"]
    return {
        "svg.hashsalt": "adam-yogi",  # ids in the SVG are derived from this, not random
        "svg.fonttype": "none",  # text stays text: the reader's browser draws CJK glyphs
        "font.family": "sans-serif",
        "font.sans-serif": fonts,
        "mathtext.fontset": "dejavusans",
        "font.size": TEXT_SIZE,
        **{key: TEXT_SIZE for key in ("axes.labelsize", "axes.titlesize", "xtick.labelsize",
                                     "ytick.labelsize", "legend.fontsize", "figure.titlesize")},
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.prop_cycle": f"cycler('color', {colours['palette']!r})",
        "text.color": ink,
        "axes.labelcolor": ink,
        "axes.edgecolor": ink,
        "xtick.color": ink,
        "ytick.color": ink,
        "grid.color": colours["grid"],
        "legend.facecolor": colours["background"],
        "legend.edgecolor": ink,
        "legend.framealpha": 0.85,
        "figure.facecolor": "none",  # the page shows through, in either scheme
        "axes.facecolor": "none",
        "savefig.facecolor": "none",
        "savefig.transparent": True,
    }
