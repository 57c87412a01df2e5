"""The figures of the pages and the site's style for them.

Every figure is drawn in the namespace of the chapter page that shows it, right after the code
block it follows, by the cells of ``snippets/plots.py``: ``setup``, the ``plot-*`` functions
named here, then ``show-<figure>``. The notebooks and chapter scripts run the same cells; the
site adds only its style (``style``) and, on synthetic data, a red title. A figure shown on the
home page is drawn by the chapter that shows it too.
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

# The site's palette: the slots the plotting code names (C0 Adam, C1 Yogi, C2 the drop-in Yogi,
# C3 AMSGrad).
PALETTE = ["#3f51b5", "#e65100", "#2e7d32", "#6a1b9a", "#757575"]


def style(fonts: list[str]) -> dict:
    """matplotlib rc parameters of the site's figures for one language's fonts (plain JSON: the
    page runner receives them so)."""
    return {
        "svg.hashsalt": "adam-yogi",  # ids in the SVG are derived from this, not random
        "svg.fonttype": "none",  # text stays text: the reader's browser draws CJK glyphs
        "font.family": "sans-serif",
        "font.sans-serif": fonts,
        "figure.figsize": [6.0, 3.4],
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.prop_cycle": f"cycler('color', {PALETTE!r})",
    }
