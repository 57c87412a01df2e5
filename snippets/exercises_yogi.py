"""Solutions to the exercises of the Yogi chapter (docs/*/yogi.md).

Each section is what a page shows under "Solution"; it runs on its own when
copied (torch, or nothing at all, is the only import). Symbols in the comments
follow ``snippets/scratch.py``: g the gradient, v and s the first and second
moment, v̂ and ŝ their bias-corrected values, β1 and β2 the decay rates, η (or
α) the learning rate, ε the stabilizer.

1. :func:`rare_gradient_problem` — a stochastic cousin of the Reddi–Kale–Kumar
   counterexample: the large gradient C arrives at random, with probability
   p = (1 + δ)/(C + 1), and −1 otherwise, so E[g] = δ > 0 and the best point
   of [−1, 1] is x = −1. With β2 = 0.9, Adam's s decays by the factor β2 per
   step between two large gradients, so each −1 moves x up by up to α_t, while
   a large gradient moves it down by at most α_t/√(1 − β2): x drifts toward
   +1. Yogi's s settles near C², so its steps are proportional to g and x goes
   to −1. With ``batch`` > 1 each g_t is the mean of that many draws (a
   minibatch); already at 4, Adam reaches −1 too.
2. :func:`yogi_lr_eps_sweep` — Yogi (the equations of ``scratch.yogi``) on a
   noisy linear regression for several learning rates η and stabilizers ε: η
   bounds how far a coordinate can move per step; an ε below √ŝ changes the
   final loss little while the iterate settles (η ≤ 0.1), but at η = 1 the
   iterate keeps jumping and ε = 0.1 already ends at another loss; far above
   √ŝ the update is momentum SGD with learning rate η/ε.
3. :func:`corrected_second_moments` — with a constant g² = c, Adam's ŝ_t = c
   exactly, while Yogi's s_t grows linearly from 0, so ŝ_t = s_t/(1 − β2ᵗ)
   overshoots c (by the factor 1/(1 − e⁻¹) ≈ 1.58 at t = 1/(1 − β2)): the bias
   correction is a heuristic for Yogi.

The page runs each solution after its code: the sections ``*-run`` at the end
of this file (``python -m snippets.exercises_yogi`` prints what the page
shows). They keep the build fast: exercise 2's run is a 2 × 3 corner of the
sweep (six runs of 1500 steps); ``yogi_lr_eps_sweep()`` runs all sixteen.
"""


# --8<-- [start:rare-gradient]
import math

import torch


def rare_gradient_problem(C=20.0, delta=0.5, steps=20_000, lr=0.5,
                          beta2=0.9, eps=1e-8, seed=0, batch=1):
    """Adam and Yogi (β1 = 0, no bias correction) on f_t(x) = g_t·x, |x| ≤ 1;
    g_t is the mean of ``batch`` draws of C (probability p) or −1, the same
    for both. Returns the gradients and each method's x_t and s_t."""
    p = (1 + delta) / (C + 1)  # P(draw = C); E[g_t] = p·C − (1 − p) = δ
    generator = torch.Generator().manual_seed(seed)
    draws = torch.rand(steps, batch, generator=generator, dtype=torch.float64)
    large = (draws < p).double()  # 1 where a draw is C, 0 where it is −1
    gradients = (large * C - (1 - large)).mean(dim=1).tolist()
    result = {"g": gradients}
    for method in ("adam", "yogi"):
        x, s = 0.0, 0.0  # x_1 = 0, s_0 = 0; β1 = 0, so v_t = g_t
        xs, ss = [], []
        for t, g in enumerate(gradients, start=1):
            g2 = g * g
            if method == "adam":
                # s_t = β2·s_{t−1} + (1−β2)·g_t²
                s = beta2 * s + (1 - beta2) * g2
            else:
                # s_t = s_{t−1} + (1−β2)·sign(g_t² − s_{t−1})·g_t²
                s = s + (1 - beta2) * ((g2 > s) - (g2 < s)) * g2
            xs.append(x)
            ss.append(s)
            # x_{t+1} = x_t − α_t·g_t/(√s_t + ε), α_t = α/√t
            x = x - lr / math.sqrt(t) * g / (math.sqrt(s) + eps)
            x = min(1.0, max(-1.0, x))  # project onto [−1, 1]
        result[f"x_{method}"] = xs
        result[f"s_{method}"] = ss
    return result
# --8<-- [end:rare-gradient]


# --8<-- [start:lr-eps]
import torch


def train_yogi(lr=0.01, eps=1e-3, steps=1500, batch_size=10, seed=0,
               beta1=0.9, beta2=0.999):
    """Yogi from scratch on y = X·w + b + noise (1500 examples, 5
    features); returns (the loss every 50 steps, w, b)."""
    generator = torch.Generator().manual_seed(seed)
    X = torch.randn(1500, 5, generator=generator)
    noise = 0.5 * torch.randn(1500, 1, generator=generator)
    true_w = torch.tensor([[2.0], [-3.4], [1.5], [0.5], [-1.0]])
    y = X @ true_w + 4.2 + noise
    w, b = torch.zeros(5, 1), torch.zeros(1)
    # v_0 = s_0 = 0
    states = [(torch.zeros_like(p), torch.zeros_like(p)) for p in (w, b)]
    losses = []
    for t in range(1, steps + 1):
        batch = torch.randint(0, len(X), (batch_size,), generator=generator)
        r = X[batch] @ w + b - y[batch]  # ŷ − y on the minibatch
        # ∇w, ∇b of the mean of ½·(ŷ − y)²
        grads = (X[batch].T @ r / batch_size, r.mean(0))
        for p, g, (v, s) in zip((w, b), grads, states):
            v[:] = beta1 * v + (1 - beta1) * g  # v ← β1·v + (1−β1)·g
            # s ← s + (1−β2)·sign(g² − s)·g²
            s[:] = s + (1 - beta2) * torch.sign(g * g - s) * g * g
            v_hat, s_hat = v / (1 - beta1**t), s / (1 - beta2**t)  # v̂, ŝ
            # p ← p − η·v̂/(√ŝ + ε)
            p -= lr * v_hat / (torch.sqrt(s_hat) + eps)
        if t % 50 == 0:
            losses.append(((X @ w + b - y) ** 2 / 2).mean().item())
    return losses, w, b


def yogi_lr_eps_sweep(lrs=(1e-3, 1e-2, 1e-1, 1.0),
                      epss=(1e-8, 1e-3, 1e-1, 10.0), steps=1500, seed=0):
    """Final loss of :func:`train_yogi` for every (η, ε) pair.

    Every run sees the same data and the same minibatches.
    """
    return {(lr, eps): train_yogi(lr, eps, steps=steps, seed=seed)[0][-1]
            for lr in lrs for eps in epss}
# --8<-- [end:lr-eps]


# --8<-- [start:bias-correction-heuristic]
def corrected_second_moments(c=1.0, beta2=0.999, steps=3000):
    """ŝ_t = s_t/(1 − β2ᵗ) of Adam and Yogi when every g_t² is c (s_0 = 0)."""
    s_adam = s_yogi = 0.0
    s_hat_adam, s_hat_yogi = [], []
    for t in range(1, steps + 1):
        # s_t = β2·s_{t−1} + (1−β2)·c = (1 − β2ᵗ)·c
        s_adam = beta2 * s_adam + (1 - beta2) * c
        # s_t = s_{t−1} + (1−β2)·sign(c − s_{t−1})·c: up by (1−β2)·c to c
        s_yogi = s_yogi + (1 - beta2) * ((c > s_yogi) - (c < s_yogi)) * c
        s_hat_adam.append(s_adam / (1 - beta2**t))  # = c for every t
        # = t·(1−β2)·c/(1 − β2ᵗ) while s_t < c
        s_hat_yogi.append(s_yogi / (1 - beta2**t))
    return s_hat_adam, s_hat_yogi
# --8<-- [end:bias-correction-heuristic]


if __name__ == "__main__":
    # --8<-- [start:rare-gradient-run]
    run = rare_gradient_problem()  # C = 20, δ = 0.5, 20000 steps, seed 0
    print(f"mean gradient {sum(run['g']) / len(run['g']):.3f}")
    tail = 2000  # the last 2000 steps
    for method in ("adam", "yogi"):
        xs, ss = run[f"x_{method}"][-tail:], run[f"s_{method}"][-tail:]
        print(f"{method}: last {tail} steps x in [{min(xs):+.3f}, "
              f"{max(xs):+.3f}], s in [{min(ss):.1f}, {max(ss):.1f}]")
    four = rare_gradient_problem(batch=4)  # each g_t a mean of 4 draws
    xs = four["x_adam"][-tail:]
    print(f"adam, batch 4: last {tail} steps x in [{min(xs):+.3f}, "
          f"{max(xs):+.3f}]")
    # --8<-- [end:rare-gradient-run]

    # --8<-- [start:lr-eps-run]
    lrs, epss = (1e-2, 1.0), (1e-3, 1e-1, 10.0)  # 6 of the 16 pairs
    sweep = yogi_lr_eps_sweep(lrs=lrs, epss=epss)
    print("final loss" + "".join(f"{f'ε = {eps:g}':>12}" for eps in epss))
    for lr in lrs:
        print(f"η = {lr:<6g}" + "".join(f"{sweep[lr, eps]:12.3f}"
                                         for eps in epss))
    # --8<-- [end:lr-eps-run]

    # --8<-- [start:bias-correction-heuristic-run]
    s_hat_adam, s_hat_yogi = corrected_second_moments(c=1.0, beta2=0.999,
                                                      steps=3000)
    for t in (1, 10, 100, 1000, 3000):
        print(f"t = {t:4d}   Adam ŝ = {s_hat_adam[t - 1]:.4f}   "
              f"Yogi ŝ = {s_hat_yogi[t - 1]:.4f}")
    peak = max(range(3000), key=s_hat_yogi.__getitem__)  # index t − 1
    print(f"Yogi's largest ŝ: {s_hat_yogi[peak]:.4f} at t = {peak + 1}, "
          f"steps {1 - s_hat_yogi[peak] ** -0.5:.0%} too short")
    # --8<-- [end:bias-correction-heuristic-run]
