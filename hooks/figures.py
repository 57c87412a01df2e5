"""The experiments the pages show and how their figures are drawn (registered with
hooks/experiments.py). Each experiment calls the functions in snippets/ that its page includes,
with the arguments the page states; drawing only formats what the experiment returned.
"""
from dataclasses import dataclass
from typing import Callable


@dataclass
class Experiment:
    name: str
    run: Callable  # run(ctx) -> JSON-able dict; "lines": printed lines, "markdown": a table
    depends: tuple  # modules in snippets/ whose source decides whether to re-run it
    uses_data: bool  # trains on the airfoil data (its page then says which data)


@dataclass
class Figure:
    name: str
    experiments: tuple  # the experiments whose results it draws
    draw: Callable  # draw(fig, {experiment name: result}, text) with text = labels.TEXT[lang]


EXPERIMENTS: dict = {}
FIGURES: dict = {}


def experiment(name, depends, uses_data=False):
    def register(run):
        EXPERIMENTS[name] = Experiment(name, run, tuple(depends), uses_data)
        return run

    return register


def figure(name, experiments):
    def register(draw):
        FIGURES[name] = Figure(name, tuple(experiments), draw)
        return draw

    return register


# --- training on the airfoil data (the Adam and Yogi chapters) ----------------------------------
# Each experiment calls the function of snippets/runs.py that its page shows.


def _training(run):
    return {"epochs": run.epochs, "losses": run.losses, "lines": [run.summary]}


@experiment("adam-scratch", depends=("runs", "scratch", "train", "data"), uses_data=True)
def adam_scratch(ctx):
    from snippets import runs

    return _training(runs.adam_from_scratch(ctx.data, device=ctx.device))


@experiment("adam-concise", depends=("runs", "train", "data"), uses_data=True)
def adam_concise(ctx):
    from snippets import runs

    return _training(runs.adam_concise(ctx.data, device=ctx.device))


@experiment("yogi-scratch", depends=("runs", "scratch", "train", "data"), uses_data=True)
def yogi_scratch(ctx):
    from snippets import runs

    return _training(runs.yogi_from_scratch(ctx.data, device=ctx.device))


@experiment("yogi-dropin", depends=("runs", "optim", "tools/fast", "tools/yogi_c", "train", "data"), uses_data=True)
def yogi_dropin(ctx):
    from snippets import runs

    return _training(runs.yogi_dropin(ctx.data, device=ctx.device))


def _loss_axes(ax, text):
    ax.set_xlabel(text["epoch"])
    ax.set_ylabel(text["loss"])


def _one_curve(key):
    def draw(fig, results, text):
        (data,) = results.values()
        ax = fig.subplots()
        ax.plot(data["epochs"], data["losses"], color="#3f51b5", label=text[key])
        _loss_axes(ax, text)
        ax.legend()

    return draw


figure("adam-scratch", ["adam-scratch"])(_one_curve("scratch_adam"))
figure("adam-concise", ["adam-concise"])(_one_curve("torch_adam"))
figure("yogi-scratch", ["yogi-scratch"])(_one_curve("scratch_yogi"))


@figure("adam-vs-yogi", ["adam-scratch", "yogi-scratch", "yogi-dropin"])
def adam_vs_yogi(fig, results, text):
    ax = fig.subplots()
    adam, yogi, dropin = results["adam-scratch"], results["yogi-scratch"], results["yogi-dropin"]
    ax.plot(adam["epochs"], adam["losses"], color="#3f51b5", label=text["scratch_adam"])
    ax.plot(yogi["epochs"], yogi["losses"], color="#e65100", label=text["scratch_yogi"])
    ax.plot(dropin["epochs"], dropin["losses"], color="#2e7d32", linestyle="--", label=text["optim_yogi"])
    _loss_axes(ax, text)
    ax.legend()


# --- the Reddi–Kale–Kumar counterexample -----------------------------------------------------

COLORS = {"adam": "#3f51b5", "amsgrad": "#6a1b9a", "yogi": "#e65100"}
NAMES = {"adam": "Adam", "amsgrad": "AMSGrad", "yogi": "Yogi"}


@experiment("counterexample", depends=("runs", "counterexample"))
def counterexample(ctx):
    from snippets import runs
    from snippets.counterexample import limiting_regret

    trajectories = runs.counterexample()
    lines = [f"{m:8s} x_T = {tr.xs[-1]:+.3f}   R_T/T = {tr.avg_regret[-1]:.3f}" for m, tr in trajectories.items()]
    lines.append(f"x = +1 forever: R_T/T → 2(C − 2)/3 = {limiting_regret(3.0):.3f}")
    return {"runs": {m: tr._asdict() for m, tr in trajectories.items()}, "lines": lines}


@figure("counterexample", ["counterexample"])
def draw_counterexample(fig, results, text):
    runs = results["counterexample"]["runs"]
    ax_x, ax_r = fig.subplots(1, 2)
    for method, traj in runs.items():
        t = range(1, len(traj["xs"]) + 1)
        ax_x.plot(t, traj["xs"], color=COLORS[method], label=NAMES[method], linewidth=1)
        ax_r.plot(t, traj["avg_regret"], color=COLORS[method], linewidth=1)
    ax_x.axhline(-1, color="black", linewidth=0.6, linestyle=":", label=text["optimum"])
    ax_x.set_xlabel(text["step"])
    ax_x.set_ylabel(text["x_t"])
    ax_x.set_ylim(-1.1, 1.1)
    ax_x.legend(fontsize=7)
    ax_r.set_xlabel(text["step"])
    ax_r.set_ylabel(text["avg_regret"])
    ax_r.set_xscale("log")


# --- second moments under spikes, and bias correction ----------------------------------------


@experiment("spikes", depends=("runs", "moments"))
def spikes(ctx):
    from snippets import runs

    return runs.spikes()._asdict()


@figure("spikes", ["spikes"])
def draw_spikes(fig, results, text):
    data = results["spikes"]
    ax_g, ax_s = fig.subplots(2, 1, sharex=True)
    t = range(1, len(data["g"]) + 1)
    ax_g.plot(t, data["g"], color="#757575", linewidth=0.5)
    ax_g.set_ylabel(text["gradient"])
    ax_s.plot(t, data["s_adam"], color="#3f51b5", label=text["adam_s"])
    ax_s.plot(t, data["s_yogi"], color="#e65100", label=text["yogi_s"])
    ax_s.set_yscale("log")
    ax_s.set_xlabel(text["step"])
    ax_s.set_ylabel(text["second_moment"])
    ax_s.legend(fontsize=7)


@experiment("bias-correction", depends=("runs", "moments"))
def bias_correction(ctx):
    from snippets import runs

    return runs.bias_correction_means()


@figure("bias-correction", ["bias-correction"])
def draw_bias_correction(fig, results, text):
    data = results["bias-correction"]
    ax_v, ax_s = fig.subplots(1, 2)
    for ax, raw, hat, truth, key in ((ax_v, "v", "v_hat", "mean_g", "v"), (ax_s, "s", "s_hat", "mean_g2", "s")):
        ax.plot(data["t"], data[raw], color="#9e9e9e", label=text[f"raw_{key}"])
        ax.plot(data["t"], data[hat], color="#3f51b5", label=text[f"hat_{key}"])
        ax.axhline(data[truth], color="black", linestyle=":", linewidth=0.8, label=text[f"true_{key}"])
        ax.set_xlabel(text["step"])
        ax.legend(fontsize=7)
    ax_v.set_title(text["first_moment_title"], fontsize=9)
    ax_s.set_title(text["second_moment_title"], fontsize=9)


# --- the benchmark table of the performance page ----------------------------------------------


@experiment("benchmark", depends=("runs", "tools/benchmark", "optim", "tools/fast", "tools/yogi_c"))
def benchmark(ctx):
    from snippets import runs

    return {"markdown": runs.small_benchmark(ctx.device)}
