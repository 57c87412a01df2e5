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


def _training(run):
    return {"epochs": run.epochs, "losses": run.losses, "lines": [run.summary]}


@experiment("adam-scratch", depends=("scratch", "train", "data"), uses_data=True)
def adam_scratch(ctx):
    from snippets import scratch, train

    run = train.train_scratch(scratch.adam, scratch.init_adam_states(5), {"lr": 0.01, "t": 1}, ctx.data,
                              num_epochs=2, device=ctx.device)
    return _training(run)


@experiment("adam-concise", depends=("train", "data"), uses_data=True)
def adam_concise(ctx):
    import torch

    from snippets import train

    run = train.train_torch(torch.optim.Adam, {"lr": 0.01}, ctx.data, num_epochs=4, device=ctx.device)
    return _training(run)


@experiment("yogi-scratch", depends=("scratch", "train", "data"), uses_data=True)
def yogi_scratch(ctx):
    from snippets import scratch, train

    run = train.train_scratch(scratch.yogi, scratch.init_adam_states(5), {"lr": 0.01, "t": 1}, ctx.data,
                              num_epochs=2, device=ctx.device)
    return _training(run)


@experiment("yogi-dropin", depends=("optim", "_fast", "_yogi_kernel", "train", "data"), uses_data=True)
def yogi_dropin(ctx):
    from snippets import optim, train

    run = train.train_torch(optim.Yogi, {"lr": 0.01}, ctx.data, num_epochs=2, device=ctx.device)
    return _training(run)


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

COUNTEREXAMPLE = {"C": 3.0, "steps": 3000, "lr": 0.5}
COLORS = {"adam": "#3f51b5", "amsgrad": "#6a1b9a", "yogi": "#e65100"}


@experiment("counterexample", depends=("counterexample",))
def counterexample(ctx):
    from snippets.counterexample import METHODS, limiting_regret, run

    runs = {m: run(m, **COUNTEREXAMPLE)._asdict() for m in METHODS}
    lines = [f"{m:8s} x_T = {runs[m]['xs'][-1]:+.3f}   R_T/T = {runs[m]['avg_regret'][-1]:.3f}" for m in METHODS]
    lines.append(f"x = +1 forever: R_T/T → 2(C − 2)/3 = {limiting_regret(COUNTEREXAMPLE['C']):.3f}")
    return {"runs": runs, "lines": lines}


@figure("counterexample", ["counterexample"])
def draw_counterexample(fig, results, text):
    runs = results["counterexample"]["runs"]
    ax_x, ax_r = fig.subplots(1, 2)
    for method, traj in runs.items():
        t = range(1, len(traj["xs"]) + 1)
        ax_x.plot(t, traj["xs"], color=COLORS[method], label=method.replace("amsgrad", "AMSGrad").replace("adam", "Adam").replace("yogi", "Yogi"), linewidth=1)
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


@experiment("spikes", depends=("moments",))
def spikes(ctx):
    from snippets.moments import spike_traces

    return spike_traces()._asdict()


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


@experiment("bias-correction", depends=("moments",))
def bias_correction(ctx):
    from snippets.moments import bias_correction as run

    data = run()
    mean = lambda tensor: tensor.mean(0).tolist()  # noqa: E731 (average over the independent streams)
    return {
        "t": data.t, "v": mean(data.v), "v_hat": mean(data.v_hat), "s": mean(data.s), "s_hat": mean(data.s_hat),
        "mean_g": data.mean_g, "mean_g2": data.mean_g2,
    }


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


@experiment("benchmark", depends=("benchmark", "optim", "_fast", "_yogi_kernel"))
def benchmark(ctx):
    from snippets.benchmark import format_table, run_benchmark

    result = run_benchmark(ctx.device, sizes=(6, 100_000, 1_000_000), repeats=5, warmup=2)
    return {"markdown": format_table(result)}
