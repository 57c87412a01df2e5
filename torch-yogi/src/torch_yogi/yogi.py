"""Yogi (Zaheer et al., NeurIPS 2018) for PyTorch, laid out as ``torch/optim/adam.py``.

The class checks its arguments and keeps the state (the keys and types of ``torch.optim.Adam``:
``step`` a 0-d tensor, ``exp_avg`` v, ``exp_avg_sq`` s, ``max_exp_avg_sq`` with AMSGrad);
``step()`` gathers each group's tensors and calls the functional :func:`yogi`, which picks one of
three implementations of the same equations:

* ``_single_tensor_yogi``: a for-loop of torch ops, one tensor at a time (any device; the only
  one for ``differentiable=True``);
* ``_multi_tensor_yogi``: torch's multi-tensor ``_foreach`` ops, one op per equation;
* ``_fused_yogi``: one pass over memory, through the operators of :mod:`torch_yogi.ops` (the C
  kernel on CPU, the Triton kernel on CUDA).

Yogi is Adam with another second moment: s ← s + (1−β2)·sign(g² − s)·g² moves s toward g² by
at most (1−β2)·g² a step, where Adam's s ← β2·s + (1−β2)·g² forgets it geometrically.
"""
import itertools
import operator

import torch
from torch import Tensor

from . import cpu_kernel, ops
from ._torch_private import AMP_SCALING_ATTRIBUTE, foreach

__all__ = ["Yogi", "yogi"]

CAPTURABLE_DEVICES = ("cuda", "xpu", "hpu", "xla", "mps")
_PLAIN = (Tensor, torch.nn.Parameter)
_DEVICE, _DTYPE, _IS_CPU, _GRAD = (operator.attrgetter(name) for name in ("device", "dtype", "is_cpu", "grad"))


def _scalar(x):
    """A one-element tensor as a 0-d tensor (torch accepts lr of shape (1, 1)); numbers as they are."""
    return x.reshape(()) if isinstance(x, Tensor) and x.dim() else x


def _scalar_dtype(fused):
    return torch.float64 if torch.get_default_dtype() == torch.float64 and not fused else torch.float32


def _check_number(name, value, high=None):
    if isinstance(value, Tensor) and value.numel() != 1:
        raise ValueError(f"Tensor {name} must be 1-element")
    if not (0.0 <= value and (high is None or value < high)):
        raise ValueError(f"Invalid {name}: {value}")


class Yogi(torch.optim.Optimizer):
    """Yogi with the arguments of ``torch.optim.Adam`` and their meaning, plus
    ``initial_accumulator``, the starting value of s (the default 1e-6 and ``lr``, ``betas``,
    ``eps`` follow the authors' TensorFlow code). ``decoupled_weight_decay=True`` decays as AdamW.
    ``fused=None`` (the default) takes the fused kernel for CPU float32/float64 parameters and
    torch's own ops elsewhere; ``fused=True`` asks for the kernel (CPU and CUDA), ``foreach=True``
    for the multi-tensor path, ``fused=False`` or ``foreach=False`` for the for-loop."""

    def __init__(self, params, lr=1e-2, betas=(0.9, 0.999), eps=1e-3, weight_decay=0, amsgrad=False, *,
                 initial_accumulator=1e-6, foreach=None, maximize=False, capturable=False,
                 differentiable=False, fused=None, decoupled_weight_decay=False):
        if isinstance(lr, Tensor):
            if foreach and not capturable:
                raise ValueError("lr as a Tensor is not supported for capturable=False and foreach=True")
            _check_number("lr", lr)
        _check_number("learning rate", lr)
        _check_number("epsilon value", eps)
        for i in (0, 1):
            _check_number(f"beta parameter at index {i}", betas[i], high=1.0)
        _check_number("weight_decay value", weight_decay)
        _check_number("initial_accumulator value", initial_accumulator)
        if not (all(isinstance(b, float) for b in betas) or all(isinstance(b, Tensor) for b in betas)):
            raise ValueError("betas must be either both floats or both Tensors")
        if isinstance(betas[0], Tensor) and foreach and not capturable:
            raise ValueError("betas[0] as a Tensor is not supported for capturable=False and foreach=True")
        defaults = dict(lr=lr, betas=tuple(map(_scalar, betas)), eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, initial_accumulator=initial_accumulator, maximize=maximize,
                        foreach=foreach, capturable=capturable, differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)
        if fused:
            if differentiable:
                raise RuntimeError("`fused` does not support `differentiable`")
            if foreach:
                raise RuntimeError("`fused` and `foreach` cannot be `True` together.")
            setattr(self, AMP_SCALING_ATTRIBUTE, True)  # GradScaler passes grad_scale and found_inf
        if fused is not False and not foreach and any(p.device.type == "cpu" for g in self.param_groups
                                                      for p in g["params"]):
            ops.cpu_kernel_ready()  # build (or find) the C kernel now, not inside a compiled step

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            for key, value in self.defaults.items():
                group.setdefault(key, value)
            for p in group["params"]:
                entry = self.state.get(p)
                if entry and not torch.is_tensor(entry["step"]):  # an int step of an older checkpoint
                    on_device = group["capturable"] or group["fused"]
                    entry["step"] = torch.tensor(float(entry["step"]), dtype=_scalar_dtype(group["fused"]),
                                                 device=p.device if on_device else "cpu")

    def _gather(self, group):
        """The group's tensors with a gradient, their state made on first use."""
        if torch.compiler.is_compiling():
            params = [p for p in group["params"] if p.grad is not None]
            grads = [p.grad for p in params]
        else:  # the same in C-level passes: this runs every step, for every parameter
            params, grads = group["params"], list(map(_GRAD, group["params"]))
            if not all(map(operator.is_not, grads, itertools.repeat(None))):
                params = [p for p, g in zip(params, grads) if g is not None]
                grads = [g for g in grads if g is not None]
        states = list(map(self.state.get, params))
        if not all(states):
            for i, p in enumerate(params):
                if not states[i]:
                    self._init_state(p, group)
                    states[i] = self.state[p]
        max_exp_avg_sqs = []
        if group["amsgrad"]:
            for st, p in zip(states, params):
                if "max_exp_avg_sq" not in st:  # amsgrad switched on after the first steps
                    st["max_exp_avg_sq"] = torch.zeros_like(p, memory_format=torch.preserve_format)
            max_exp_avg_sqs = [st["max_exp_avg_sq"] for st in states]
        steps = [st["step"] for st in states]
        if group["differentiable"] and any(t.requires_grad for t in steps):
            raise RuntimeError("`requires_grad` is not supported for `step` in differentiable mode")
        if group["foreach"] and torch.is_tensor(group["lr"]) and not group["capturable"]:
            raise RuntimeError("lr as a Tensor is not supported for capturable=False and foreach=True")
        return (params, grads, [st["exp_avg"] for st in states], [st["exp_avg_sq"] for st in states],
                max_exp_avg_sqs, steps)

    def _init_state(self, p, group):
        if group["fused"]:
            ops.check_fused(p)
        on_device = group["capturable"] or group["fused"]
        s0 = group["initial_accumulator"]
        state = self.state[p]
        state["step"] = torch.zeros((), dtype=_scalar_dtype(group["fused"]), device=p.device if on_device else "cpu")
        state["exp_avg"] = torch.zeros_like(p, memory_format=torch.preserve_format)  # v₀ = 0
        state["exp_avg_sq"] = torch.full_like(p, complex(s0, s0) if p.is_complex() else s0,
                                              memory_format=torch.preserve_format)  # s₀
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = torch.zeros_like(p, memory_format=torch.preserve_format)

    def _again(self, group):
        """Whether this group's step may be the C kernel's repeat of its last call (eager, and
        nothing asks for another path: those tensors were checked and took the kernel then)."""
        return (group["fused"] is not False and not group["foreach"] and not group["differentiable"]
                and not group["capturable"] and getattr(self, "grad_scale", None) is None
                and getattr(self, "found_inf", None) is None and not torch.compiler.is_compiling())

    def step(self, closure=None):
        """Perform a single optimization step; ``closure`` re-evaluates the model and returns the loss."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        with torch.set_grad_enabled(self.defaults["differentiable"]):
            for group in self.param_groups:
                params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps = self._gather(group)
                beta1, beta2 = group["betas"]
                if self._again(group) and cpu_kernel.step_again(
                        params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps, float(group["lr"]),
                        float(beta1), float(beta2), group["weight_decay"], group["eps"], group["amsgrad"],
                        group["maximize"], group["decoupled_weight_decay"]):
                    continue  # the tensors of the last step, checked then and unchanged since
                if any(g.is_sparse for g in grads):
                    raise RuntimeError("Yogi does not support sparse gradients")
                yogi(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps, foreach=group["foreach"],
                     capturable=group["capturable"], differentiable=group["differentiable"], fused=group["fused"],
                     grad_scale=getattr(self, "grad_scale", None), found_inf=getattr(self, "found_inf", None),
                     decoupled_weight_decay=group["decoupled_weight_decay"],
                     amsgrad=group["amsgrad"], beta1=beta1, beta2=beta2, lr=group["lr"],
                     weight_decay=group["weight_decay"], eps=group["eps"], maximize=group["maximize"])
        return loss


def _check_capturable(params, state_steps):
    if torch.compiler.is_compiling():
        return  # the compiler checks graph capture itself
    for p, t in zip(params, state_steps):
        if not (p.device.type == t.device.type and p.device.type in CAPTURABLE_DEVICES):
            raise AssertionError("If capturable=True, params and state_steps must be on supported devices: "
                                 f"{list(CAPTURABLE_DEVICES)}.")


def _single_tensor_yogi(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps, *, amsgrad, beta1,
                        beta2, lr, weight_decay, eps, maximize, capturable, differentiable, decoupled_weight_decay):
    """One tensor at a time, one torch op per equation; autograd can follow it (differentiable)."""
    if capturable:
        _check_capturable(params, state_steps)
    for i, p in enumerate(params):
        g, v, s, t = grads[i], exp_avgs[i], exp_avg_sqs[i], state_steps[i]
        m = max_exp_avg_sqs[i] if amsgrad else None
        if maximize:
            g = -g  # g ← −g
        t += 1  # t ← t + 1
        if weight_decay != 0:
            if decoupled_weight_decay:
                p.mul_(1 - lr * weight_decay)  # p ← p·(1 − ηλ)
            else:
                g = g.add(p, alpha=weight_decay)  # g ← g + λ·p
        if torch.is_complex(p):  # a complex number is updated as its two real parts
            p, g, v, s = map(torch.view_as_real, (p, g, v, s))
            m = None if m is None else torch.view_as_real(m)
        v.lerp_(g, 1 - beta1)  # v ← β1·v + (1−β1)·g
        g2 = g * g
        s.add_((1 - beta2) * torch.sign(g2 - s) * g2)  # s ← s + (1−β2)·sign(g² − s)·g²
        if amsgrad:
            m.copy_(torch.maximum(m.clone() if differentiable else m, s))  # m ← max(m, s)
            s = m
        step = t if capturable or differentiable or torch.compiler.is_compiling() else t.item()
        bias1, bias2 = 1 - beta1**step, 1 - beta2**step
        p.sub_(lr * (v / bias1) / ((s / bias2).sqrt() + eps))  # p ← p − η·v̂/(√ŝ + ε)


def _increment(steps):
    if steps[0].device.type == "cpu":  # one CPU scalar for all, not a kernel launch each
        foreach.add_(steps, torch.tensor(1.0), alpha=1.0)
    else:
        foreach.add_(steps, 1)


def _multi_tensor_yogi(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps, *, amsgrad, beta1,
                       beta2, lr, weight_decay, eps, maximize, capturable, differentiable, decoupled_weight_decay):
    """The same equations, one multi-tensor op each, per (device, dtype) of the parameters."""
    if differentiable:
        raise RuntimeError("_foreach ops don't support autograd")
    if capturable:
        _check_capturable(params, state_steps)
    lists = (params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs if amsgrad else [None] * len(params), state_steps)
    buckets = {}
    for row in zip(*lists):
        bucket = buckets.setdefault((row[0].device, row[0].dtype), [[] for _ in lists])
        for column, x in zip(bucket, row):
            column.append(torch.view_as_real(x) if x is not None and torch.is_complex(x) else x)
    for P, G, V, S, M, T in buckets.values():
        _increment(T)  # t ← t + 1
        if maximize:
            G = foreach.neg(G)  # g ← −g
        if weight_decay != 0:
            if decoupled_weight_decay:
                foreach.mul_(P, 1 - lr * weight_decay)  # p ← p·(1 − ηλ)
            else:
                G = foreach.add(G, P, alpha=weight_decay)  # g ← g + λ·p
        foreach.lerp_(V, G, 1 - beta1)  # v ← β1·v + (1−β1)·g
        G2 = foreach.mul(G, G)
        D = foreach.sub(G2, S)
        foreach.sign_(D)
        foreach.mul_(D, G2)
        foreach.mul_(D, 1 - beta2)
        foreach.add_(S, D)  # s ← s + (1−β2)·sign(g² − s)·g²
        if amsgrad:
            foreach.maximum_(M, S)  # m ← max(m, s)
            S = M
        if capturable:  # bias corrections from the device step counts, no host sync
            bias1 = foreach.neg(foreach.sub(foreach.pow(beta1, T), 1))  # 1 − β1ᵗ
            bias2 = foreach.neg(foreach.sub(foreach.pow(beta2, T), 1))  # 1 − β2ᵗ
        else:
            bias1 = [1 - beta1 ** t.item() for t in T]
            bias2 = [1 - beta2 ** t.item() for t in T]
        denom = foreach.div(S, bias2)
        denom = foreach.sqrt(denom)
        foreach.add_(denom, eps)  # √ŝ + ε
        step = foreach.div(V, bias1)  # v̂
        foreach.mul_(step, lr)
        foreach.div_(step, denom)
        foreach.sub_(P, step)  # p ← p − η·v̂/(√ŝ + ε)


def _fused_yogi(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps, *, amsgrad, beta1, beta2, lr,
                weight_decay, eps, maximize, capturable, differentiable, decoupled_weight_decay, grad_scale,
                found_inf, kinds):
    """One pass over memory per (device, dtype): the operators of :mod:`torch_yogi.ops`."""
    if differentiable:
        raise RuntimeError("Yogi with fused=True does not support differentiable=True")
    lists = (params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs if amsgrad else [None] * len(params), state_steps)
    if len(kinds) == 1:
        buckets = {kinds.pop(): lists}  # the usual case: no regrouping
    else:
        buckets = {}
        for row in zip(*lists):
            bucket = buckets.setdefault((row[0].device, row[0].dtype), [[] for _ in lists])
            for column, x in zip(bucket, row):
                column.append(x)
    for (device, _), (P, G, V, S, M, T) in buckets.items():
        ops.fused_step(P, G, V, S, M if amsgrad else [], T, lr=lr, beta1=beta1, beta2=beta2,
                       weight_decay=weight_decay, eps=eps, amsgrad=amsgrad, maximize=maximize,
                       decoupled_weight_decay=decoupled_weight_decay, capturable=capturable,
                       grad_scale=None if grad_scale is None else grad_scale.to(device, non_blocking=True),
                       found_inf=None if found_inf is None else found_inf.to(device, non_blocking=True))


def _kinds(params):
    """{(device, dtype)} of the parameters (C-level passes where not traced: this runs every step)."""
    if torch.compiler.is_compiling():
        return {(p.device, p.dtype) for p in params}
    dtypes = set(map(_DTYPE, params))
    if len(dtypes) == 1 and all(map(_IS_CPU, params)):
        return {(params[0].device, dtypes.pop())}
    devices = set(map(_DEVICE, params))
    if len(devices) == 1 and len(dtypes) == 1:
        return {(devices.pop(), dtypes.pop())}
    return set(zip(map(_DEVICE, params), map(_DTYPE, params)))


def _default_fused(params, differentiable, kinds=None, lr=None, capturable=False):
    """The fused kernel where it has been run and measured: CPU float32/float64, plain tensors (not
    for capturable=True, which CPU cannot honour, nor for a Tensor lr inside torch.compile, which the
    kernel would read on the host)."""
    # (inside torch.compile, dynamo sets capturable=True on every group itself)
    if differentiable or (capturable and not torch.compiler.is_compiling()) or not ops.cpu_kernel_ready():
        return False
    if isinstance(lr, Tensor) and torch.compiler.is_compiling():
        return False
    kinds = _kinds(params) if kinds is None else kinds
    plain = (all(type(p) in _PLAIN for p in params) if torch.compiler.is_compiling()
             else set(map(type, params)) <= set(_PLAIN))
    return plain and all(device.type == "cpu" and dtype in cpu_kernel.DTYPES for device, dtype in kinds)


def _default_foreach(params, differentiable, lr, capturable):
    """Multi-tensor ops where torch.optim.Adam takes them: CUDA tensors, outside autograd."""
    return (not differentiable and not (isinstance(lr, Tensor) and not capturable)
            and all(p.device.type == "cuda" for p in params))


def yogi(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps, foreach=None, capturable=False,
         differentiable=False, fused=None, grad_scale=None, found_inf=None, has_complex=False,
         decoupled_weight_decay=False, *, amsgrad, beta1, beta2, lr, weight_decay, eps, maximize):
    """Functional Yogi: update ``params`` and the state lists in place (see :class:`Yogi`)."""
    if not params:
        return
    if (not torch.compiler.is_compiling() and not set(map(type, state_steps)) <= set(_PLAIN)
            and not all(isinstance(t, Tensor) for t in state_steps)):
        raise RuntimeError("API has changed, `state_steps` argument must contain a list of singleton tensors")
    kinds = _kinds(params)
    if fused is None and foreach is None:
        fused = _default_fused(params, differentiable, kinds, lr, capturable)
        foreach = not fused and _default_foreach(params, differentiable, lr, capturable)
    lr, beta1, beta2 = _scalar(lr), _scalar(beta1), _scalar(beta2)
    if fused:
        _fused_yogi(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps, amsgrad=amsgrad,
                    beta1=beta1, beta2=beta2, lr=lr, weight_decay=weight_decay, eps=eps, maximize=maximize,
                    capturable=capturable, differentiable=differentiable,
                    decoupled_weight_decay=decoupled_weight_decay, grad_scale=grad_scale, found_inf=found_inf,
                    kinds=kinds)
        return
    if grad_scale is not None or found_inf is not None:
        raise AssertionError("Expected grad_scale and found_inf to be None")
    fn = _multi_tensor_yogi if foreach else _single_tensor_yogi
    fn(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps, amsgrad=amsgrad, beta1=beta1,
       beta2=beta2, lr=lr, weight_decay=weight_decay, eps=eps, maximize=maximize, capturable=capturable,
       differentiable=differentiable, decoupled_weight_decay=decoupled_weight_decay)
