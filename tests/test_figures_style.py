"""The figures' style and drawing, without a browser: palettes that read on both page
backgrounds, symbols written as mathtext, and curves that stay visible where they coincide."""
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from colour_contrast import contrast, hex_rgb  # noqa: E402
from site_pages import hook_module  # noqa: E402

figures = hook_module("figures")
labels = hook_module("labels")


def test_contrast_is_wcags_ratio():
    assert contrast((0, 0, 0), (255, 255, 255)) == pytest.approx(21)
    assert contrast(hex_rgb("#767676"), hex_rgb("#ffffff")) == pytest.approx(4.54, abs=0.01)


@pytest.mark.parametrize("scheme", sorted(figures.SCHEMES))
def test_every_colour_reads_on_its_schemes_background(scheme):
    colours = figures.SCHEMES[scheme]
    background = hex_rgb(colours["background"])
    for colour in colours["palette"]:  # lines: WCAG's 3:1 for graphics
        assert contrast(hex_rgb(colour), background) >= 3, (scheme, colour)
    for colour in (colours["ink"], colours["warning"]):  # text: 4.5:1
        assert contrast(hex_rgb(colour), background) >= 4.5, (scheme, colour)


def test_the_dark_background_is_materials_slate():
    import colorsys

    r, g, b = colorsys.hls_to_rgb(232 / 360, 0.14, 0.15)  # hsl(232, 15%, 14%)
    assert hex_rgb(figures.SCHEMES["dark"]["background"]) == tuple(round(c * 255) for c in (r, g, b))


def test_the_style_is_transparent_and_sized_in_both_schemes():
    for scheme in figures.SCHEMES:
        rc = figures.style(["DejaVu Sans"], scheme)
        assert rc["savefig.transparent"] is True and rc["figure.facecolor"] == "none"
        assert rc["text.color"] == figures.SCHEMES[scheme]["ink"]
        assert all(rc[key] >= 12 for key in ("font.size", "xtick.labelsize", "legend.fontsize"))
        with plt.rc_context(rc):  # every key is one of matplotlib's (it raises on others)
            assert plt.rcParams["font.size"] == rc["font.size"]


def test_an_unknown_scheme_is_an_error_naming_it():
    with pytest.raises(ValueError, match="'sepia'"):
        figures.style(["DejaVu Sans"], "sepia")


SYMBOL = re.compile(r"[A-Za-z]_[A-Za-z]|[\u0302\u0304]|[²³]")


@pytest.mark.parametrize("lang", sorted(labels.FIGURE_LABELS))
def test_figure_symbols_are_mathtext(lang):
    """v̂_t, R_t/t, g² are drawn as math: never typed as text outside $…$."""
    for key, text in labels.FIGURE_LABELS[lang].items():
        if key == "fonts":
            continue
        outside = re.sub(r"\$[^$]*\$", "", text)
        assert not SYMBOL.search(outside), f"{lang}: {key} = {text!r} types a symbol outside $…$"
        if text.count("$"):
            from matplotlib.mathtext import MathTextParser

            for formula in re.findall(r"\$[^$]*\$", text):
                MathTextParser("path").parse(formula)  # raises on bad mathtext


def _lines_drawn(show, **names):
    from snippets import plots

    plt.close("all")
    shown = plt.show
    plt.show = lambda *a, **k: None
    try:
        show(**names, labels={k: k for k in labels.FIGURE_LABELS["en"]})
        return plt.gcf().axes
    finally:
        plt.show = shown


class _Run:
    epochs = [1, 2, 3, 4]
    losses = [0.4, 0.3, 0.25, 0.24]


def test_identical_loss_curves_all_stay_visible():
    """Adam, Yogi and the drop-in Yogi nearly coincide: each curve drawn over another is thinner
    or dashed, so the one below shows around it."""
    from snippets import plots

    (ax,) = _lines_drawn(plots.show_adam_vs_yogi, adam_run=_Run, yogi_run=_Run, dropin_run=_Run)
    lines = ax.get_lines()
    assert len(lines) == 3
    for below, above in zip(lines, lines[1:]):
        dashed = above.get_linestyle() not in ("-", "solid")
        assert above.get_linewidth() < below.get_linewidth() or dashed, (below.get_label(), above.get_label())
    assert lines[0].get_linewidth() >= 2 * lines[1].get_linewidth()  # Adam's band is visible on both sides


def test_amsgrad_stays_visible_over_yogi():
    from types import SimpleNamespace

    from snippets import plots

    run = SimpleNamespace(xs=[0.0, -0.5, -1.0], avg_regret=[1.0, 0.5, 0.2])
    axes = _lines_drawn(plots.show_counterexample, trajectories={"adam": run, "amsgrad": run, "yogi": run})
    for ax in axes:
        by_label = {line.get_label(): line for line in ax.get_lines()}
        amsgrad = by_label.get("AMSGrad") or ax.get_lines()[1]
        assert amsgrad.get_linestyle() not in ("-", "solid")
        assert amsgrad.get_zorder() > max(line.get_zorder() for line in ax.get_lines() if line is not amsgrad
                                          and line.get_linestyle() in ("-", "solid"))
