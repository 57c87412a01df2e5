"""Adam and Yogi from scratch, the way *Dive into Deep Learning* writes them: §12.10 (Adam) in the
English online edition (d2l.ai), §11.10 in the Chinese edition (《动手学深度学习》, zh.d2l.ai).

Each optimizer is a plain function ``opt(params, states, hyperparams)`` that updates
``params`` in place, with ``states`` from :func:`init_adam_states` and ``hyperparams`` a dict
``{"lr": η, "t": t}``. The step ``t`` starts at 1; the function increments it after the update.

Two small departures from the book's code: the moments are written with ``v.copy_(…)`` and the
parameter with ``p -= …`` instead of ``v[:] = …`` and ``p[:] -= …``, which fail on a 0-d tensor
(a learnable scalar); and lines stay within 79 columns for the page.

Symbols in the comments: g the gradient, v and s the first and second moment, v̂ and ŝ their
bias-corrected values, β1 and β2 the decay rates, η the learning rate, ε the stabilizer.
"""

# --8<-- [start:constants]
BETA1, BETA2 = 0.9, 0.999  # decay rates of the moments v (β1) and s (β2)
ADAM_EPS, YOGI_EPS = 1e-6, 1e-3  # ε of the from-scratch Adam and Yogi
# --8<-- [end:constants]


# --8<-- [start:init-states]
import torch


def init_adam_states(feature_dim):
    """Zero moments (v, s) for a (feature_dim, 1) weight and a bias."""
    v_w, v_b = torch.zeros((feature_dim, 1)), torch.zeros(1)
    s_w, s_b = torch.zeros((feature_dim, 1)), torch.zeros(1)
    return ((v_w, s_w), (v_b, s_b))
# --8<-- [end:init-states]


# --8<-- [start:adam]
import torch


def adam(params, states, hyperparams):
    """One Adam step on every parameter; zeroes the gradients."""
    beta1, beta2, eps = BETA1, BETA2, ADAM_EPS
    lr, t = hyperparams["lr"], hyperparams["t"]
    for p, (v, s) in zip(params, states):
        g = p.grad
        with torch.no_grad():  # copy_ and -= write into the tensors
            v.copy_(beta1 * v + (1 - beta1) * g)  # v ← β1·v + (1−β1)·g
            s.copy_(beta2 * s + (1 - beta2) * g**2)  # s ← β2·s + (1−β2)·g²
            v_hat = v / (1 - beta1**t)  # v̂ ← v / (1−β1ᵗ)
            s_hat = s / (1 - beta2**t)  # ŝ ← s / (1−β2ᵗ)
            p -= lr * v_hat / (s_hat.sqrt() + eps)  # p ← p − η·v̂/(√ŝ + ε)
        p.grad.zero_()
    hyperparams["t"] += 1  # t ← t + 1
# --8<-- [end:adam]


# --8<-- [start:yogi]
import torch


def yogi(params, states, hyperparams):
    """One Yogi step: Adam with an additive s; zeroes the gradients."""
    beta1, beta2, eps = BETA1, BETA2, YOGI_EPS
    lr, t = hyperparams["lr"], hyperparams["t"]
    for p, (v, s) in zip(params, states):
        g = p.grad
        with torch.no_grad():  # copy_ and -= write into the tensors
            v.copy_(beta1 * v + (1 - beta1) * g)  # v ← β1·v + (1−β1)·g
            # s ← s + (1−β2)·sign(g² − s)·g²
            s.copy_(s + (1 - beta2) * torch.sign(g**2 - s) * g**2)
            v_hat = v / (1 - beta1**t)  # v̂ ← v / (1−β1ᵗ)
            s_hat = s / (1 - beta2**t)  # ŝ ← s / (1−β2ᵗ)
            p -= lr * v_hat / (s_hat.sqrt() + eps)  # p ← p − η·v̂/(√ŝ + ε)
        p.grad.zero_()
    hyperparams["t"] += 1  # t ← t + 1
# --8<-- [end:yogi]
