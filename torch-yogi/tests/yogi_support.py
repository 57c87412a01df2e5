"""Helpers of torch_yogi's tests: an independent float64 reference, written from the equations
of the paper's update (v₀ = 0, s₀ = initial_accumulator), random problems, the CUDA mark."""
import numpy as np
import pytest
import torch

CUDA = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device here (torch.cuda.is_available() is False)")
SHAPES = [(5, 1), (1,), (33, 17), (4, 3, 2), (0,), (40_000,)]


def reference(p, grads, lr=1e-2, betas=(0.9, 0.999), eps=1e-3, initial_accumulator=1e-6, weight_decay=0.0,
              maximize=False, decoupled_weight_decay=False, amsgrad=False):
    """Yogi in float64 NumPy, one equation per line; returns the parameter after every step."""
    beta1, beta2 = betas
    p = torch.as_tensor(p).detach().double().numpy().copy()
    v, s, m = np.zeros_like(p), np.full_like(p, initial_accumulator), np.zeros_like(p)
    for t, g in enumerate(grads, start=1):
        g = torch.as_tensor(g).double().numpy()
        g = -g if maximize else g  # g ← −g
        if decoupled_weight_decay:
            p = p * (1 - lr * weight_decay)  # p ← p·(1 − ηλ)
        else:
            g = g + weight_decay * p  # g ← g + λ·p
        v = beta1 * v + (1 - beta1) * g  # v ← β1·v + (1−β1)·g
        s = s + (1 - beta2) * np.sign(g * g - s) * g * g  # s ← s + (1−β2)·sign(g² − s)·g²
        m = np.maximum(m, s)  # m ← max(m, s)
        s_hat = (m if amsgrad else s) / (1 - beta2**t)
        p = p - lr * (v / (1 - beta1**t)) / (np.sqrt(s_hat) + eps)  # p ← p − η·v̂/(√ŝ + ε)
    return p


def random_grads(steps, shapes=SHAPES, seed=0):
    """Float64 gradients spanning five orders of magnitude, so sign(g² − s) flips often."""
    gen = torch.Generator().manual_seed(seed)
    out = []
    for _ in range(steps):
        scale = 10.0 ** torch.randint(-3, 2, (1,), generator=gen).item()
        out.append([torch.randn(shape, generator=gen, dtype=torch.float64) * scale for shape in shapes])
    return out


def initial_params(shapes=SHAPES, seed=1):
    gen = torch.Generator().manual_seed(seed)
    return [torch.randn(shape, generator=gen, dtype=torch.float64) for shape in shapes]


def train(optimizer, params, grads):
    """Set each step's gradients (copies in the parameters' dtype and device) and step."""
    for step_grads in grads:
        for p, g in zip(params, step_grads):
            p.grad = g.to(p.device, p.dtype, copy=True) if not p.is_complex() else g.to(p.device, copy=True)
        optimizer.step()


def rel_err(actual, expected):
    actual = torch.as_tensor(actual).detach().cpu().double()
    expected = torch.as_tensor(expected).detach().cpu().double()
    if expected.numel() == 0:
        return 0.0
    return ((actual - expected).abs().max() / expected.abs().max()).item()
