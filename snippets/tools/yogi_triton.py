"""A one-pass Yogi step in Triton for CUDA tensors (plumbing no page shows).

:func:`yogi_step` updates a list of parameters in one kernel launch: each element is read once
(p, g, v, s, and s_max with amsgrad) and written once (p, v, s, s_max) — the 28 bytes per
float32 parameter that ``torch.optim.Adam(fused=True)`` moves. The equations are those of the
reference path in ``snippets/optim.py`` (``Adam._update`` with Yogi's ``_second_moment``)::

    g ← −g                                  (maximize)
    g ← g + λ·p          or  p ← p·(1 − ηλ)  (weight decay: L2, or decoupled as in AdamW)
    v ← β1·v + (1−β1)·g
    s ← s + (1−β2)·sign(g² − s)·g²          (torch.sign: sign(0) = 0, NaN stays NaN)
    s_max ← max(s_max, s)                   (amsgrad; NaN propagates as in torch.maximum)
    v̂ ← v/(1−β1ᵗ),  ŝ ← s/(1−β2ᵗ)          (ŝ from s_max with amsgrad)
    p ← p − η·v̂/(√ŝ + ε)

Dtypes: float32, float16 and bfloat16 parameters. The math runs in float32 (IEEE division and
square root, no fused multiply-add); the state (v, s, s_max) has the parameter's dtype, as in
torch's fused Adam, and every stored value is rounded to nearest-even. float64 is refused
(``snippets.optim`` has its own float64 paths).

Where it runs: on CUDA tensors (compiled on first use; Triton caches the binary on disk, so a
later process skips the compile), and on CPU tensors under Triton's interpreter when
``TRITON_INTERPRET=1`` is set — slow, for tests. :func:`available` and
:func:`unavailable_reason` say whether a device can be used. Importing this module does not
import triton; the kernel source (``_yogi_triton_kernel.py``) is loaded on first use, once per
flavor (compiled, interpreted), so one process can run both.

Many tensors, one launch: the tensors' pointers and sizes go into a device-side table (one int64
row per tensor), and a second table maps each program to (tensor, block). Both are cached,
keyed by their content (every pointer and size), so a step whose tensors are the ones of an
earlier step uploads nothing; any change (another list, a gradient in new memory, ``p.data``
replaced) makes a new table. The last :data:`CACHE_SIZE` tables are kept. A table is uploaded
from pinned memory on the current CUDA stream, without waiting; a step on another stream
first waits for that upload. Inside a CUDA graph capture a new table cannot be uploaded (the
graph would replay a copy from freed host memory), so a capture whose tensors have no table
yet is refused: run one step with them first. The same tensor twice in one list is not
checked for (as in torch's fused Adam): its blocks would race.

Steps (``state_steps``): either one int t ≥ 1, the step count *after* this step, counted by the
caller for every tensor (the layout of ``snippets.optim``: ``state["step"]`` an int); or, as in
``torch.optim.Adam``, one 0-dim float32 (or float64) tensor per parameter, which this function
increments (t ← t + 1; a tensor shared by several parameters, e.g. one per group, is
incremented once). Step tensors on the parameters' device are read by the kernel itself: no
host read, so the step can be captured in a CUDA graph (``capturable=True`` insists on that).
Step tensors on the CPU with CUDA parameters are read on the host.

``lr``, ``beta1`` and ``beta2`` may be floats or 0-dim float tensors, as in torch.optim.Adam; a
tensor on the parameters' device is read by the kernel, one on the CPU is read on the host
(refused with ``capturable=True``, since a captured graph would keep its value).
"""
import collections
import contextlib
import importlib.util
import math
import numbers
import os
import struct
import threading

import torch

DTYPES = (torch.float32, torch.float16, torch.bfloat16)
BLOCK_SIZE = 2048  # elements per program (a power of two)
NUM_WARPS = 4
CACHE_SIZE = 32  # tables kept (one per distinct tensor list)
_ROW = 8  # int64 entries per tensor in the table: p, g, v, s, s_max, step, numel, unused
_KERNEL_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_yogi_triton_kernel.py")

_lock = threading.RLock()
_kernels = {}  # interpret (bool) -> the loaded kernel module of that flavor
_tables = collections.OrderedDict()  # content key -> _Table, most recently used last
_stats = collections.Counter()


def _triton():
    """The triton module, or the ImportError (or other failure) of importing it."""
    try:
        import triton
    except Exception as exc:  # ImportError, or a broken install failing in its own import
        return exc
    return triton


def _interpret_enabled(triton):
    knobs = getattr(triton, "knobs", None)
    if knobs is not None:
        return bool(knobs.runtime.interpret)
    return os.environ.get("TRITON_INTERPRET", "0") == "1"


def unavailable_reason(device=None):
    """Why :func:`yogi_step` cannot run on ``device`` (default: CUDA if present, else CPU); ``None`` if it can."""
    triton = _triton()
    if isinstance(triton, BaseException):
        return f"triton is not importable ({type(triton).__name__}: {triton})"
    if device is None:
        device = "cuda" if torch.cuda.is_available() else "cpu"
    kind = torch.device(device).type
    if kind == "cuda":
        if not torch.cuda.is_available():
            return "CUDA is not available (torch.cuda.is_available() is False)"
        return None
    if kind == "cpu":
        if not _interpret_enabled(triton):
            return "CPU tensors run only under Triton's interpreter: set TRITON_INTERPRET=1 (slow; for tests)"
        return None
    return f"Triton runs this kernel on CUDA (or on CPU under TRITON_INTERPRET=1), not on {kind}"


def available(device=None):
    """Whether :func:`yogi_step` can run on ``device`` (see :func:`unavailable_reason`)."""
    return unavailable_reason(device) is None


def _kernel(interpret):
    """The kernel module of one flavor, loaded from its file on first use."""
    with _lock:
        module = _kernels.get(interpret)
        if module is not None:
            return module
        import triton

        name = f"{__name__.rpartition('.')[0]}._yogi_triton_kernel{'_interpreted' if interpret else ''}"
        spec = importlib.util.spec_from_file_location(name, _KERNEL_FILE)
        module = importlib.util.module_from_spec(spec)
        # @triton.jit picks its flavor from TRITON_INTERPRET when it runs: set it for this load only.
        knobs = getattr(triton, "knobs", None)
        if knobs is not None:
            with knobs.runtime.scope():
                knobs.runtime.interpret = interpret
                spec.loader.exec_module(module)
        else:  # triton without knobs: the environment variable is what it reads
            old = os.environ.get("TRITON_INTERPRET")
            os.environ["TRITON_INTERPRET"] = "1" if interpret else "0"
            try:
                spec.loader.exec_module(module)
            finally:
                if old is None:
                    del os.environ["TRITON_INTERPRET"]
                else:
                    os.environ["TRITON_INTERPRET"] = old
        flavor = type(module.yogi_kernel).__name__
        expected = "InterpretedFunction" if interpret else "JITFunction"
        if flavor != expected:
            raise RuntimeError(f"loading the Yogi Triton kernel gave a {flavor}, not a {expected}")
        _kernels[interpret] = module
        return module


def stats():
    """Counters since the last :func:`reset_stats`: ``launches`` (kernel launches), ``table_uploads``."""
    return dict(_stats)


def reset_stats():
    _stats.clear()


def clear_cache():
    """Drop every cached pointer table (the next step builds and uploads its table again)."""
    with _lock:
        _tables.clear()


# --- arguments ------------------------------------------------------------------------------


def _check_flag(name, value):
    if not isinstance(value, bool):
        raise ValueError(f"Invalid {name}: {value!r} (expected True or False)")


def _check_number(name, value, low=0.0, high=None):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"Invalid {name}: {value!r}")
    number = float(value)
    if not (math.isfinite(number) and low <= number and (high is None or number < high)):
        raise ValueError(f"Invalid {name}: {value}")
    return number


def _operand(name, value, device, capturable, high=None):
    """A scalar hyperparameter: a float, or a 0-dim tensor the kernel reads on ``device``."""
    if isinstance(value, torch.Tensor):
        if value.dim() != 0 or not value.is_floating_point():
            raise ValueError(f"Invalid {name}: a tensor of shape {tuple(value.shape)} and dtype {value.dtype} "
                             "(expected a 0-dim floating-point tensor or a number)")
        if value.device == device:
            if device.type == "cpu":  # reading it costs nothing: check it like a number
                _check_number(name, value.item(), high=high)
            return value
        if value.device.type != "cpu":
            raise ValueError(f"Invalid {name}: a tensor on {value.device}, not on the parameters' device {device}")
        if capturable:
            raise ValueError(f"Invalid {name}: a CPU tensor with capturable=True (a captured step would keep "
                             f"its value); put it on {device} or pass a number")
        value = value.item()
    return _check_number(name, value, high=high)


def _split(x):
    """(float32(x), x − float32(x)): x to about 48 bits in two float32 numbers."""
    hi = struct.unpack("f", struct.pack("f", x))[0]
    return hi, x - hi


def _check_tensors(roles, device, dtype):
    """Raise the ValueError that names the first tensor the kernel cannot take."""
    params = roles["params"]
    for name, tensors in roles.items():
        for i, (p, x) in enumerate(zip(params, tensors)):
            if not isinstance(x, torch.Tensor):
                raise ValueError(f"Invalid {name}[{i}]: {type(x).__name__} (expected a tensor)")
            if x.device != device or x.dtype != dtype:
                raise ValueError(f"Invalid {name}[{i}]: {x.dtype} on {x.device} (expected {dtype} on {device}, "
                                 "like the first parameter)")
            if x.layout != torch.strided or not x.is_contiguous():
                raise ValueError(f"Invalid {name}[{i}]: not a contiguous dense tensor")
            if x.numel() != p.numel():
                raise ValueError(f"Invalid {name}[{i}]: {x.numel()} elements, not the parameter's {p.numel()}")


def _pointers(roles, device, dtype):
    """(numels, one list of data pointers per role), checking every tensor on the way.

    One cheap pass per step (this runs on every call, a cache hit too); on the first failure the
    slower :func:`_check_tensors` finds and names the culprit.
    """
    numels = [p.numel() for p in roles["params"]]
    cuda, index = device.type == "cuda", device.index
    columns = []
    try:
        for tensors in roles.values():
            column = []
            for x, n in zip(tensors, numels):
                if (x.dtype is not dtype or not (x.get_device() == index if cuda else x.is_cpu)
                        or not x.is_contiguous() or x.numel() != n):
                    raise ValueError
                column.append(x.data_ptr())
            columns.append(column)
    except (ValueError, AttributeError, TypeError, RuntimeError):
        _check_tensors(roles, device, dtype)
        raise ValueError(f"Invalid tensors: one is not a contiguous {dtype} tensor on {device}") from None
    return numels, columns


def yogi_step(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps, *, lr, beta1, beta2, eps,
              weight_decay, decoupled_weight_decay=False, maximize=False, amsgrad=False, capturable=False,
              block_size=None, num_warps=None, counted=False):
    """Yogi-update ``params`` in place: one launch for the whole list (more only if steps differ).

    Args:
        params, grads, exp_avgs, exp_avg_sqs: lists of contiguous tensors, all of one dtype
            (float32, float16, bfloat16) on one device; grads and state with the numbers of
            elements of their params.
        max_exp_avg_sqs: the s_max tensors with ``amsgrad=True``; empty (or None) without.
        state_steps: an int t ≥ 1 (the count after this step, already counted by the caller), or
            one 0-dim float tensor per parameter, incremented here (see the module docstring).
        lr, beta1, beta2: η ≥ 0, β1 and β2 in [0, 1): numbers or 0-dim float tensors.
        eps, weight_decay: ε ≥ 0 and λ ≥ 0, numbers.
        decoupled_weight_decay: p ← p·(1 − ηλ) instead of g ← g + λ·p.
        maximize: ascend (g ← −g). amsgrad: divide by the running maximum of s.
        capturable: nothing is read on the host, so a CUDA graph can capture the step; needs step
            tensors (and tensor hyperparameters) on the parameters' device.
        block_size, num_warps: tuning (defaults :data:`BLOCK_SIZE`, :data:`NUM_WARPS`).
        counted: step tensors already hold the count after this step (the caller advanced
            them, as ``snippets.tools.fast`` does): they are read, not incremented.
    """
    for name, flag in (("decoupled_weight_decay", decoupled_weight_decay), ("maximize", maximize),
                       ("amsgrad", amsgrad), ("capturable", capturable), ("counted", counted)):
        _check_flag(name, flag)
    eps = _check_number("epsilon value", eps)
    weight_decay = _check_number("weight_decay value", weight_decay)
    block = BLOCK_SIZE if block_size is None else block_size
    if isinstance(block, bool) or not isinstance(block, int) or not 16 <= block <= 65536 or block & (block - 1):
        raise ValueError(f"Invalid block_size: {block_size!r} (a power of two from 16 to 65536)")
    warps = NUM_WARPS if num_warps is None else num_warps
    if isinstance(warps, bool) or not isinstance(warps, int) or warps not in (1, 2, 4, 8, 16, 32):
        raise ValueError(f"Invalid num_warps: {num_warps!r} (1, 2, 4, 8, 16 or 32)")
    params = list(params)
    n = len(params)
    roles = {"grads": list(grads), "exp_avgs": list(exp_avgs), "exp_avg_sqs": list(exp_avg_sqs)}
    maxes = list(max_exp_avg_sqs or [])
    if amsgrad:
        roles["max_exp_avg_sqs"] = maxes
    elif maxes:
        raise ValueError(f"Invalid max_exp_avg_sqs: {len(maxes)} tensors with amsgrad=False (expected none)")
    for name, tensors in roles.items():
        if len(tensors) != n:
            raise ValueError(f"Invalid {name}: {len(tensors)} tensors for {n} parameters")

    host_t = None
    if isinstance(state_steps, numbers.Integral) and not isinstance(state_steps, bool):
        host_t = int(state_steps)
        if host_t < 1:
            raise ValueError(f"Invalid state_steps: {state_steps} (the step count after this step, ≥ 1)")
        if capturable:
            raise ValueError("Invalid state_steps: an int with capturable=True (a captured step would keep it); "
                             "pass one step tensor per parameter on the parameters' device")
        steps = None
    else:
        steps = list(state_steps)
        if len(steps) != n:
            raise ValueError(f"Invalid state_steps: {len(steps)} for {n} parameters")
    if n == 0:
        return

    first = params[0]
    if not isinstance(first, torch.Tensor):
        raise ValueError(f"Invalid params[0]: {type(first).__name__} (expected a tensor)")
    device, dtype = first.device, first.dtype
    if dtype not in DTYPES:
        raise ValueError(f"Invalid dtype: {dtype} (the Triton Yogi step takes {', '.join(map(str, DTYPES))})")
    reason = unavailable_reason(device)
    if reason is not None:
        raise RuntimeError(f"the Triton Yogi step cannot run on {device}: {reason}")
    numels, columns = _pointers({"params": params, **roles}, device, dtype)
    lr = _operand("learning rate", lr, device, capturable)
    beta1 = _operand("beta parameter at index 0", beta1, device, capturable, high=1.0)
    beta2 = _operand("beta parameter at index 1", beta2, device, capturable, high=1.0)

    if steps is not None:
        step_dtypes = set()
        for i, st in enumerate(steps):
            if not isinstance(st, torch.Tensor) or st.dim() != 0 or st.dtype not in (torch.float32, torch.float64):
                raise ValueError(f"Invalid state_steps[{i}]: expected a 0-dim float32 or float64 tensor")
            step_dtypes.add(st.dtype)
        step_devices = {st.device for st in steps}
        if len(step_devices) > 1 or len(step_dtypes) > 1:
            raise ValueError("Invalid state_steps: the step tensors must share one device and one dtype")
        on_device = step_devices == {device}
        if not on_device and capturable:
            raise ValueError(f"Invalid state_steps: tensors on {step_devices.pop()}; capturable=True needs them "
                             f"on the parameters' device {device}")
        if not on_device and step_devices != {torch.device("cpu")}:
            raise ValueError(f"Invalid state_steps: tensors on {step_devices.pop()} (expected cpu or {device})")
    config = dict(lr=lr, beta1=beta1, beta2=beta2, eps=eps, weight_decay=weight_decay,
                  decoupled=decoupled_weight_decay, maximize=maximize, amsgrad=amsgrad, block=block, warps=warps)
    if not amsgrad:
        columns.append([0] * n)  # no s_max: the kernel never reads that column
    if steps is None:
        plans = [(columns, numels, None, host_t)]
    elif on_device:
        plans = [(columns, numels, [st.data_ptr() for st in steps], None)]
    else:  # CPU step tensors, CUDA parameters: read the counts here, one launch per distinct count
        counts = [st.item() for st in steps]
        for i, count in enumerate(counts):
            if count != int(count) or count < 0:
                raise ValueError(f"Invalid state_steps[{i}]: a step count of {count} (expected a whole number ≥ 0)")
        groups = {}
        for i, count in enumerate(counts):
            groups.setdefault(int(count) + (not counted), []).append(i)  # t: the count after this step
        plans = [([[column[i] for i in index] for column in columns], [numels[i] for i in index], None, t)
                 for t, index in groups.items()]
        if not counted:
            _increment(steps)
    tables = [_table(device, block, *plan[:3]) for plan in plans]
    if steps is not None and on_device and not counted:
        _increment(steps)  # after the tables: a capture that would need a new table fails before this
    for plan, table in zip(plans, tables):
        _launch(dtype, table, plan[3], config, device, step_dtype=steps[0].dtype if plan[2] else None)
    written = params + roles["exp_avgs"] + roles["exp_avg_sqs"] + (maxes if amsgrad else [])
    torch.autograd.graph.increment_version(written)  # the kernel wrote through raw pointers


# --- the launch -----------------------------------------------------------------------------


class _Table:
    """A cached device copy of one tensor list's pointer table and its program → (tensor, block) map."""

    __slots__ = ("rows", "blocks", "nblocks", "aligned", "stream")

    def __init__(self, rows, blocks, nblocks, aligned, stream):
        self.rows, self.blocks, self.nblocks, self.aligned = rows, blocks, nblocks, aligned
        self.stream = stream  # the CUDA stream the upload was queued on (None on CPU)

    def ready(self, device):
        """Make the current CUDA stream wait for the upload if it was queued on another one."""
        if self.stream is None or torch.cuda.is_current_stream_capturing():
            return  # CPU; or capturing, which starts only after the device is synchronized
        current = torch.cuda.current_stream(device)
        if current != self.stream:
            current.wait_stream(self.stream)
            self.stream = current


def _table(device, block, columns, numels, step_column):
    """The table of these pointers and sizes, from the cache or built and uploaded now.

    ``columns``: data pointers of p, g, v, s, s_max (0 without amsgrad); ``step_column``: those
    of the step tensors, or None. The key is the table's whole content, so a hit is exact.
    """
    n = len(numels)
    step_column = step_column or [0] * n
    key = (device, block, *map(tuple, columns), tuple(step_column), tuple(numels))
    with _lock:
        entry = _tables.get(key)
        if entry is not None:
            _tables.move_to_end(key)
            return entry
    if device.type == "cuda" and torch.cuda.is_current_stream_capturing():
        raise RuntimeError("the Triton Yogi step needs a new pointer table while a CUDA graph is being captured "
                           "(the tensor list, or where a tensor lives, changed): run one step with the same "
                           "tensors before capturing")
    rows = torch.tensor([[*ptrs, numel, 0] for *ptrs, numel in zip(*columns, step_column, numels)],
                        dtype=torch.int64).reshape(n, _ROW)
    counts = torch.tensor([-(-numel // block) for numel in numels], dtype=torch.int64)  # ⌈n/B⌉ blocks per tensor
    nblocks = int(counts.sum())
    first = torch.cumsum(counts, 0) - counts
    tensor_index = torch.repeat_interleave(torch.arange(n), counts)
    block_index = torch.arange(nblocks) - torch.repeat_interleave(first, counts)
    blocks = torch.stack([tensor_index, block_index], 1).to(torch.int32)
    aligned = all(ptr % 16 == 0 for column in columns for ptr in column)
    stream = None
    if device.type == "cuda":  # queued on the current stream, from pinned memory: no host wait
        rows = rows.pin_memory().to(device, non_blocking=True)
        blocks = blocks.pin_memory().to(device, non_blocking=True)
        stream = torch.cuda.current_stream(device)
    entry = _Table(rows, blocks, nblocks, aligned, stream)
    with _lock:
        _stats["table_uploads"] += 1
        _tables[key] = entry
        while len(_tables) > CACHE_SIZE:
            _tables.popitem(last=False)
    return entry


def _increment(steps):
    """t ← t + 1, once for each distinct step tensor (one shared by a group counts once)."""
    torch._foreach_add_(list({id(st): st for st in steps}.values()), 1)


def _launch(dtype, table, host_t, config, device, step_dtype=None):
    if table.nblocks == 0:  # only empty tensors: nothing to update (their steps were counted)
        return
    table.ready(device)
    module = _kernel(interpret=device.type == "cpu")
    tl = module.tl
    lr, beta1, beta2 = config["lr"], config["beta1"], config["beta2"]
    lr_ptr, beta1_ptr, beta2_ptr = (isinstance(x, torch.Tensor) for x in (lr, beta1, beta2))
    weight_decay = config["weight_decay"]
    wd_mode = 0 if weight_decay == 0 else 2 if config["decoupled"] else 1
    beta1_lo = beta2_lo = c1 = c2 = bc1 = bc2 = 0.0
    if not beta1_ptr:
        beta1, beta1_lo = _split(beta1)
        c1 = 1.0 - config["beta1"]  # 1 − β1, rounded once (from float64)
    if not beta2_ptr:
        beta2, beta2_lo = _split(beta2)
        c2 = 1.0 - config["beta2"]
    decay = 1.0 if lr_ptr else 1.0 - lr * weight_decay  # 1 − ηλ
    if step_dtype is not None:
        step_mode = 2  # the kernel reads each tensor's step
    elif beta1_ptr or beta2_ptr:
        step_mode = 1  # the kernel raises the betas (read on the device) to t
    else:
        step_mode = 0
        bc1 = 1.0 - config["beta1"] ** host_t  # 1 − β1ᵗ, in float64
        bc2 = 1.0 - config["beta2"] ** host_t  # 1 − β2ᵗ
    elem = {torch.float32: tl.float32, torch.float16: tl.float16, torch.bfloat16: tl.uint16}[dtype]
    step_elem = tl.float64 if step_dtype == torch.float64 else tl.float32
    guard = torch.cuda.device(device) if device.type == "cuda" else contextlib.nullcontext()
    with guard:
        module.yogi_kernel[(table.nblocks,)](
            table.rows, table.blocks, lr, beta1, beta1_lo, c1, beta2, beta2_lo, c2, config["eps"], weight_decay,
            decay, bc1, bc2, float(host_t or 0),
            ELEM=elem, BF16=dtype == torch.bfloat16, STEP_ELEM=step_elem, STEP_MODE=step_mode, LR_PTR=lr_ptr,
            BETA1_PTR=beta1_ptr, BETA2_PTR=beta2_ptr, WD_MODE=wd_mode, MAXIMIZE=config["maximize"],
            AMSGRAD=config["amsgrad"], ALIGNED=table.aligned, ROW=_ROW, BLOCK=config["block"],
            num_warps=config["warps"], enable_fp_fusion=False,
        )
    _stats["launches"] += 1
