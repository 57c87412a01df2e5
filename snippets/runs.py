"""The runs the pages show, with the arguments the pages state: each function here is what the
site build calls (hooks/figures.py) to produce a printed result or a figure, and what a page
includes next to that result. Run one yourself, e.g.::

    from snippets.data import load_airfoil
    from snippets.runs import adam_from_scratch
    print(adam_from_scratch(load_airfoil()).summary)
"""

# --8<-- [start:adam-scratch]
from snippets import scratch, train


def adam_from_scratch(data, device="cpu"):
    """The book's run: scratch.adam, η = 0.01, minibatches of 10, 2 epochs."""
    states = scratch.init_adam_states(5)  # v and s for a (5, 1) weight and a bias
    return train.train_scratch(scratch.adam, states, {"lr": 0.01, "t": 1}, data, num_epochs=2, device=device)
# --8<-- [end:adam-scratch]


# --8<-- [start:adam-concise]
import torch

from snippets import train


def adam_concise(data, device="cpu"):
    """The book's concise run: torch.optim.Adam, η = 0.01, minibatches of 10, 4 epochs."""
    return train.train_torch(torch.optim.Adam, {"lr": 0.01}, data, num_epochs=4, device=device)
# --8<-- [end:adam-concise]


# --8<-- [start:yogi-scratch]
from snippets import scratch, train


def yogi_from_scratch(data, device="cpu"):
    """scratch.yogi (ε = 1e-3), η = 0.01, minibatches of 10, 2 epochs."""
    states = scratch.init_adam_states(5)
    return train.train_scratch(scratch.yogi, states, {"lr": 0.01, "t": 1}, data, num_epochs=2, device=device)
# --8<-- [end:yogi-scratch]


# --8<-- [start:yogi-dropin]
from snippets import optim, train


def yogi_dropin(data, device="cpu"):
    """The drop-in snippets.optim.Yogi with its defaults and η = 0.01, 2 epochs."""
    return train.train_torch(optim.Yogi, {"lr": 0.01}, data, num_epochs=2, device=device)
# --8<-- [end:yogi-dropin]


# --8<-- [start:counterexample]
from snippets.counterexample import METHODS, run


def counterexample(C=3.0, steps=3000, lr=0.5):
    """Adam, AMSGrad and Yogi on the Reddi–Kale–Kumar problem; α_t = lr/√t."""
    return {method: run(method, C=C, steps=steps, lr=lr) for method in METHODS}
# --8<-- [end:counterexample]


# --8<-- [start:spikes]
from snippets.moments import spike_traces


def spikes():
    """Gaussian gradients with |g| = 20 spikes at steps 150, 450, 750; β2 = 0.99."""
    return spike_traces(steps=1000, spikes=(150, 450, 750), spike=20.0, std=1.0, beta2=0.99, seed=0)
# --8<-- [end:spikes]


# --8<-- [start:bias-correction]
from snippets.moments import bias_correction


def bias_correction_means():
    """1000 streams of g ~ N(1, 1): the moment estimates averaged over the streams, per step."""
    result = bias_correction(steps=50, streams=1000, mean=1.0, std=1.0, beta1=0.9, beta2=0.999, seed=0)
    means = {name: getattr(result, name).mean(0).tolist() for name in ("v", "v_hat", "s", "s_hat")}
    return {"t": result.t, "mean_g": result.mean_g, "mean_g2": result.mean_g2, **means}
# --8<-- [end:bias-correction]


# --8<-- [start:benchmark]
from snippets.tools.benchmark import format_table, run_benchmark


def small_benchmark(device="cpu"):
    """One optimizer step, timed for 6, 1e5 and 1e6 parameters: a markdown table."""
    return format_table(run_benchmark(device, sizes=(6, 100_000, 1_000_000), repeats=5, warmup=2))
# --8<-- [end:benchmark]
