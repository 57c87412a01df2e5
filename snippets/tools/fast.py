"""Fast paths for ``snippets.optim`` (private): the same equations, fewer passes over memory, and
a cached plan per parameter group so that a step does little Python work.

``Adam.step`` hands each parameter group to :func:`group_step`, which updates what the kernels
can take and returns the rest for the reference loop (``Adam._update``, the code on the pages).

Paths (``optimizer._impl`` forces one; the flags ``fused``/``foreach`` choose as in torch)
----------------------------------------------------------------------------------------------
``"torch-fused"``
    Adam: torch's fused Adam kernel, ``torch._fused_adam_`` (``torch._fused_adamw_`` with
    ``decoupled_weight_decay``) — what ``torch.optim.Adam(fused=True)`` runs, so the numbers are
    bit-identical to it. Yogi: the same kernel fed a pre-image of s. The kernel computes
    s' = β2·X + (1−β2)·g² from whatever X it finds in the state; writing
    X = s/β2 − ((1−β2)/β2)·(1 + sign(s − g²))·g² there first makes s' Yogi's
    s + (1−β2)·sign(g² − s)·g², and the kernel does the rest of Yogi's update. The pre-image
    takes five foreach ops (six or seven with weight decay or maximize); on CPU they run on
    chunks of ~128K elements, so the fused kernel re-reads g and s from cache: about 1.8–2.1× a
    fused Adam step there. Needs β2 > 0; float32/float64 for Yogi.
``"c-kernel"`` (Yogi on CPU)
    A one-pass C loop compiled on first use (``yogi_c.py``); float32/float64.
``"triton"`` (Yogi on CUDA)
    A one-pass Triton kernel, one launch per bucket (``yogi_triton.py``); float32, float16 and
    bfloat16 with float32 math; ``"auto"`` takes it first on CUDA when triton imports. On CPU
    tensors it runs only under ``TRITON_INTERPRET=1`` (how the tests check it without a GPU).
``"foreach"``
    ``torch._foreach_*`` ops, one multi-tensor op per equation: any floating dtype, any device
    with foreach ops. ``foreach=True`` asks for it; ``"auto"`` uses it where no fused kernel
    takes a tensor (Yogi in float16/bfloat16, Yogi with β2 = 0).
``"reference"``
    The per-parameter loop on the pages. The only path for ``differentiable=True``, for tensor
    subclasses other than a DTensor whose tensors share placements, and for devices other than
    CPU and CUDA.

``fused=True`` takes the first fused kernel of :data:`PREFERENCE` for the group's rule and
device that accepts the tensor, and raises ``ValueError`` (naming ``fused=True``, the dtype and
the device) where none does; ``foreach=True`` takes ``"foreach"``; ``foreach=False`` or
``fused=False`` (the other one None) takes the reference loop, as in ``torch.optim.Adam``.

Every path takes 0-d, empty, non-contiguous, channels_last, complex and mixed-dtype parameters:
a complex tensor is updated as its real view (``torch.view_as_real``, as torch does); a dense
tensor in any memory order is read as one flat run of memory when its gradient and state share
its strides, and a state tensor that does not (from a checkpoint) is re-laid out once; a
gradient in another layout is copied into the parameter's layout for the step; a parameter that
is not dense (a strided slice) is updated through a contiguous copy written back after the
kernel. A DTensor is updated through its local shard when its gradient and state have the same
mesh and placements (no ``Partial``); otherwise it takes the reference loop, whose DTensor ops
redistribute as needed. Raw pointers are never taken from anything else.

Adding a kernel (the hook for ``_impl = "triton"``)
----------------------------------------------------
A kernel is a :class:`Kernel`: a name, the rules it computes (``"adam"``, ``"yogi"``), the device
types and dtypes it takes, whether it counts as fused (``fused=True``), whether it keeps the step
count on the device (``capturable``), an ``unavailable()`` reason (``None`` when it can run), a
``refuse(group)`` reason for hyperparameters it cannot compute, and ``run(bucket, h)``, which
updates one bucket (its tensor lists ``P G V S M``, all of one device and dtype) with the
hyperparameters ``h`` (:class:`Hyper`). :func:`register` adds it and puts it first (or where
told) in :data:`PREFERENCE` for the (rule, device type) pairs given; ``_impl`` can then name it.
The Triton Yogi kernel (``yogi_triton.py``) registers this way at the end of this file, first
for Yogi on CUDA.
"""
import collections
import functools
import itertools
import math
import operator

import torch

from . import options, yogi_c, yogi_triton

# Elements per CPU chunk of the Yogi pre-image: g, s and two temporaries stay in L2 cache.
CPU_CHUNK = 1 << 17
# On CPU, torch's fused Adam kernel starts a parallel region per tensor however small; a bucket's
# tensors below this size run on one thread (same numbers, no wake-ups of idle threads).
SMALL_TENSOR = 1 << 15


class Kernel:
    """One fused or multi-tensor implementation; see the module docstring."""

    def __init__(self, name, rules, devices, dtypes, run, *, fused=False, capturable=False,
                 unavailable=lambda: None, refuse=lambda rule, group: None, small_on_one_thread=False):
        self.name, self.rules, self.devices, self.dtypes = name, tuple(rules), tuple(devices), dtypes
        self.run, self.fused, self.capturable = run, fused, capturable
        self.unavailable, self.refuse = unavailable, refuse
        self.small_on_one_thread = small_on_one_thread  # CPU: run tensors < SMALL_TENSOR on one thread

    def dtypes_for(self, rule):
        """The dtypes this kernel takes for ``rule`` (``dtypes`` may map rule → dtypes)."""
        return self.dtypes.get(rule, ()) if isinstance(self.dtypes, dict) else self.dtypes

    def takes(self, rule, device_type, dtype):
        return (rule in self.rules and ("*" in self.devices or device_type in self.devices)
                and dtype in self.dtypes_for(rule))


KERNELS = {}
PREFERENCE = {}  # (rule, device type) → names of the fused kernels to try, best first
PATHS = ("auto", "reference")  # and every registered kernel's name: what _impl may be


def register(kernel, prefer=(), position=0):
    """Add ``kernel``; for each (rule, device type) in ``prefer``, try it at ``position`` (0: first)."""
    global PATHS
    KERNELS[kernel.name] = kernel
    PATHS = ("auto", "reference", *KERNELS)
    for key in prefer:
        names = [n for n in PREFERENCE.get(key, ()) if n != kernel.name]
        names.insert(position, kernel.name)
        PREFERENCE[key] = tuple(names)


class Hyper:
    """The hyperparameters of one step of one group, as the kernels read them."""

    __slots__ = ("lr", "beta1", "beta2", "eps", "weight_decay", "maximize", "decoupled", "amsgrad")

    def __init__(self, group):
        self.lr = group["lr"]  # a number or a tensor: torch-fused passes a tensor on, as torch does
        beta1, beta2 = group["betas"]
        self.beta1, self.beta2 = float(beta1), float(beta2)
        self.eps, self.weight_decay = float(group["eps"]), float(group["weight_decay"])
        self.maximize, self.decoupled = group["maximize"], group["decoupled_weight_decay"]
        self.amsgrad = group["amsgrad"]


# --- choosing a path ------------------------------------------------------------------------------

_RULES = {}


def _rule(optimizer):
    """Which second-moment rule ``optimizer`` computes: "adam", "yogi", or None (a custom one)."""
    if not _RULES:
        from snippets.optim import Adam, Yogi

        _RULES.update({Adam._second_moment: "adam", Yogi._second_moment: "yogi"})
    return _RULES.get(type(optimizer)._second_moment)


def _want(optimizer, group):
    """(what is asked for, how to name it in errors): a forced ``_impl``, else "fused", "foreach",
    "reference" or "auto" from the group's flags."""
    impl = optimizer._impl
    if impl != "auto":
        if impl not in PATHS:
            raise ValueError(f"Invalid _impl: {impl!r} (expected one of {', '.join(PATHS)})")
        if impl != "reference" and group["differentiable"]:
            raise RuntimeError(f"_impl={impl!r} does not support differentiable=True (the reference loop does)")
        return impl, f"_impl={impl!r}"
    if group["differentiable"]:
        return "reference", "differentiable=True"  # the only path autograd can follow
    fused, foreach = group["fused"], group["foreach"]
    if fused:
        return "fused", "fused=True"
    if foreach:
        return "foreach", "foreach=True"
    if fused is False or foreach is False:
        return "reference", "fused/foreach=False"  # as in torch: False for either flag forces the for-loop
    return "auto", "auto"


def _refusal(kernel, rule, device_type, dtype, group):
    """Why ``kernel`` cannot update a ``dtype`` tensor on ``device_type`` for this group (None: it can)."""
    if rule not in kernel.rules:
        return f"computes {' and '.join(r.capitalize() for r in kernel.rules)} only"
    if not kernel.takes(rule, device_type, dtype):
        dtypes = ", ".join(str(d).replace("torch.", "") for d in kernel.dtypes_for(rule))
        return f"takes {dtypes} on {' or '.join(kernel.devices)}"
    if group["capturable"] and not kernel.capturable:
        return "does not keep the step count on the device (capturable=True)"
    return kernel.unavailable() or kernel.refuse(rule, group)


def _choose(rule, want, device_type, dtype, group, where, asked):
    """The kernel for one tensor, or None for the reference loop; raises where a request can't be met.

    ``where`` says why no kernel may take the tensor at all (a tensor subclass, say), else None;
    ``asked`` names the request in errors ("fused=True", "_impl='c-kernel'", ...): a flag's
    error is a ValueError, a forced ``_impl``'s a RuntimeError.
    """
    error = ValueError if asked.endswith("=True") else RuntimeError
    name = str(dtype).replace("torch.", "")
    if want == "reference":
        return None
    if rule is None:
        if want == "auto":
            return None
        raise error(f"{asked}: this optimizer has its own _second_moment, which only the reference loop computes")
    if want in ("auto", "fused"):
        reasons = [where] if where else []
        for kernel_name in () if where else PREFERENCE.get((rule, device_type), ()):
            kernel = KERNELS[kernel_name]
            why = _refusal(kernel, rule, device_type, dtype, group)
            if why is None:
                return kernel
            reasons.append(f"{kernel_name} {why}")
        if want == "fused":
            detail = "; ".join(reasons) or f"no fused {rule} kernel on {device_type}"
            raise error(f"Invalid flags: fused=True cannot take a {name} parameter on {device_type} ({detail})")
        if where is None and device_type in ("cpu", "cuda") and not group["capturable"]:
            return KERNELS["foreach"]  # e.g. Yogi in bfloat16: one multi-tensor op per equation
        return None
    kernel = KERNELS[want]  # foreach=True, or a path forced through _impl
    why = where or _refusal(kernel, rule, device_type, dtype, group)
    if why is not None:
        prefix = "Invalid flags: " if error is ValueError else ""
        raise error(f"{prefix}{asked} cannot take a {name} parameter on {device_type}: {why}")
    return kernel


# --- the state container: one counter tells a plan that entries were added or replaced ------------


class State(collections.defaultdict):
    """``optimizer.state`` as a ``defaultdict(dict)`` that counts the entries set or removed, so
    that a cached plan notices a replaced state without looking at every entry."""

    def __init__(self, items=()):
        super().__init__(dict)
        self.version = 0
        for key, value in dict(items).items():
            super().__setitem__(key, value)

    def __setitem__(self, key, value):
        self.version += 1
        super().__setitem__(key, value)

    def __delitem__(self, key):
        self.version += 1
        super().__delitem__(key)

    def __reduce__(self):  # pickles and deep-copies as the plain defaultdict torch makes
        return (collections.defaultdict, (dict,), None, None, iter(self.items()))


def _counting(name):
    def method(self, *args, **kwargs):
        self.version += 1
        return getattr(collections.defaultdict, name)(self, *args, **kwargs)

    method.__name__ = name
    return method


for _name in ("pop", "popitem", "clear", "update", "setdefault"):
    setattr(State, _name, _counting(_name))
del _name


def with_counted_state(init):
    """``init``, then ``optimizer.state`` as a :class:`State` (from the start, so that code holding
    the state dict sees the one the plans watch)."""

    @functools.wraps(init)
    def wrapper(self, *args, **kwargs):
        init(self, *args, **kwargs)
        if type(self.state) is not State:
            self.state = State(self.state)

    return wrapper


# --- slots: one parameter as a kernel sees it ---------------------------------------------------

PLAIN, FLAT, GATHER = 0, 1, 2  # contiguous; dense in another memory order; not dense at all
# What a step reads of every parameter, as C-level getters (map() runs them without a Python loop).
_GRAD, _DATA_PTR, _IS_CONTIGUOUS = operator.attrgetter("grad"), torch.Tensor.data_ptr, torch.Tensor.is_contiguous
_EXP_AVG, _EXP_AVG_SQ, _STEP = operator.itemgetter("exp_avg"), operator.itemgetter("exp_avg_sq"), operator.itemgetter("step")
_MAX_EXP_AVG_SQ = operator.methodcaller("get", "max_exp_avg_sq")  # None where amsgrad came later
_STEPS = itertools.repeat("step")
_DTENSOR = []


def _dtensor_type():
    """``torch.distributed.tensor.DTensor``, or None where torch.distributed is not built."""
    if not _DTENSOR:
        try:
            from torch.distributed.tensor import DTensor
        except Exception:  # no torch.distributed in this build
            DTensor = None
        _DTENSOR.append(DTensor)
    return _DTENSOR[0]


def _dense(t):
    """Whether ``t``'s elements fill one run of memory without gaps or overlaps (any order)."""
    dims = sorted((stride, size) for size, stride in zip(t.shape, t.stride()) if size != 1)
    expected = 1
    for stride, size in dims:
        if stride != expected:
            return False
        expected *= size
    return True


def _flat(t):
    """A dense tensor as one flat view of its memory, in memory order."""
    return t.as_strided((t.numel(),), (1,), t.storage_offset())


class _Slot:
    """One parameter taken by a kernel: the tensors the kernel reads, and how to check them."""

    __slots__ = ("param", "state", "v0", "s0", "m0", "ptr", "kind", "base", "p", "v", "s", "m",
                 "stride", "dtensor", "complex", "numel")

    def grad(self, g):
        """The kernel's view of the gradient ``g`` (a copy where its layout differs); raises _Stale."""
        if self.dtensor is not None:
            if not isinstance(g, _dtensor_type()) or (g.device_mesh, g.placements) != self.dtensor:
                raise _Stale
            g = g._local_tensor
        if self.complex:
            g = torch.view_as_real(g)
        if self.kind == PLAIN:
            return g if g.is_contiguous() else g.contiguous()
        if self.kind == FLAT:
            if g.stride() != self.stride:
                g = torch.empty_like(self.base).copy_(g)
            return _flat(g)
        return g.contiguous().view(-1)  # (reshape could give a strided view)

    def storage_ptr(self):
        p = self.param
        return (p._local_tensor if self.dtensor is not None else p).data_ptr()


class _Stale(Exception):
    """A plan no longer matches its group: build it again."""


def _slot(optimizer, p, g, state, group):
    """A slot for ``p`` (its state initialised), or a string saying why no kernel may take it."""
    slot = _Slot()
    slot.param, slot.state, slot.dtensor = p, state, None
    keys = ["exp_avg", "exp_avg_sq"] + (["max_exp_avg_sq"] if group["amsgrad"] else [])
    if type(p) not in (torch.Tensor, torch.nn.Parameter):
        DTensor = _dtensor_type()
        if DTensor is None or not isinstance(p, DTensor):
            return f"a {type(p).__name__} is not a plain tensor"
        tensors = [g] + [state[k] for k in keys]
        placement = (p.device_mesh, p.placements)
        if not all(isinstance(t, DTensor) and (t.device_mesh, t.placements) == placement for t in tensors):
            return "a DTensor whose gradient or state has other placements"
        if any(pl.is_partial() for pl in p.placements):
            return "a DTensor with a Partial placement"
        slot.dtensor = placement
        base, moments = p._local_tensor, [state[k]._local_tensor for k in keys]
    else:
        base, moments = p, [state[k] for k in keys]
    slot.complex = base.is_complex()
    if slot.complex:
        base, moments = torch.view_as_real(base), [torch.view_as_real(m) for m in moments]
    slot.base, slot.numel = base, base.numel()
    if base.is_contiguous():
        slot.kind = PLAIN
    elif _dense(base):
        slot.kind = FLAT
    else:
        slot.kind = GATHER
    # State from a checkpoint may have another layout, dtype or device: lay it out like p, once.
    for i, (key, m) in enumerate(zip(keys, moments)):
        ok = m.dtype == base.dtype and m.device == base.device and m.shape == base.shape
        ok = ok and (m.is_contiguous() if slot.kind != FLAT else m.stride() == base.stride())
        if not ok:
            if slot.dtensor is not None:
                return "a DTensor whose state has another layout"
            if state[key].shape != p.shape:
                return f"state {key!r} of shape {tuple(state[key].shape)}, not the parameter's"
            layout = torch.contiguous_format if slot.kind == GATHER else torch.preserve_format
            fresh = torch.empty_like(p, memory_format=layout)
            fresh.copy_(state[key])
            state[key] = fresh
            moments[i] = torch.view_as_real(fresh) if slot.complex else fresh
    slot.v0, slot.s0 = state["exp_avg"], state["exp_avg_sq"]
    slot.m0 = state["max_exp_avg_sq"] if group["amsgrad"] else None
    slot.stride = base.stride()
    if slot.kind == PLAIN:
        slot.p, slot.v, slot.s = base, moments[0], moments[1]
        slot.m = moments[2] if group["amsgrad"] else None
    elif slot.kind == FLAT:
        slot.p, slot.v, slot.s = _flat(base), _flat(moments[0]), _flat(moments[1])
        slot.m = _flat(moments[2]) if group["amsgrad"] else None
    else:
        slot.p = None  # a contiguous copy, made each step and written back
        slot.v, slot.s = moments[0].view(-1), moments[1].view(-1)
        slot.m = moments[2].view(-1) if group["amsgrad"] else None
    slot.ptr = slot.storage_ptr()
    return slot


# --- buckets and plans --------------------------------------------------------------------------


class _Bucket:
    """The slots one kernel call updates: one kernel, device and dtype, and one step count."""

    __slots__ = ("kernel", "rule", "device", "dtype", "t", "slots", "params", "states", "v0", "s0", "m0",
                 "ptrs", "plain", "P", "V", "S", "M", "G", "steps", "batch", "grad_ptrs", "gathered",
                 "one_thread")

    def __init__(self, kernel, rule, device, dtype, t, one_thread):
        self.kernel, self.rule, self.device, self.dtype, self.t = kernel, rule, device, dtype, t
        self.one_thread = one_thread
        self.slots = []

    def finish(self, amsgrad):
        slots = self.slots
        self.params = [s.param for s in slots]
        self.states = [s.state for s in slots]
        self.v0, self.s0 = [s.v0 for s in slots], [s.s0 for s in slots]
        self.m0 = [s.m0 for s in slots] if amsgrad else None
        self.ptrs = [s.ptr for s in slots]
        self.plain = all(s.kind == PLAIN and s.dtensor is None and not s.complex for s in slots)
        self.P = [s.p for s in slots]  # None for a GATHER slot: its copy is made each step
        self.V, self.S = [s.v for s in slots], [s.s for s in slots]
        self.M = [s.m for s in slots] if amsgrad else []
        self.steps = [s.state["step"] for s in slots] if self.t is None else None
        self.batch = None
        if self.kernel.name == "c-kernel":
            placeholder = [s.v for s in slots]  # GATHER slots get their copy's pointer each step
            self.batch = yogi_c.Batch([p if p is not None else v for p, v in zip(self.P, placeholder)],
                                      self.V, self.S, self.M if amsgrad else None)

    def gather(self):
        """Collect this step's gradients and check the plan still holds; mutates nothing."""
        params, t, states = self.params, self.t, self.states
        G = list(map(_GRAD, params))
        self.gathered = None
        if self.plain:
            # What the loop below checks per parameter, as one C-level pass per check (that loop
            # costs ~0.4 µs a parameter, most of a 2000-tensor step): every gradient there, no
            # parameter moved, no state tensor replaced, every step count still t.
            if (not all(map(operator.is_not, G, itertools.repeat(None)))
                    or list(map(_DATA_PTR, params)) != self.ptrs
                    or not all(map(operator.is_, map(_EXP_AVG, states), self.v0))
                    or not all(map(operator.is_, map(_EXP_AVG_SQ, states), self.s0))
                    or (t is not None and list(map(_STEP, states)) != [t] * len(states))):
                raise _Stale
            if not all(map(_IS_CONTIGUOUS, G)):  # a gradient in another layout: copied for this step
                G = [g if g.is_contiguous() else g.contiguous() for g in G]
        else:
            gathered = []
            for i, (g, slot) in enumerate(zip(G, self.slots)):
                st = slot.state
                if (g is None or slot.storage_ptr() != slot.ptr or st["exp_avg"] is not slot.v0
                        or st["exp_avg_sq"] is not slot.s0 or (t is not None and st["step"] != t)):
                    raise _Stale
                G[i] = slot.grad(g)
                if slot.kind == GATHER:
                    copy = slot.base.contiguous().view(-1)
                    self.P[i] = copy
                    gathered.append((slot.base, copy))
            self.gathered = gathered
        if self.m0 is not None and not all(map(operator.is_, map(_MAX_EXP_AVG_SQ, states), self.m0)):
            raise _Stale
        if self.t is None and not all(map(operator.is_, map(_STEP, states), self.steps)):
            raise _Stale
        self.G = G
        if self.batch is not None:
            self.grad_ptrs = list(map(_DATA_PTR, G))
            if self.gathered:
                for i, slot in enumerate(self.slots):
                    if slot.kind == GATHER:
                        self.batch.ptrs[yogi_c.POINTERS_PER_TENSOR * i] = self.P[i].data_ptr()

    def advance(self):
        """t ← t + 1 for every slot."""
        if self.t is None:
            torch._foreach_add_(self.steps, 1)  # device step counts (capturable): no host sync
        else:
            self.t = t = self.t + 1
            collections.deque(map(operator.setitem, self.states, _STEPS, itertools.repeat(t)), 0)  # st["step"] = t

    def run(self, h):
        threads = torch.get_num_threads()
        if self.one_thread and threads > 1:
            torch.set_num_threads(1)
            try:
                self.kernel.run(self, h)
            finally:
                torch.set_num_threads(threads)
        else:
            self.kernel.run(self, h)
        # The kernels wrote in place without telling autograd (torch's fused ones too); bump the
        # version counters, as torch's own in-place ops do, so a graph that saved p fails loudly.
        torch.autograd.graph.increment_version([p for p in self.P if p is not None])
        for base, copy in self.gathered or ():
            base.copy_(copy.view(base.shape))
        self.G = None
        if self.gathered:
            self.P = [s.p for s in self.slots]
            self.gathered = None


class _Plan:
    """What one group's step does: its buckets, the parameters left to the loop, and what must
    not have changed since the plan was made."""

    __slots__ = ("group", "plist", "n", "state", "version", "key", "buckets", "rest", "without")

    def current(self, optimizer, group):
        state = optimizer.state
        return (self.group is group and group["params"] is self.plist and len(self.plist) == self.n
                and state is self.state and state.version == self.version and self.key == _key(optimizer, group))

    def run(self, group):
        for p in self.rest:
            if p.grad is None:
                raise _Stale
        for p in self.without:
            if p.grad is not None:
                raise _Stale
        buckets = self.buckets
        try:
            for b in buckets:
                b.gather()
        except RuntimeError:  # e.g. a sparse gradient now: the rebuild says so properly
            raise _Stale from None
        if buckets:
            h = Hyper(group)
            for b in buckets:
                b.advance()
            for b in buckets:
                b.run(h)
        return self.rest


def _key(optimizer, group):
    """The settings a plan depends on (the rest is read at every step)."""
    return (optimizer._impl, group["amsgrad"], group["capturable"], group["differentiable"], group["fused"],
            group["foreach"], group["betas"][1] == 0)


def _normalize_step(state, p, capturable):
    """An int step count, or a float32 tensor on p's device where capturable (checkpoints bring
    tensors; the kernels bucket by the int)."""
    step = state["step"]
    if capturable:
        if not (isinstance(step, torch.Tensor) and step.device == p.device and step.dtype == torch.float32):
            state["step"] = torch.tensor(float(step), dtype=torch.float32, device=p.device)
    elif isinstance(step, torch.Tensor):
        state["step"] = int(step.item())


def _build(optimizer, group):
    state = optimizer.state
    if type(state) is not State:
        optimizer.state = state = State(state)
    rule = _rule(optimizer)
    want, asked = _want(optimizer, group)
    capturable, amsgrad = group["capturable"], group["amsgrad"]
    buckets, rest, without = {}, [], []
    for p in group["params"]:
        g = p.grad
        if g is None:
            without.append(p)
            continue
        if g.is_sparse:
            raise RuntimeError(f"{type(optimizer).__name__} does not support sparse gradients")
        if capturable:
            options.check_capturable_device(p)
        st = state[p]
        if not st:
            optimizer._init_state(p, group)
        elif amsgrad and "max_exp_avg_sq" not in st:  # amsgrad switched on after the first steps
            st["max_exp_avg_sq"] = torch.zeros_like(st["exp_avg_sq"])
        _normalize_step(st, p, capturable)
        if want == "reference" or (rule is None and want == "auto"):
            rest.append(p)
            continue
        slot = _slot(optimizer, p, g, st, group)
        where = slot if isinstance(slot, str) else None
        dtype = p.dtype if where else slot.base.dtype
        kernel = _choose(rule, want, p.device.type, dtype, group, where, asked)
        if kernel is None:
            rest.append(p)
            continue
        one_thread = kernel.small_on_one_thread and p.device.type == "cpu" and slot.numel < SMALL_TENSOR
        key = (kernel.name, p.device, dtype, None if capturable else st["step"], one_thread)
        if key not in buckets:
            buckets[key] = _Bucket(kernel, rule, p.device, dtype, key[3], one_thread)
        buckets[key].slots.append(slot)
    plan = _Plan()
    plan.group, plan.plist, plan.n = group, group["params"], len(group["params"])
    plan.buckets = list(buckets.values())
    for b in plan.buckets:
        b.finish(amsgrad)
    plan.rest, plan.without = rest, without
    plan.state, plan.version, plan.key = state, state.version, _key(optimizer, group)
    return plan


def group_step(optimizer, group):
    """Update what the kernels can take of ``group``; return the parameters left for the loop."""
    plans = optimizer.__dict__.get("_plans")
    if plans is None:
        plans = optimizer._plans = {}
    plan = plans.get(id(group))
    if plan is None or not plan.current(optimizer, group):
        plan = plans[id(group)] = _build(optimizer, group)
    try:
        return plan.run(group)
    except _Stale:  # something changed under the plan (a parameter moved, a gradient vanished...)
        plan = plans[id(group)] = _build(optimizer, group)
        try:
            return plan.run(group)
        except _Stale:
            raise RuntimeError("the fast paths could not plan this step (a plan went stale twice)") from None


def forget_plans(optimizer):
    """Drop the cached plans (after the state or the groups were replaced)."""
    optimizer.__dict__.pop("_plans", None)


# --- the kernels --------------------------------------------------------------------------------

_FLOATS = (torch.float32, torch.float64)
_ALL_FLOATS = (torch.float16, torch.bfloat16, torch.float32, torch.float64)


def _steps(b):
    """The step counts the fused kernels read: device tensors (capturable), or one tensor t."""
    if b.t is None:
        return b.steps
    return [torch.full((), float(b.t), dtype=torch.float32, device=b.device)] * len(b.P)


def _device_lr(lr, device):
    """A tensor lr stays a tensor (as torch passes it), on the parameters' device where not CPU."""
    if isinstance(lr, torch.Tensor):
        return lr if lr.device == device or lr.device.type == "cpu" and device.type == "cpu" else lr.to(device)
    return lr


def _adam_torch_fused(b, h):
    fn = torch._fused_adamw_ if h.decoupled else torch._fused_adam_
    fn(b.P, b.G, b.V, b.S, b.M if h.amsgrad else [], _steps(b), lr=_device_lr(h.lr, b.device),
       beta1=h.beta1, beta2=h.beta2, weight_decay=h.weight_decay, eps=h.eps, amsgrad=h.amsgrad,
       maximize=h.maximize)


def _chunks(columns, limit):
    """Yield lists of the same columns (p, g, v, s, m, step) in pieces of about ``limit`` elements.

    A tensor larger than ``limit`` is split into views; ``m`` may be an empty column.
    """
    rows = list(zip(*[c if c else [None] * len(columns[0]) for c in columns]))
    if limit is None:
        yield [list(c) for c in columns]
        return
    empty = [i for i, c in enumerate(columns) if not c]

    def out(batch):
        return [[] if i in empty else col for i, col in enumerate(batch)]

    batch, size = [[] for _ in columns], 0
    for row in rows:
        n = row[0].numel()
        if n > limit:
            flat = [x.view(-1) if isinstance(x, torch.Tensor) and x.numel() == n else x for x in row]
            for start in range(0, n, limit):
                yield out([[x[start:start + limit] if isinstance(x, torch.Tensor) and x.numel() == n else x]
                           for x in flat])
            continue
        for column, x in zip(batch, row):
            column.append(x)
        size += n
        if size >= limit:
            yield out(batch)
            batch, size = [[] for _ in columns], 0
    if batch[0]:
        yield out(batch)


def _yogi_torch_fused(b, h):
    beta2 = h.beta2
    c = (1 - beta2) / beta2
    fn = torch._fused_adamw_ if h.decoupled else torch._fused_adam_
    lr = _device_lr(h.lr, b.device)
    columns = [b.P, b.G, b.V, b.S, b.M if h.amsgrad else [], _steps(b)]
    for P, G, V, S, M, T in _chunks(columns, CPU_CHUNK if b.device.type == "cpu" else None):
        if h.maximize:
            G = torch._foreach_neg(G)  # g ← −g
        if h.weight_decay != 0 and not h.decoupled:
            G = torch._foreach_add(G, P, alpha=h.weight_decay)  # g ← g + λ·p
        Q = torch._foreach_mul(G, G)  # g²
        sign = torch._foreach_sub(S, Q)
        torch._foreach_sign_(sign)  # sign(s − g²)
        torch._foreach_addcmul_(Q, sign, Q)  # Q ← (1 + sign(s − g²))·g²
        torch._foreach_lerp_(S, Q, -c)  # X = s + (−c)·(Q − s) = s/β2 − c·Q
        fn(P, G, V, S, M, T, lr=lr, beta1=h.beta1, beta2=beta2,  # s ← β2·X + (1−β2)·g², then v and p
           weight_decay=h.weight_decay if h.decoupled else 0.0, eps=h.eps, amsgrad=h.amsgrad, maximize=False)


def _yogi_c_kernel(b, h):
    flags = (yogi_c.MAXIMIZE * bool(h.maximize) | yogi_c.DECOUPLED * bool(h.decoupled)
             | yogi_c.AMSGRAD * bool(h.amsgrad))
    b.batch.run(b.grad_ptrs, lr=float(h.lr), beta1=h.beta1, beta2=h.beta2, eps=h.eps,
                weight_decay=h.weight_decay, step=b.t, flags=flags)


def _foreach(b, h):
    P, G, V, S, t = b.P, b.G, b.V, b.S, b.t
    lr = float(h.lr)
    if h.maximize:
        G = torch._foreach_neg(G)  # g ← −g
    if h.weight_decay != 0:
        if h.decoupled:
            torch._foreach_mul_(P, 1 - lr * h.weight_decay)  # p ← p·(1 − ηλ)
        else:
            G = torch._foreach_add(G, P, alpha=h.weight_decay)  # g ← g + λ·p
    torch._foreach_lerp_(V, G, 1 - h.beta1)  # v ← β1·v + (1−β1)·g
    if b.rule == "adam":
        torch._foreach_mul_(S, h.beta2)
        torch._foreach_addcmul_(S, G, G, value=1 - h.beta2)  # s ← β2·s + (1−β2)·g²
    else:
        Q = torch._foreach_mul(G, G)  # g²
        D = torch._foreach_sub(Q, S)
        torch._foreach_sign_(D)
        torch._foreach_mul_(D, Q)
        torch._foreach_add_(S, D, alpha=1 - h.beta2)  # s ← s + (1−β2)·sign(g² − s)·g²
    if h.amsgrad:
        torch._foreach_maximum_(b.M, S)  # m ← max(m, s)
        S = b.M
    denom = torch._foreach_sqrt(S)
    torch._foreach_div_(denom, math.sqrt(1 - h.beta2**t))
    torch._foreach_add_(denom, h.eps)  # √ŝ + ε
    torch._foreach_addcdiv_(P, V, denom, value=-lr / (1 - h.beta1**t))  # p ← p − η·v̂/(√ŝ + ε)


def _yogi_triton(b, h):
    yogi_triton.yogi_step(  # one launch for the bucket; b.advance() has already counted the step
        b.P, b.G, b.V, b.S, b.M if h.amsgrad else [], b.steps if b.t is None else b.t,
        lr=_device_lr(h.lr, b.device), beta1=h.beta1, beta2=h.beta2, eps=h.eps,
        weight_decay=h.weight_decay, decoupled_weight_decay=h.decoupled, maximize=h.maximize,
        amsgrad=h.amsgrad, capturable=b.t is None, counted=True)


def _triton_unavailable():
    """On CUDA when present, else on CPU tensors under TRITON_INTERPRET=1 (the tests' way)."""
    reason = yogi_triton.unavailable_reason()
    return None if reason is None else f"is unavailable: {reason}"


def _c_kernel_unavailable():
    return None if yogi_c.load() is not None else f"is unavailable: {yogi_c.unavailable_reason()}"


def _needs_beta2(rule, group):
    if rule == "yogi" and group["betas"][1] == 0:
        return "needs β2 > 0 for Yogi (its pre-image divides by β2)"
    return None


def _torch_fused(b, h):
    (_adam_torch_fused if b.rule == "adam" else _yogi_torch_fused)(b, h)


register(Kernel("torch-fused", ("adam", "yogi"), ("cpu", "cuda"), {"adam": _ALL_FLOATS, "yogi": _FLOATS},
                _torch_fused, fused=True, capturable=True, refuse=_needs_beta2, small_on_one_thread=True),
         prefer=[("adam", "cpu"), ("adam", "cuda"), ("yogi", "cpu"), ("yogi", "cuda")])
register(Kernel("c-kernel", ("yogi",), ("cpu",), _FLOATS, _yogi_c_kernel, fused=True,
                unavailable=_c_kernel_unavailable),
         prefer=[("yogi", "cpu")])
register(Kernel("foreach", ("adam", "yogi"), ("*",), _ALL_FLOATS, _foreach))
# Triton (CUDA; CPU only under TRITON_INTERPRET=1): first choice for Yogi on CUDA, where it is one
# pass over memory against the pre-image's six or more; float64 falls through to torch-fused.
register(Kernel("triton", ("yogi",), ("cuda", "cpu"), yogi_triton.DTYPES, _yogi_triton, fused=True,
                capturable=True, unavailable=_triton_unavailable),
         prefer=[("yogi", "cuda")])
