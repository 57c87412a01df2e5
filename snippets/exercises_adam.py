"""Runnable solutions of the Adam chapter's exercises (docs/*/adam.md, section "Exercises").

Each section below is shown on the page and needs only torch: it uses the names the chapter's
code defines earlier on the page (``adam``, ``init_adam_states``, ``train_ch11``,
``load_airfoil``), which this module imports from their files below, outside the sections. The
tests in tests/test_exercises_adam.py check the properties the solutions claim, not just that
they run.

1. ``lr-sweep``: the from-scratch Adam on the airfoil data for several learning rates η; the
   loss after the first 200 examples, and over the last epoch its mean, its spread (std) and its
   jitter: the spread left once a straight-line trend is taken out. A loss that is still falling
   has a large spread and almost no jitter.
2. ``no-bias-correction``: three estimates of a moment — zero start with bias correction, start
   at the first value, and a weight α_t = (1−β)/(1−βᵗ) — of which the last needs no correction
   and equals the bias-corrected one at every step.
3. ``lr-decay``: the same Adam with η constant and with η_t = η0/√t; the decayed run ends with a
   smaller loss and much less noise.
"""
from snippets.data import load_airfoil
from snippets.scratch import adam, init_adam_states
from snippets.train import train_ch11

# --8<-- [start:lr-sweep]
import statistics


def lr_sweep(lrs=(0.001, 0.01, 0.03, 0.1, 0.3), num_epochs=4, data=None):
    """Adam from scratch once per learning rate η (same seed): for each η
    the first loss and, over the last epoch, the mean, the std and the
    jitter (the std about a straight-line trend) of the losses."""
    data = load_airfoil() if data is None else data
    results = {}
    for lr in lrs:
        states = init_adam_states(data[0].shape[1])  # v = s = 0
        run = train_ch11(adam, states, {"lr": lr, "t": 1}, data,
                         num_epochs=num_epochs)
        last = [(epoch, loss) for epoch, loss in zip(run.epochs, run.losses)
                if epoch > num_epochs - 1]
        epochs, losses = zip(*last)
        slope, intercept = statistics.linear_regression(epochs, losses)
        residuals = [loss - (slope * epoch + intercept)  # loss − trend
                     for epoch, loss in last]
        r = results[lr] = {"first": run.losses[0],
                           "mean": statistics.mean(losses),
                           "std": statistics.pstdev(losses),
                           "jitter": statistics.pstdev(residuals)}
        print(f"η = {lr:<6} first {r['first']:.4f}   last epoch: "
              f"mean {r['mean']:.4f}, std {r['std']:.4f}, "
              f"jitter {r['jitter']:.4f}")
    return results
# --8<-- [end:lr-sweep]


# --8<-- [start:no-bias-correction]
import torch


def moment_estimates_three_ways(x, beta):
    """Three running estimates of E[x] for streams x (streams, T):
    zero start with correction, first value, weight α_t = (1−β)/(1−βᵗ)."""
    zero_start, first_value, weighted = [], [], []
    v = torch.zeros(x.shape[0], dtype=x.dtype)  # v_0 = 0
    u = x[:, 0].clone()  # u_1 = x_1
    w = torch.zeros_like(v)  # any start will do: α_1 = 1 overwrites it
    for t in range(1, x.shape[1] + 1):
        x_t = x[:, t - 1]
        v = beta * v + (1 - beta) * x_t  # v_t = β·v_{t−1} + (1−β)·x_t
        zero_start.append(v / (1 - beta**t))  # v̂_t = v_t / (1−βᵗ)
        if t > 1:
            u = beta * u + (1 - beta) * x_t  # u_t = β·u_{t−1} + (1−β)·x_t
        first_value.append(u)
        # α_t: 1 at t = 1, about 1/t while βᵗ ≈ 1 − t(1−β), then → 1−β
        alpha = (1 - beta) / (1 - beta**t)
        w = w + alpha * (x_t - w)  # w_t = w_{t−1} + α_t·(x_t − w_{t−1})
        weighted.append(w)
    estimates = (zero_start, first_value, weighted)
    return [torch.stack(e, dim=1) for e in estimates]


def compare(steps=100, streams=4000, seed=0):
    """g ~ N(1, 1), so E[g] = 1 and E[g²] = 2: three estimates of each."""
    generator = torch.Generator().manual_seed(seed)
    g = 1 + torch.randn(streams, steps, generator=generator,
                        dtype=torch.float64)
    out = {}
    for name, x, beta in (("v", g, 0.9), ("s", g**2, 0.999)):
        out[name] = moment_estimates_three_ways(x, beta)
        zero_start, first_value, weighted = out[name]
        gap = (weighted - zero_start).abs().max()
        print(f"{name}: max |weighted − zero_start| = {gap:.1e}")
        print("  t    mean: corrected / first   std: corrected / first")
        for t in sorted({1, min(10, steps), steps}):  # t = 1, 10, 100
            c, f = zero_start[:, t - 1], first_value[:, t - 1]
            print(f"  {t:3d}  {c.mean():10.3f} / {f.mean():.3f}"
                  f"  {c.std():9.3f} / {f.std():.3f}")
    return out
# --8<-- [end:no-bias-correction]


# --8<-- [start:lr-decay]
import math
import statistics


def adam_with_decay(lr0):
    """Adam from scratch with η_t = η0/√t (Kingma & Ba's analysis)."""

    def trainer(params, states, hyperparams):
        # η_t = η0/√t, where t counts minibatch steps
        hyperparams["lr"] = lr0 / math.sqrt(hyperparams["t"])
        adam(params, states, hyperparams)

    return trainer


def constant_vs_decayed(lr0=0.1, num_epochs=4, data=None):
    """Mean and std of the last epoch's losses, η constant and decayed."""
    data = load_airfoil() if data is None else data
    results = {}
    trainers = {"constant": adam, "decayed": adam_with_decay(lr0)}
    for name, trainer in trainers.items():
        states = init_adam_states(data[0].shape[1])
        run = train_ch11(trainer, states, {"lr": lr0, "t": 1}, data,
                         num_epochs=num_epochs)
        last = [loss for epoch, loss in zip(run.epochs, run.losses)
                if epoch > num_epochs - 1]
        results[name] = (statistics.mean(last), statistics.pstdev(last))
        print(f"{name:8s} η: last epoch mean loss {results[name][0]:.4f}, "
              f"std {results[name][1]:.5f}")
    return results
# --8<-- [end:lr-decay]


if __name__ == "__main__":
    # The page runs these after the chapter's code, where ``data`` is the
    # airfoil data that the training section read.
    data = load_airfoil()

    # --8<-- [start:lr-sweep-run]
    sweep = lr_sweep(data=data)  # 5 learning rates, 4 epochs each
    # --8<-- [end:lr-sweep-run]

    # --8<-- [start:no-bias-correction-run]
    estimates = compare(steps=100, streams=4000)
    # --8<-- [end:no-bias-correction-run]

    # --8<-- [start:lr-decay-run]
    decay = constant_vs_decayed(lr0=0.1, data=data)
    # --8<-- [end:lr-decay-run]
