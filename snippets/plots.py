"""How the chapters' figures are drawn: the one home of the plotting code (matplotlib).

The notebooks and chapter scripts the site offers include these sections as their plotting
cells, and the site build draws its figures by running the same cells in each chapter's
namespace, with the site's style around them (``hooks/figures.py``). Drawing lives here; style
(palette, size, fonts of the site) lives in the hooks.

* ``setup``: pyplot, SVG text kept as text (a CJK font is then the reader's browser's business,
  not the kernel's), figures as SVG in Jupyter, the fonts ``labels`` names.
* ``plot-*``: one function per kind of figure. Labels come in ``labels``, a dict of the figure
  text in one language (the site's table, ``hooks/labels.py``); colours are palette slots
  ``"C0"``…, Adam ``C0``, Yogi ``C1``, the concise (class) Yogi ``C2``, AMSGrad ``C3``.
* ``show-*``: the cell that draws one figure of a page from the names the chapter's code
  defined before it (``adam_run``, ``trajectories``, …). Each is the body of a ``show_*``
  function whose parameters are those names, so the cell can also be called from Python; so is
  ``setup``.
"""

import matplotlib.pyplot as plt  # this module's own; a notebook imports it in the setup cell


def setup(labels):
    # --8<-- [start:setup]
    import logging
    import warnings

    import matplotlib.pyplot as plt

    # Text stays text in SVG: the browser draws it with the reader's fonts, so
    # matplotlib only measures it and a font it lacks here is no error.
    plt.rcParams["svg.fonttype"] = "none"
    plt.rcParams["font.sans-serif"] = labels["fonts"]
    plt.rcParams["figure.figsize"] = (4.5, 3.2)
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", "Glyph .* missing from font")
    try:  # in Jupyter, figures as SVG
        from IPython import get_ipython
        from matplotlib_inline.backend_inline import set_matplotlib_formats
    except ImportError:  # a plain Python script
        get_ipython = None
    if get_ipython is not None and get_ipython() is not None:
        set_matplotlib_formats("svg")
    # --8<-- [end:setup]


# --8<-- [start:plot-losses]
def plot_losses(curves, labels):
    """Loss curves: curves holds (run, label, style) triples; style is
    a dict of plt.plot keywords (colour, width, dashes)."""
    plt.figure(layout="constrained")
    for run, label, style in curves:
        plt.plot(run.epochs, run.losses, label=label, **style)
    plt.xlabel(labels["epoch"])
    plt.ylabel(labels["loss"])
    plt.grid(alpha=0.3)
    plt.legend()
    plt.show()
# --8<-- [end:plot-losses]


# --8<-- [start:plot-bias-correction]
def plot_bias_correction(v, s, v_hat, s_hat, mean_g, mean_g2, labels):
    """The moments averaged over the streams, raw and bias-corrected."""
    t = range(1, v.shape[1] + 1)
    ink = plt.rcParams["text.color"]  # black, or light on a dark page
    fig, axes = plt.subplots(2, 1, sharex=True, figsize=(4.5, 5.2),
                             layout="constrained")
    panels = ((v, v_hat, mean_g, "v"), (s, s_hat, mean_g2, "s"))
    for ax, (raw, hat, truth, key) in zip(axes, panels):
        ax.plot(t, raw.mean(0), color=ink, alpha=0.45,
                label=labels[f"raw_{key}"])
        ax.plot(t, hat.mean(0), "C0", label=labels[f"hat_{key}"])
        ax.axhline(truth, color=ink, linestyle=":", linewidth=1,
                   label=labels[f"true_{key}"])
        ax.grid(alpha=0.3)
        ax.legend(loc="lower right")
    axes[0].set_title(labels["first_moment_title"])
    axes[1].set_title(labels["second_moment_title"])
    axes[1].set_xlabel(labels["step"])
    plt.show()
# --8<-- [end:plot-bias-correction]


# --8<-- [start:plot-spikes]
def plot_spikes(g, s_adam, s_yogi, labels):
    """The gradient stream, and both second moments on a log scale."""
    t = range(1, len(g) + 1)
    ink = plt.rcParams["text.color"]  # black, or light on a dark page
    fig, (ax_g, ax_s) = plt.subplots(2, 1, sharex=True, figsize=(4.5, 4.6),
                                     layout="constrained")
    ax_g.plot(t, g, color=ink, alpha=0.55, linewidth=0.5)
    ax_g.set_ylabel(labels["gradient"])
    ax_s.plot(t, s_adam, "C0", label=labels["adam_s"])
    ax_s.plot(t, s_yogi, "C1", label=labels["yogi_s"])
    ax_s.set_yscale("log")
    ax_s.yaxis.set_major_formatter("{x:g}")  # 1, 10: no exponents
    ax_s.set_xlabel(labels["step"])
    ax_s.set_ylabel(labels["second_moment"])
    for ax in (ax_g, ax_s):
        ax.grid(alpha=0.3)
    ax_s.legend()
    plt.show()
# --8<-- [end:plot-spikes]


# --8<-- [start:plot-counterexample]
def plot_counterexample(trajectories, labels):
    """x_t (top) and the average regret R_t / t (bottom) of each method."""
    # AMSGrad and Yogi nearly coincide: AMSGrad is dashed, on top.
    styles = {"adam": {"color": "C0"}, "yogi": {"color": "C1"},
              "amsgrad": {"color": "C3", "linestyle": "--", "zorder": 3}}
    names = {"adam": "Adam", "amsgrad": "AMSGrad", "yogi": "Yogi"}
    ink = plt.rcParams["text.color"]  # black, or light on a dark page
    fig, (ax_x, ax_r) = plt.subplots(2, 1, figsize=(4.5, 5.2),
                                     layout="constrained")
    for method, trajectory in trajectories.items():
        t = range(1, len(trajectory.xs) + 1)
        ax_x.plot(t, trajectory.xs, label=names[method], linewidth=1,
                  **styles[method])
        ax_r.plot(t, trajectory.avg_regret, linewidth=1, **styles[method])
    ax_x.axhline(-1, color=ink, linewidth=1, linestyle=":",
                 label=labels["optimum"])
    ax_x.set(xlabel=labels["step"], ylabel=labels["x_t"], ylim=(-1.1, 1.1))
    ax_r.set(xlabel=labels["step"], ylabel=labels["avg_regret"], xscale="log")
    ax_r.xaxis.set_major_formatter("{x:g}")  # 1, 10, 100: no exponents
    for ax in (ax_x, ax_r):
        ax.grid(alpha=0.3)
    ax_x.legend(loc="upper right")
    plt.show()
# --8<-- [end:plot-counterexample]


# The cells that draw the pages' figures. Each body is one cell, run where the chapter's code
# has defined the names the function takes.


def show_bias_correction(v, s, v_hat, s_hat, mu, sigma, labels):
    # --8<-- [start:show-bias-correction]
    plot_bias_correction(v, s, v_hat, s_hat, mu, mu**2 + sigma**2, labels)
    # --8<-- [end:show-bias-correction]


def show_adam_scratch(adam_run, labels):
    # --8<-- [start:show-adam-scratch]
    plot_losses([(adam_run, labels["scratch_adam"], {"color": "C0"})],
                labels)
    # --8<-- [end:show-adam-scratch]


def show_adam_concise(torch_run, labels):
    # --8<-- [start:show-adam-concise]
    plot_losses([(torch_run, labels["torch_adam"], {"color": "C0"})],
                labels)
    # --8<-- [end:show-adam-concise]


def show_spikes(g, s_adam, s_yogi, labels):
    # --8<-- [start:show-spikes]
    plot_spikes(g, s_adam, s_yogi, labels)
    # --8<-- [end:show-spikes]


def show_yogi_scratch(yogi_run, labels):
    # --8<-- [start:show-yogi-scratch]
    plot_losses([(yogi_run, labels["scratch_yogi"], {"color": "C1"})],
                labels)
    # --8<-- [end:show-yogi-scratch]


def show_adam_vs_yogi(adam_run, yogi_run, dropin_run, labels):
    # --8<-- [start:show-adam-vs-yogi]
    # The curves nearly coincide: Adam is the wide pale band, Yogi the
    # line inside it, the concise Yogi class the dashes on top.
    plot_losses([
        (adam_run, labels["scratch_adam"],
         {"color": "C0", "linewidth": 7, "alpha": 0.35}),
        (yogi_run, labels["scratch_yogi"],
         {"color": "C1", "linewidth": 2.5}),
        (dropin_run, labels["dropin_yogi"],
         {"color": "C2", "linewidth": 1.2, "linestyle": (0, (4, 3))}),
    ], labels)
    # --8<-- [end:show-adam-vs-yogi]


def show_counterexample(trajectories, labels):
    # --8<-- [start:show-counterexample]
    plot_counterexample(trajectories, labels)
    # --8<-- [end:show-counterexample]
