"""The fused CUDA path: a Triton kernel behind ``torch.library.triton_op``.

One program updates ``BLOCK`` elements of one tensor, reading p, g, v, s (and m with AMSGrad)
once and writing them once, with the math in float32 (float64 for float64 tensors). The step
counts stay on the GPU: torch increments them, the kernel reads each through its pointer, so a
step can be captured in a CUDA graph. GradScaler's ``found_inf`` is read by the kernel too (no
host sync); as in torch's fused Adam, the step counts are then taken back by ``found_inf``. On
CPU tensors the kernel runs only under ``TRITON_INTERPRET=1`` (the tests' way to check it).
"""
import os
import struct

import torch
import triton
import triton.language as tl
from torch.library import triton_op, wrap_triton

from ._torch_private import foreach

DTYPES = (torch.float16, torch.bfloat16, torch.float32, torch.float64)
BLOCK = 1024


def check_available():
    if not torch.cuda.is_available() and not os.environ.get("TRITON_INTERPRET"):
        raise RuntimeError("the Yogi Triton kernel needs a CUDA device (or TRITON_INTERPRET=1 on CPU)")


@triton.jit
def _yogi(p_ptr, g_ptr, v_ptr, s_ptr, m_ptr, t_ptr, scale_ptr, inf_ptr, n, lr_hi, lr_lo, beta1_hi, beta1_lo,
          beta2_hi, beta2_lo, eps_hi, eps_lo, wd_hi, wd_lo, MAXIMIZE: tl.constexpr, WD_MODE: tl.constexpr,
          AMSGRAD: tl.constexpr, SCALED: tl.constexpr, MATH: tl.constexpr, BLOCK: tl.constexpr):
    # A float argument reaches Triton as float32: each hyperparameter comes as a float32 value and
    # the rest, so that float64 tensors and the bias corrections see it to full precision.
    beta1_64 = tl.cast(beta1_hi, tl.float64) + tl.cast(beta1_lo, tl.float64)
    beta2_64 = tl.cast(beta2_hi, tl.float64) + tl.cast(beta2_lo, tl.float64)
    lr = (tl.cast(lr_hi, tl.float64) + tl.cast(lr_lo, tl.float64)).to(MATH)
    eps = (tl.cast(eps_hi, tl.float64) + tl.cast(eps_lo, tl.float64)).to(MATH)
    wd = (tl.cast(wd_hi, tl.float64) + tl.cast(wd_lo, tl.float64)).to(MATH)
    beta1, c1, c2 = beta1_64.to(MATH), (1.0 - beta1_64).to(MATH), (1.0 - beta2_64).to(MATH)
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    if SCALED:
        mask = mask & (tl.load(inf_ptr) == 0)  # found_inf: write nothing
    t = tl.load(t_ptr).to(tl.float64)
    bias1 = (1.0 - tl.exp(t * tl.log(beta1_64))).to(MATH)  # 1 − β1ᵗ
    bias2 = (1.0 - tl.exp(t * tl.log(beta2_64))).to(MATH)  # 1 − β2ᵗ
    p = tl.load(p_ptr + offs, mask=mask).to(MATH)
    g = tl.load(g_ptr + offs, mask=mask).to(MATH)
    v = tl.load(v_ptr + offs, mask=mask).to(MATH)
    s = tl.load(s_ptr + offs, mask=mask).to(MATH)
    if SCALED:
        g = g / tl.load(scale_ptr).to(MATH)  # the unscaled gradient, written back as torch does
        tl.store(g_ptr + offs, g.to(g_ptr.dtype.element_ty), mask=mask)
    if MAXIMIZE:
        g = -g  # g ← −g
    if WD_MODE == 1:
        g = g + wd * p  # g ← g + λ·p
    if WD_MODE == 2:
        p = p * (1.0 - (tl.cast(lr_hi, tl.float64) + tl.cast(lr_lo, tl.float64)) * (
            tl.cast(wd_hi, tl.float64) + tl.cast(wd_lo, tl.float64))).to(MATH)  # p ← p·(1 − ηλ)
    v = beta1 * v + c1 * g  # v ← β1·v + (1−β1)·g
    g2 = g * g
    d = g2 - s
    s = s + c2 * tl.where(d > 0, 1.0, tl.where(d < 0, -1.0, 0.0)).to(MATH) * g2  # Yogi's s
    tl.store(v_ptr + offs, v.to(v_ptr.dtype.element_ty), mask=mask)
    tl.store(s_ptr + offs, s.to(s_ptr.dtype.element_ty), mask=mask)
    if AMSGRAD:
        m = tl.load(m_ptr + offs, mask=mask).to(MATH)
        s = tl.maximum(m, s, propagate_nan=tl.PropagateNan.ALL)  # m ← max(m, s)
        tl.store(m_ptr + offs, s.to(m_ptr.dtype.element_ty), mask=mask)
    p = p - lr * (v / bias1) / (tl.sqrt(s / bias2) + eps)  # p ← p − η·v̂/(√ŝ + ε)
    tl.store(p_ptr + offs, p.to(p_ptr.dtype.element_ty), mask=mask)


def _split(x):
    """x as a float32 value and the remainder (both Python floats)."""
    hi = struct.unpack("f", struct.pack("f", x))[0]
    return hi, x - hi


@triton_op("torch_yogi::fused_yogi_triton_",
           mutates_args={"params", "grads", "exp_avgs", "exp_avg_sqs", "max_exp_avg_sqs", "state_steps"})
def fused_yogi_triton_(params: list[torch.Tensor], grads: list[torch.Tensor], exp_avgs: list[torch.Tensor],
                       exp_avg_sqs: list[torch.Tensor], max_exp_avg_sqs: list[torch.Tensor],
                       state_steps: list[torch.Tensor], lr: float, beta1: float, beta2: float,
                       weight_decay: float, eps: float, amsgrad: bool, maximize: bool,
                       decoupled_weight_decay: bool, grad_scale: torch.Tensor | None,
                       found_inf: torch.Tensor | None) -> None:
    foreach.add_(state_steps, 1)  # t ← t + 1, on the device
    scaled = grad_scale is not None or found_inf is not None
    scale = grad_scale if grad_scale is not None else torch.ones((), device=params[0].device)
    inf = found_inf if found_inf is not None else torch.zeros((), device=params[0].device)
    for i, p in enumerate(params):
        n = p.numel()
        if n == 0:
            continue
        wrap_triton(_yogi)[(triton.cdiv(n, BLOCK),)](
            p, grads[i], exp_avgs[i], exp_avg_sqs[i], max_exp_avg_sqs[i] if amsgrad else p, state_steps[i],
            scale, inf, n, *_split(lr), *_split(beta1), *_split(beta2), *_split(eps), *_split(weight_decay),
            MAXIMIZE=maximize,
            WD_MODE=0 if weight_decay == 0 else 2 if decoupled_weight_decay else 1, AMSGRAD=amsgrad,
            SCALED=scaled, MATH=tl.float64 if p.dtype == torch.float64 else tl.float32, BLOCK=BLOCK)
    if found_inf is not None:
        foreach.sub_(state_steps, [found_inf] * len(state_steps))


def _check(P, G, V, S, M, T, amsgrad):
    """What the kernel's pointers assume: one device, P's dtype, equal sizes, contiguous, no aliasing."""
    device, dtype = P[0].device, P[0].dtype
    named = [("params", P), ("grads", G), ("exp_avgs", V), ("exp_avg_sqs", S)] + ([("max_exp_avg_sqs", M)]
                                                                                 if amsgrad else [])
    seen = set()
    for name, tensors in named:
        if len(tensors) != len(P):
            raise ValueError(f"{name}: expected {len(P)} tensors, got {len(tensors)}")
        for i, (t, p) in enumerate(zip(tensors, P)):
            if t.device != device or t.dtype != dtype or t.shape != p.shape or not t.is_contiguous():
                raise RuntimeError(f"{name}[{i}] ({t.dtype}, {t.device}, shape {tuple(t.shape)}, contiguous "
                                   f"{t.is_contiguous()}) does not match params[{i}] ({p.dtype}, {p.device}, "
                                   f"shape {tuple(p.shape)}, contiguous); the fused kernel needs all four")
            if name != "grads" and t.numel():
                if t.data_ptr() in seen:
                    raise RuntimeError(f"{name}[{i}] shares memory with another tensor the step writes "
                                       "(is a parameter given twice?)")
                seen.add(t.data_ptr())
    for i, t in enumerate(T):
        if t.device != device or t.numel() != 1 or not t.is_floating_point():
            raise RuntimeError(f"state_steps[{i}] must be a floating-point scalar on {device} for fused=True, "
                               f"got {t.dtype} on {t.device}")


def fused_step(P, G, V, S, M, T, *, lr, beta1, beta2, weight_decay, eps, amsgrad, maximize,
               decoupled_weight_decay, capturable, grad_scale, found_inf):
    if torch.is_tensor(lr) or torch.is_tensor(beta1):
        if capturable:
            raise ValueError("fused=True on CUDA reads lr and betas on the host: pass floats with capturable=True")
        lr, beta1, beta2 = float(lr), float(beta1), float(beta2)
    if not torch.compiler.is_compiling():
        _check(P, G, V, S, M, T, amsgrad)
    fused_yogi_triton_(P, G, V, S, M, T, lr, beta1, beta2, weight_decay, eps, amsgrad, maximize,
                       decoupled_weight_decay, grad_scale, found_inf)
