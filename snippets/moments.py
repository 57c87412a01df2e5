"""Two small experiments on the moment estimates of Adam and Yogi (no plotting here).

1. :func:`spike_traces` — how fast each method forgets. A stream of noisy gradients
   g ~ N(0, σ²) with a few rare, large spikes; Adam's and Yogi's second moments over it:

       Adam:  s_t = β2·s_{t−1} + (1 − β2)·g_t²            = s_{t−1} − (1 − β2)·(s_{t−1} − g_t²)
       Yogi:  s_t = s_{t−1} + (1 − β2)·sign(g_t² − s_{t−1})·g_t²

   After a spike Adam's excess s_t − σ² shrinks by the factor β2 every step (geometric: a
   straight line on a log axis, half-life ln 2 / (1 − β2) steps), so the spike — and any larger
   scale seen earlier — is forgotten within a few hundred steps at β2 = 0.99. Yogi changes s by
   exactly (1 − β2)·g_t² per step (or not at all when g_t² = s_{t−1}): with s far above g², it
   comes down only by (1 − β2)·g² ≈ (1 − β2)·σ² per step, a slow linear descent, and it keeps
   the memory of the spike long after Adam has dropped it. (Yogi's resting level is also not
   E[g²]: s settles where the g² above it balance the g² below it, about 2.4·σ² for Gaussian g.)
   β2 = 0.99 rather than 0.999 so that the effect fits in 1000 steps.

2. :func:`bias_correction` — the first steps. A stationary noisy gradient g ~ N(μ, σ²); the raw
   moments v_t, s_t start at 0 and have E[v_t] = (1 − β1ᵗ)·E[g], E[s_t] = (1 − β2ᵗ)·E[g²]: far
   below the truth for small t (s_t especially, with β2 = 0.999). The corrected
   v̂_t = v_t/(1 − β1ᵗ), ŝ_t = s_t/(1 − β2ᵗ) are unbiased from t = 1. The raw step direction
   v_t/√s_t starts at (1 − β1)/√(1 − β2) ≈ 3.16 times sign(g₁); v̂_t/√ŝ_t starts at sign(g₁).
"""
from __future__ import annotations

import math
from typing import NamedTuple

import torch


class SpikeTraces(NamedTuple):
    g: list[float]  # the gradient stream g_1..g_T
    s_adam: list[float]  # Adam's s_t, t = 1..T
    s_yogi: list[float]  # Yogi's s_t, t = 1..T
    spikes: list[int]  # 0-based indices of the spikes in g
    beta2: float
    s0: float  # the common starting value s_0


class BiasCorrection(NamedTuple):
    t: list[int]  # 1..T
    v: torch.Tensor  # (streams, T) raw first moment v_t
    s: torch.Tensor  # (streams, T) raw second moment s_t
    v_hat: torch.Tensor  # (streams, T) v̂_t = v_t / (1 − β1ᵗ)
    s_hat: torch.Tensor  # (streams, T) ŝ_t = s_t / (1 − β2ᵗ)
    step_raw: torch.Tensor  # (streams, T) v_t / √s_t, the step direction without correction
    step_hat: torch.Tensor  # (streams, T) v̂_t / √ŝ_t, with correction
    expected_v: list[float]  # E[v_t] = (1 − β1ᵗ)·E[g]
    expected_s: list[float]  # E[s_t] = (1 − β2ᵗ)·E[g²]
    mean_g: float  # E[g] = μ
    mean_g2: float  # E[g²] = μ² + σ²


def _positive(name: str, value) -> None:
    if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
        raise ValueError(f"Invalid {name}: {value!r} (a finite number > 0)")


def _beta(name: str, value) -> None:
    if not (isinstance(value, (int, float)) and 0 <= value < 1):
        raise ValueError(f"Invalid {name}: {value!r} (a number in [0, 1))")


def _count(name: str, value, minimum: int = 1) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"Invalid {name}: {value!r} (an integer ≥ {minimum})")


# --8<-- [start:spikes]
import torch


def spiky_gradients(steps=1000, spikes=(150, 450, 750), spike=20.0, std=1.0,
                    seed=0):
    """g_t ~ N(0, std²), but |g_t| = spike at the indices in spikes."""
    generator = torch.Generator().manual_seed(seed)  # the global RNG untouched
    g = std * torch.randn(steps, generator=generator, dtype=torch.float64)
    for i in spikes:
        g[i] = spike if g[i] >= 0 else -spike  # keeps the noise's sign
    return g


def second_moments(g, beta2=0.99, s0=1.0):
    """Adam's and Yogi's s_t over the stream g, from s_0 = s0."""
    s_adam, s_yogi = [], []
    a = y = s0
    for g2 in (g**2).tolist():
        # Adam: s_t = β2·s_{t−1} + (1 − β2)·g_t²
        a = beta2 * a + (1 - beta2) * g2
        # Yogi: s_t = s_{t−1} + (1 − β2)·sign(g_t² − s_{t−1})·g_t²
        y = y + (1 - beta2) * ((g2 > y) - (g2 < y)) * g2
        s_adam.append(a)
        s_yogi.append(y)
    return s_adam, s_yogi
# --8<-- [end:spikes]


def spike_traces(*, steps: int = 1000, spikes=(150, 450, 750), spike: float = 20.0, std: float = 1.0,
                 beta2: float = 0.99, s0: float | None = None, seed: int = 0) -> SpikeTraces:
    """Experiment 1: the stream and both second moments. ``s0`` defaults to E[g²] = std²."""
    _count("steps", steps)
    _positive("spike", spike)
    if not (isinstance(std, (int, float)) and math.isfinite(std) and std >= 0):
        raise ValueError(f"Invalid std: {std!r} (a finite number ≥ 0)")
    _beta("beta2", beta2)
    spikes = sorted(spikes)
    if any(isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < steps for i in spikes):
        raise ValueError(f"Invalid spikes: {spikes!r} (indices in [0, {steps}))")
    if s0 is None:
        s0 = std**2
    if not (isinstance(s0, (int, float)) and math.isfinite(s0) and s0 >= 0):
        raise ValueError(f"Invalid s0: {s0!r} (a finite number ≥ 0)")
    g = spiky_gradients(steps, spikes, spike, std, seed)
    s_adam, s_yogi = second_moments(g, beta2, s0)
    return SpikeTraces(g.tolist(), s_adam, s_yogi, list(spikes), beta2, s0)


# --8<-- [start:bias-correction]
import torch


def moment_estimates(g, beta1=0.9, beta2=0.999):
    """Raw and corrected moments of gradient streams g (streams, T)."""
    v = torch.zeros(g.shape[0], dtype=g.dtype)  # v_0 = 0
    s = torch.zeros(g.shape[0], dtype=g.dtype)  # s_0 = 0
    vs, ss, v_hats, s_hats = [], [], [], []
    for t in range(1, g.shape[1] + 1):
        g_t = g[:, t - 1]
        v = beta1 * v + (1 - beta1) * g_t  # v_t = β1·v_{t−1} + (1−β1)·g_t
        s = beta2 * s + (1 - beta2) * g_t**2  # s_t = β2·s_{t−1} + (1−β2)·g_t²
        vs.append(v)
        ss.append(s)
        v_hats.append(v / (1 - beta1**t))  # v̂_t = v_t / (1 − β1ᵗ)
        s_hats.append(s / (1 - beta2**t))  # ŝ_t = s_t / (1 − β2ᵗ)
    return [torch.stack(x, dim=1) for x in (vs, ss, v_hats, s_hats)]
# --8<-- [end:bias-correction]


def bias_correction(*, steps: int = 50, streams: int = 1000, mean: float = 1.0, std: float = 1.0,
                    beta1: float = 0.9, beta2: float = 0.999, seed: int = 0) -> BiasCorrection:
    """Experiment 2: ``streams`` independent runs of g_t ~ N(mean, std²), t = 1..steps (float64).

    Row 0 of each tensor is one run; ``.mean(0)`` over the rows estimates the expectation.
    """
    _count("steps", steps)
    _count("streams", streams)
    if not (isinstance(mean, (int, float)) and math.isfinite(mean)):
        raise ValueError(f"Invalid mean: {mean!r} (a finite number)")
    _positive("std", std)
    _beta("beta1", beta1)
    _beta("beta2", beta2)
    generator = torch.Generator().manual_seed(seed)
    g = mean + std * torch.randn(streams, steps, generator=generator, dtype=torch.float64)
    v, s, v_hat, s_hat = moment_estimates(g, beta1, beta2)
    t = list(range(1, steps + 1))
    mean_g2 = mean**2 + std**2  # E[g²] = μ² + σ²
    return BiasCorrection(
        t=t, v=v, s=s, v_hat=v_hat, s_hat=s_hat,
        step_raw=v / s.sqrt(), step_hat=v_hat / s_hat.sqrt(),
        expected_v=[(1 - beta1**k) * mean for k in t],  # E[v_t] = (1 − β1ᵗ)·E[g]
        expected_s=[(1 - beta2**k) * mean_g2 for k in t],  # E[s_t] = (1 − β2ᵗ)·E[g²]
        mean_g=float(mean), mean_g2=float(mean_g2),
    )
