"""Adam can fail on a convex problem: the counterexample of Reddi, Kale & Kumar,
"On the Convergence of Adam and Beyond" (ICLR 2018), Theorem 1.

An online problem on x ∈ [−1, 1]: at step t the loss is

    f_t(x) = C·x   if t mod 3 == 1,
    f_t(x) = −x    otherwise,            with C > 2.

Over each period of three steps the losses sum to (C − 2)·x, so the best fixed point is x = −1.
With β1 = 0 and β2 = 1/(1 + C²), Adam sees the large gradient C once every three steps and the
small gradient −1 twice; its s forgets C quickly, so the two steps of size ≈ α_t·1/√s that push
x up outweigh the one step of size ≈ α_t·C/√s that pushes it down, and x drifts to +1 — the
worst point — with average regret R_T/T → 2·(C − 2)/3 > 0. AMSGrad (the paper's fix: divide by
the running maximum of s) and Yogi (additive s) reach −1 and their average regret goes to 0.

As in the paper's analysis: β1 = 0 (so v_t = g_t), step size α_t = α/√t, no bias correction
(with β2 this small, 1 − β2ᵗ ≈ 1 after two steps), s₀ = 0, x projected back onto [−1, 1]
after each step.

Note (measured with α = 0.5): Yogi is not a fix for every C with this β2. For C ≥ 2.6 it
ends near −1 within 3000 steps (C = 2.5 gets there by 30000); for C ≤ 2.4 it drifts to +1 like
Adam. AMSGrad heads to −1 for every C tried (2.05 to 10); within 3000 steps it gets there
for C ≥ 2.2. The pages use C = 3.
"""
from __future__ import annotations

import math

METHODS = ("adam", "amsgrad", "yogi")


def _check_C(C) -> None:
    if not (isinstance(C, (int, float)) and math.isfinite(C) and C > 2):
        raise ValueError(f"Invalid C: {C!r} (the counterexample needs a finite C > 2)")


def _check(C, steps, lr, x0, eps) -> None:
    """The arguments of :func:`play` but the method, which ``play`` checks itself."""
    _check_C(C)
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"Invalid steps: {steps!r} (an integer ≥ 1)")
    if not (isinstance(lr, (int, float)) and math.isfinite(lr) and lr > 0):
        raise ValueError(f"Invalid learning rate: {lr!r} (a finite number > 0)")
    if not (isinstance(x0, (int, float)) and -1 <= x0 <= 1):
        raise ValueError(f"Invalid x0: {x0!r} (a starting point in [-1, 1])")
    if not (isinstance(eps, (int, float)) and math.isfinite(eps) and eps >= 0):
        raise ValueError(f"Invalid epsilon value: {eps!r} (a finite number ≥ 0)")


# --8<-- [start:counterexample]
import math
from typing import NamedTuple


class Trajectory(NamedTuple):
    xs: list  # x_t, the point played at step t = 1..T
    avg_regret: list  # R_t / t for t = 1..T


def gradient(t, C):
    """∇f_t: f_t(x) = C·x when t mod 3 = 1, else −x."""
    return C if t % 3 == 1 else -1.0


def sign(x):
    return (x > 0) - (x < 0)  # sign(0) = 0, as torch.sign


def play(method, C=3.0, steps=3000, lr=0.5, x0=0.0, eps=1e-8):
    """Play the problem for steps rounds: "adam", "amsgrad" or "yogi"."""
    if method not in ("adam", "amsgrad", "yogi"):
        raise ValueError(f"Invalid method: {method!r} "
                         "(expected one of adam, amsgrad, yogi)")
    beta2 = 1 / (1 + C**2)  # β2 = 1/(1 + C²); β1 = 0, so v_t = g_t
    x, s, s_max, regret = x0, 0.0, 0.0, 0.0
    xs, avg_regret = [], []
    for t in range(1, steps + 1):
        g = gradient(t, C)  # g_t = ∇f_t(x_t)
        xs.append(x)
        # R_t = Σ_τ f_τ(x_τ) − f_τ(−1), where f_t(x) − f_t(−1) = g_t·(x + 1)
        regret += g * (x + 1)
        avg_regret.append(regret / t)  # R_t / t
        if method == "yogi":
            # s_t = s_{t−1} + (1−β2)·sign(g_t² − s_{t−1})·g_t²
            s = s + (1 - beta2) * sign(g * g - s) * g * g
        else:
            # s_t = β2·s_{t−1} + (1−β2)·g_t²
            s = beta2 * s + (1 - beta2) * g * g
        s_max = max(s_max, s)  # AMSGrad: s_t^max = max(s_{t−1}^max, s_t)
        denominator = s_max if method == "amsgrad" else s
        alpha_t = lr / math.sqrt(t)  # α_t = α/√t
        # x_{t+1} = x_t − α_t·g_t/(√s_t + ε), projected onto [−1, 1]
        x = x - alpha_t * g / (math.sqrt(denominator) + eps)
        x = min(1.0, max(-1.0, x))
    return Trajectory(xs, avg_regret)
# --8<-- [end:counterexample]


def run(method: str, *, C: float = 3.0, steps: int = 3000, lr: float = 0.5, x0: float = 0.0,
        eps: float = 1e-8) -> Trajectory:
    """:func:`play` with every argument checked (``ValueError`` naming the bad one)."""
    _check(C, steps, lr, x0, eps)
    return play(method, C, steps, lr, x0, eps)


def limiting_regret(C: float = 3.0) -> float:
    """Average regret of a player that sits at x = +1: per period (C − 2) − (2 − C), over 3 steps.

    Defined for the counterexample's C > 2 only (``ValueError`` otherwise).
    """
    _check_C(C)
    return 2 * (C - 2) / 3
