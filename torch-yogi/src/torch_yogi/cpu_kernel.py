"""The fused CPU path: ``yogi_cpu.c``, compiled on first use, called after every tensor is checked.

The library is built with the C compiler in ``$CC`` (a command, options allowed; default ``cc``)
and cached in ``$TORCH_YOGI_CACHE`` (default ``$XDG_CACHE_HOME/torch-yogi`` or
``~/.cache/torch-yogi``), keyed by the source, the compiler and this CPU (it is built with
``-march=native``). A cache folder must belong to this user and be writable by no one else. Each
library has its SHA-256 beside it; a library that does not match is built again. A build writes
temporary files named after its process and renames them into place, so a killed build never
leaves a half-written library; the next build removes the temporary files of dead processes.
``TORCH_YOGI_NO_KERNEL=1`` never builds it.
"""
import array
import ctypes
import hashlib
import itertools
import operator
import os
import platform
import re
import shlex
import stat
import subprocess
import threading
import weakref
from importlib import resources

import torch

from ._torch_private import VERSION_ATTRIBUTE

FLAGS = ["-O3", "-march=native", "-fno-math-errno", "-ffp-contract=off", "-fopenmp", "-shared", "-fPIC"]
MAXIMIZE, DECOUPLED, AMSGRAD, STEP_F64, SCALED = 1, 2, 4, 8, 16  # as in yogi_cpu.c
DTYPES = (torch.float32, torch.float64)
PARALLEL_MIN = 1 << 15  # fewer elements than this run on one thread
_CPU = torch.device("cpu")
_PLAIN = {torch.Tensor, torch.nn.Parameter}
_IS_CPU, _DTYPE, _LAYOUT = (operator.attrgetter(name) for name in ("is_cpu", "dtype", "layout"))
_VERSION = operator.attrgetter(VERSION_ATTRIBUTE)  # torch's in-place version counter
_lock = threading.Lock()
_loaded = []  # [library] once built, [RuntimeError] if it cannot be
_checked_state = [None]  # what identified the state tensors of the last call, once checked


def cache_dir():
    folder = os.environ.get("TORCH_YOGI_CACHE")
    if not folder:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        folder = os.path.join(base, "torch-yogi")
    return folder


def _private_folder(folder):
    os.makedirs(folder, mode=0o700, exist_ok=True)
    st = os.stat(folder)
    if st.st_uid != os.geteuid() or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise RuntimeError(f"cache folder {folder} must belong to this user and be writable by no one else "
                           f"(owner uid {st.st_uid}, mode {stat.S_IMODE(st.st_mode):#o})")


def _digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def _sweep(folder):
    """Remove the temporary files of builds whose process is gone."""
    for name in os.listdir(folder):
        found = re.fullmatch(r"yogi-\w+\.tmp(\d+)\.\w+", name)
        if found:
            try:
                os.kill(int(found.group(1)), 0)
            except ProcessLookupError:
                os.remove(os.path.join(folder, name))
            except PermissionError:
                pass


def build():
    """Path of the compiled library, built if the cache has no intact copy."""
    source = resources.files("torch_yogi").joinpath("yogi_cpu.c").read_bytes()
    cc = shlex.split(os.environ.get("CC") or "cc")
    if not cc:
        raise RuntimeError("CC is set but names no compiler")
    try:
        version = subprocess.run([*cc, "--version"], capture_output=True, text=True, timeout=60).stdout
    except OSError as exc:
        raise RuntimeError(f"no C compiler: {shlex.join(cc)}: {exc.strerror}") from None
    cpu = ""
    if os.path.exists("/proc/cpuinfo"):
        with open("/proc/cpuinfo") as f:
            cpu = next((line for line in f if line.startswith(("flags", "Features"))), "")
    key = hashlib.sha256(b"\0".join(x.encode() if isinstance(x, str) else x for x in
                                    [source, shlex.join(cc + FLAGS), version, platform.machine(), cpu])).hexdigest()[:16]
    folder = cache_dir()
    _private_folder(folder)
    lib, digest = os.path.join(folder, f"yogi-{key}.so"), os.path.join(folder, f"yogi-{key}.sha256")
    if os.path.exists(lib) and os.path.exists(digest):
        with open(digest) as f:
            if f.read().strip() == _digest(lib):
                return lib
    _sweep(folder)
    tmp = os.path.join(folder, f"yogi-{key}.tmp{os.getpid()}")
    try:
        with open(tmp + ".c", "wb") as f:
            f.write(source)
        done = subprocess.run([*cc, *FLAGS, tmp + ".c", "-o", tmp + ".so"], capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            raise RuntimeError(f"{shlex.join(cc)} failed: {done.stderr.strip()[-800:]}")
        with open(tmp + ".sha256", "w") as f:
            f.write(_digest(tmp + ".so"))
        os.replace(tmp + ".so", lib)
        os.replace(tmp + ".sha256", digest)
    finally:
        for suffix in (".c", ".so", ".sha256"):
            if os.path.exists(tmp + suffix):
                os.remove(tmp + suffix)
    return lib


def load():
    """The loaded library; RuntimeError (the same one each time) if it cannot be built here."""
    if not _loaded:
        with _lock:
            if not _loaded:
                try:
                    if os.environ.get("TORCH_YOGI_NO_KERNEL"):
                        raise RuntimeError("TORCH_YOGI_NO_KERNEL is set")
                    lib = ctypes.CDLL(build())
                    for name in ("yogi_step_f32", "yogi_step_f64"):
                        fn = getattr(lib, name)
                        fn.argtypes = [ctypes.c_int64, ctypes.c_void_p, ctypes.c_void_p] + [ctypes.c_double] * 6 + [
                            ctypes.c_int, ctypes.c_int]
                        fn.restype = ctypes.c_int
                    _loaded.append(lib)
                except (OSError, RuntimeError, subprocess.SubprocessError) as exc:
                    _loaded.append(RuntimeError(f"the Yogi CPU kernel is unavailable: {exc}"))
    if isinstance(_loaded[0], Exception):
        raise _loaded[0]
    return _loaded[0]


def available():
    try:
        load()
    except RuntimeError:
        return False
    return True


def _check(named, dtype, numels):
    """Raise, naming the first bad tensor, unless every list holds one plain, contiguous CPU tensor of
    ``dtype`` and the given size per parameter (``named``: (name, tensors, dtype, sizes) rows)."""
    for name, tensors, want_dtype, sizes in named:
        if len(tensors) != len(sizes):
            raise ValueError(f"{name}: expected {len(sizes)} tensors, got {len(tensors)}")
        for i, t in enumerate(tensors):
            why = (type(t) not in _PLAIN and f"is a {type(t).__name__}; the kernel takes plain tensors"
                   or not t.is_cpu and f"is on {t.device}; the kernel takes CPU tensors"
                   or t.dtype != want_dtype and f"has dtype {t.dtype}, expected {want_dtype}"
                   or t.numel() != sizes[i] and f"has {t.numel()} elements, expected {sizes[i]}"
                   or t.layout != torch.strided and f"has layout {t.layout}; the kernel takes strided tensors")
            if why:
                raise RuntimeError(f"{name}[{i}] {why}")


def _disjoint(named):
    """Raise unless no two written tensors share memory (a parameter given twice, say)."""
    ranges = sorted((t.data_ptr(), t.data_ptr() + t.numel() * t.element_size(), name, i)
                    for name, tensors in named for i, t in enumerate(tensors) if t.numel())
    for (_, end, name, i), (start, _, other, j) in zip(ranges, ranges[1:]):
        if start < end:
            raise RuntimeError(f"{name}[{i}] and {other}[{j}] share memory (is a parameter given twice?); "
                               "the fused kernel would race on it")


class _Checked:
    """What the last call checked: its kept tensors (weakly), their versions and pointers, the
    parameters' sizes and dtype, and the kernel's pointer table (its gradient column is rewritten)."""

    def __init__(self, kept, versions, pointers, numels, dtype, table):
        # a kept tensor's death drops the record: while it stands, every checked storage is alive
        self.refs = [weakref.ref(t, _forget) for t in kept]
        self.versions, self.pointers = versions, pointers
        self.numels, self.dtype, self.table = numels, dtype, table
        self.sizes = array.array("q", numels)
        self.total = sum(numels)


def _forget(_ref=None):
    _checked_state[0] = None


def _unchanged(kept):
    """The record of the last call if ``kept`` are its tensors, unchanged; else None.

    The record is dropped as soon as one of the checked tensors dies, so while it stands every
    checked storage is alive and no other allocation can start at one of its addresses: a tensor
    at the same pointer is the checked one or a view of its storage, and the kernel writes only
    within the checked extents. A change of size, dtype, layout or storage in place bumps the
    tensor's version counter or moves its data (assigning ``.data`` moves it, or keeps the same
    storage); either sends the call to the full check."""
    seen = _checked_state[0]
    if (seen is not None and list(map(torch.Tensor.data_ptr, kept)) == seen.pointers
            and list(map(_VERSION, kept)) == seen.versions):
        return seen
    return None


def _grads_fit(grads, n, dtype, numels):
    """Whether the gradients are n plain, contiguous CPU tensors of ``dtype`` and these sizes. (A
    sparse COO tensor is not contiguous, and a CSR one raises when asked; what has no storage, as an
    MKL-DNN tensor, raises when its pointer is read, before the kernel runs.)"""
    return (len(grads) == n and set(map(type, grads)) <= _PLAIN and all(map(_IS_CPU, grads))
            and list(map(_DTYPE, grads)).count(dtype) == n and list(map(torch.Tensor.numel, grads)) == numels
            and all(map(torch.Tensor.is_contiguous, grads)))


def _kept(params, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps, amsgrad):
    """The tensors that live from step to step, in the order of the record."""
    return params + exp_avgs + exp_avg_sqs + (max_exp_avg_sqs if amsgrad else []) + state_steps


def step_again(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps, lr, beta1, beta2,
               weight_decay, eps, amsgrad, maximize, decoupled_weight_decay):
    """:func:`step` of the very tensors the last call checked, unchanged, with new gradients that
    fit them (and no GradScaler); True if it stepped, False (having done nothing) for anything else.

    What passed the full check then needs no other: the optimizer's usual step, without looking
    at its tensors' kinds again."""
    kept = _kept(params, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps, amsgrad)
    seen = _unchanged(kept)
    if seen is None or not _grads_fit(grads, len(params), seen.dtype, seen.numels):
        return False
    seen.table[1::6] = array.array("q", map(torch.Tensor.data_ptr, grads))
    _launch(seen, params, kept, lr, beta1, beta2, weight_decay, eps, amsgrad, maximize, decoupled_weight_decay,
            state_steps[0].dtype, None)
    return True


def step(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps, lr, beta1, beta2,
         weight_decay, eps, amsgrad, maximize, decoupled_weight_decay, grad_scale=None, found_inf=None):
    """One fused Yogi step of CPU tensors in place; every tensor is checked before the kernel runs."""
    n = len(params)
    if n == 0:
        return
    load()
    ms = max_exp_avg_sqs if amsgrad else []
    kept = _kept(params, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps, amsgrad)
    seen = _unchanged(kept)
    if seen is not None and _grads_fit(grads, n, seen.dtype, seen.numels):
        copies = []  # the usual step: only g is new
        seen.table[1::6] = array.array("q", map(torch.Tensor.data_ptr, grads))
    else:
        _checked_state[0] = seen = None
        dtype, step_dtype = params[0].dtype, state_steps[0].dtype if state_steps else torch.float32
        if dtype not in DTYPES or step_dtype not in DTYPES:
            raise RuntimeError(f"the fused CPU kernel takes float32 and float64 parameters and step counts, "
                               f"not {dtype if dtype not in DTYPES else step_dtype}")
        numels = list(map(torch.Tensor.numel, params))
        _check([("params", params, dtype, numels), ("grads", grads, dtype, numels), ("exp_avgs", exp_avgs, dtype, numels),
                ("exp_avg_sqs", exp_avg_sqs, dtype, numels), *([("max_exp_avg_sqs", ms, dtype, numels)] * amsgrad),
                ("state_steps", state_steps, step_dtype, [1] * n)], dtype, numels)
        # A tensor in another memory layout goes through a contiguous copy, written back after.
        tensors = [*params, *grads, *exp_avgs, *exp_avg_sqs, *ms]
        copies = [(t, t.contiguous()) for t in tensors if not t.is_contiguous()]
        if copies:
            replace = {id(t): c for t, c in copies}
            tensors = [replace.get(id(t), t) for t in tensors]
        _disjoint([("params", tensors[:n]), ("exp_avgs", tensors[2 * n:3 * n]),
                   ("exp_avg_sqs", tensors[3 * n:4 * n]), ("max_exp_avg_sqs", tensors[4 * n:]),
                   ("state_steps", state_steps)])
        columns = [*(tensors[k * n:(k + 1) * n] for k in range(len(tensors) // n)), *([[]] * (not amsgrad)),
                   state_steps]
        table = array.array("q", bytes(48 * n))
        for k, column in enumerate(columns):  # p, g, v, s, m and step pointers, one row of six per tensor
            if column:
                table[k::6] = array.array("q", map(torch.Tensor.data_ptr, column))
        seen = _Checked(kept, None, list(map(torch.Tensor.data_ptr, kept)), numels, dtype, table)
    if grad_scale is not None:  # the unscaled gradients are written back: they must not overlap the rest
        _disjoint([("params", params), ("exp_avgs", exp_avgs), ("exp_avg_sqs", exp_avg_sqs),
                   ("max_exp_avg_sqs", ms), ("state_steps", state_steps), ("grads", grads)])
    for name, t in (("grad_scale", grad_scale), ("found_inf", found_inf)):
        if t is not None and (t.numel() != 1 or not t.is_cpu):
            raise RuntimeError(f"{name} must be a one-element CPU tensor, got shape {tuple(t.shape)} on {t.device}")
    if found_inf is not None and found_inf.item():
        return  # GradScaler found inf or NaN: nothing changes, the step count included
    _launch(seen, params, kept, lr, beta1, beta2, weight_decay, eps, amsgrad, maximize, decoupled_weight_decay,
            state_steps[0].dtype, grad_scale, remember=not copies)
    for original, copy in copies:
        original.copy_(copy)


def _launch(record, params, kept, lr, beta1, beta2, weight_decay, eps, amsgrad, maximize, decoupled_weight_decay,
            step_dtype, grad_scale, remember=True):
    """Run the kernel on the checked table of ``record``; remember the record for the next call."""
    flags = (MAXIMIZE * bool(maximize) | DECOUPLED * bool(decoupled_weight_decay) | AMSGRAD * bool(amsgrad)
             | STEP_F64 * (step_dtype == torch.float64) | SCALED * (grad_scale is not None))
    lib = load()
    kernel = lib.yogi_step_f32 if record.dtype == torch.float32 else lib.yogi_step_f64
    threads = torch.get_num_threads() if record.total >= PARALLEL_MIN else 1
    if kernel(len(params), record.table.buffer_info()[0], record.sizes.buffer_info()[0], lr, beta1, beta2, eps,
              weight_decay, grad_scale.item() if grad_scale is not None else 1.0, flags, threads) != 0:
        raise MemoryError("the Yogi CPU kernel could not allocate its table")
    # The kernel wrote through pointers: bump the parameters' version counters, as an in-place op
    # does, so that an autograd graph that saved a parameter refuses to use it.
    torch.autograd.graph.increment_version(params)
    if remember:  # remember what was checked (only the parameters' versions moved)
        if record.versions is None:
            record.versions = list(map(_VERSION, kept))
        else:
            record.versions[:len(params)] = map(_VERSION, params)
        _checked_state[0] = record
