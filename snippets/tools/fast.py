"""Fused paths for ``snippets.optim`` (private): the same equations, fewer passes over memory.

``Adam.step`` hands each parameter group to :func:`step`, which updates the parameters it can
and returns the rest for the reference loop. Paths (``optimizer._impl`` forces one):

``"torch-fused"``
    Adam: torch's fused Adam kernel, ``torch._fused_adam_`` — the kernel
    ``torch.optim.Adam(fused=True)`` runs, so the numbers are identical to it.

    Yogi: the same kernel. It computes s' = β2·X + (1−β2)·g² from whatever X it finds in the
    state, and the rest of the update from s'. Writing the pre-image
    X = s/β2 − ((1−β2)/β2)·(1 + sign(s − g²))·g² into the state first makes s' exactly Yogi's
    s + (1−β2)·sign(g² − s)·g², and the kernel then does Yogi's update with v untouched. The
    pre-image takes five eager ops, six with weight decay (foreach ops: one multi-tensor kernel
    each on CUDA). On CPU they run on chunks of ~128K elements, so the fused kernel re-reads g
    and s from cache; still, each op is a pass over the chunk, so this path costs about
    1.8–2.1× a fused Adam step on CPU (two runs at 1e7 parameters on a 2-core CPU: 1.76×,
    2.14×). Needs β2 > 0; float32/float64.

``"c-kernel"`` (Yogi on CPU)
    A one-pass C loop compiled on first use (``yogi_c.py``); float32/float64.

``"auto"``
    Adam: torch-fused. Yogi: c-kernel on CPU when it builds, else torch-fused. Tensors a path
    cannot take (other dtypes or devices, non-contiguous memory, a subclass with its own
    ``_second_moment``) go to the reference loop. A forced path raises instead.
"""
import torch

from . import yogi_c

IMPLS = ("auto", "reference", "torch-fused", "c-kernel")
_DTYPES = {
    "adam": (torch.float16, torch.bfloat16, torch.float32, torch.float64),
    "yogi": (torch.float32, torch.float64),
}
# Elements per CPU chunk of the Yogi pre-image: g, s and two temporaries stay in L2 cache.
CPU_CHUNK = 1 << 17


_RULES = {}


def _rule(optimizer):
    """Which second-moment rule ``optimizer`` computes: "adam", "yogi", or None (a custom one)."""
    if not _RULES:
        from snippets.optim import Adam, Yogi

        _RULES.update({Adam._second_moment: "adam", Yogi._second_moment: "yogi"})
    return _RULES.get(type(optimizer)._second_moment)


def step(optimizer, group, params):
    """Update what a fused path can take from ``params`` (all with grads); return the rest."""
    impl = optimizer._impl
    if impl == "reference" or not params:
        return params
    if impl not in IMPLS:
        raise ValueError(f"Invalid _impl: {impl!r} (expected one of {', '.join(IMPLS)})")
    rule = _rule(optimizer)
    if rule is None:
        if impl != "auto":
            raise RuntimeError(f"_impl={impl!r}: {type(optimizer).__name__} has its own _second_moment")
        return params
    if rule == "adam" and impl == "c-kernel":
        raise ValueError("Invalid _impl: 'c-kernel' computes Yogi only")

    # Bucket by (device, dtype, step); torch keeps p.grad on p's device and dtype, and the
    # state tensors were made like p. Anything a fused kernel cannot read linearly stays out.
    buckets, rest = {}, []
    dtypes = _DTYPES[rule]
    states = optimizer.state
    for p in params:
        if p.dtype in dtypes and p.is_contiguous() and p.grad.is_contiguous():
            state = states[p]
            device = p.device
            if device.type in ("cpu", "cuda"):
                key = (device, p.dtype, state["step"])
                bucket = buckets.get(key)
                if bucket is None:
                    buckets[key] = bucket = ([], [])
                bucket[0].append(p)
                bucket[1].append(state)
                continue
        rest.append(p)
    if impl != "auto" and rest:
        raise RuntimeError(
            f"_impl={impl!r} cannot take {len(rest)} parameter(s): needs contiguous CPU/CUDA tensors "
            f"of dtype {', '.join(str(d) for d in dtypes)}"
        )
    for (device, dtype, t), (ps, sts) in buckets.items():
        path = _choose(rule, impl, device, group)
        if path is None:
            rest.extend(ps)
            continue
        for state in sts:
            state["step"] = t + 1  # t ← t + 1
        path(group, ps, sts, device, t + 1)
    return rest


def _choose(rule, impl, device, group):
    if rule == "adam":
        return _adam_torch_fused
    if group["amsgrad"]:  # only the reference loop computes an AMSGrad variant of Yogi
        if impl != "auto":
            raise RuntimeError(f"_impl={impl!r} does not compute amsgrad for Yogi")
        return None
    if impl == "c-kernel":
        if device.type != "cpu":
            raise RuntimeError(f"_impl='c-kernel' runs on CPU only, not on {device}")
        if yogi_c.load() is None:
            raise RuntimeError(f"_impl='c-kernel' is unavailable: {yogi_c.unavailable_reason()}")
        return _yogi_c_kernel
    pre_image_ok = group["betas"][1] > 0
    if impl == "torch-fused":
        if not pre_image_ok:
            raise RuntimeError("_impl='torch-fused' needs β2 > 0 for Yogi (it divides by β2)")
        return _yogi_torch_fused
    if device.type == "cpu" and yogi_c.load() is not None:
        return _yogi_c_kernel
    return _yogi_torch_fused if pre_image_ok else None


def _scalar(x):
    return x.item() if isinstance(x, torch.Tensor) else x


def _adam_torch_fused(group, params, states, device, t):
    beta1, beta2 = group["betas"]
    step = torch.full((), float(t), dtype=torch.float32, device=device)
    torch._fused_adam_(
        params,
        [p.grad for p in params],
        [s["exp_avg"] for s in states],
        [s["exp_avg_sq"] for s in states],
        [s["max_exp_avg_sq"] for s in states] if group["amsgrad"] else [],
        [step] * len(params),
        lr=_scalar(group["lr"]),
        beta1=beta1,
        beta2=beta2,
        weight_decay=group["weight_decay"],
        eps=group["eps"],
        amsgrad=group["amsgrad"],
        maximize=False,
    )
    torch.autograd.graph.increment_version(params)  # the fused kernel does not tell autograd


def _chunks(tensors, limit):
    """Yield lists (p, g, v, s) covering ``tensors`` in pieces of about ``limit`` elements."""
    if limit is None:
        yield [list(column) for column in zip(*tensors)]
        return
    batch, size = [[], [], [], []], 0
    for quad in tensors:
        n = quad[0].numel()
        if n > limit:  # split a large tensor into views of `limit` elements
            flat = [x.view(-1) for x in quad]
            for start in range(0, n, limit):
                yield [[x[start : start + limit]] for x in flat]
            continue
        for column, x in zip(batch, quad):
            column.append(x)
        size += n
        if size >= limit:
            yield batch
            batch, size = [[], [], [], []], 0
    if batch[0]:
        yield batch


def _yogi_torch_fused(group, params, states, device, t):
    beta1, beta2 = group["betas"]
    weight_decay = group["weight_decay"]
    c = (1 - beta2) / beta2
    step = torch.full((), float(t), dtype=torch.float32, device=device)
    lr, eps = _scalar(group["lr"]), group["eps"]
    tensors = [(p, p.grad, s["exp_avg"], s["exp_avg_sq"]) for p, s in zip(params, states)]
    for P, G, V, S in _chunks(tensors, CPU_CHUNK if device.type == "cpu" else None):
        if weight_decay != 0:
            G = torch._foreach_add(G, P, alpha=weight_decay)  # g ← g + λ·p
        T = torch._foreach_mul(G, G)  # g²
        sign = torch._foreach_sub(S, T)
        torch._foreach_sign_(sign)  # sign(s − g²)
        torch._foreach_addcmul_(T, sign, T)  # T ← (1 + sign(s − g²))·g²
        torch._foreach_lerp_(S, T, -c)  # X = s + (−c)·(T − s) = s/β2 − c·T
        torch._fused_adam_(  # s ← β2·X + (1−β2)·g², then Adam's v and p updates
            P, G, V, S, [], [step] * len(P),
            lr=lr, beta1=beta1, beta2=beta2, weight_decay=0.0, eps=eps, amsgrad=False, maximize=False,
        )
    torch.autograd.graph.increment_version(params)  # the fused kernel does not tell autograd


def _yogi_c_kernel(group, params, states, device, t):
    beta1, beta2 = group["betas"]
    yogi_c.yogi_step(
        params,
        [p.grad for p in params],
        [s["exp_avg"] for s in states],
        [s["exp_avg_sq"] for s in states],
        lr=_scalar(group["lr"]),
        beta1=beta1,
        beta2=beta2,
        eps=group["eps"],
        weight_decay=group["weight_decay"],
        step=t,
    )
