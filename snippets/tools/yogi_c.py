"""A one-pass Yogi step for CPU tensors, compiled from C on first use (private to ``optim.py``).

Why: torch has fused single-pass Adam kernels but no Yogi kernel. Eager torch ops stream memory
once per op, so an eager Yogi step costs several times a fused Adam step. This module compiles
the C below with the system C compiler (``$CC``, else ``cc``) into a shared library, loads it
with ``ctypes`` and updates float32/float64 tensors through their data pointers in one pass:
read p, g, v, s; write p, v, s — the 28 bytes per float32 parameter that
``torch.optim.Adam(fused=True)`` moves (AMSGrad adds m). ``maximize``, L2 or decoupled weight
decay and AMSGrad each select one of twelve copies of the loop, compiled with those choices as
constants so that none of them costs a branch per element and every copy vectorises. A
:class:`Batch` keeps the pointer and size tables of a fixed list of tensors, so a step only
writes the gradients' pointers; the elements of all tensors are split into one contiguous range
per OpenMP thread (torch's own OpenMP runtime, which the library shares).

The library is cached under ``$SNIPPETS_KERNEL_CACHE`` (default: ``$XDG_CACHE_HOME`` or
``~/.cache``, subfolder ``adam-yogi-snippets``), else in ``adam-yogi-snippets-<uid>`` in the
temp folder, keyed by the source, the compiler and the CPU, because it is built with
``-march=native``. A library is code this process runs, so a cache folder is used only if it
is this user's and no one else can write to it (owner = the effective uid, no group/other write
bit; created with mode 0o700); a folder that fails the check is skipped, and a cached library
that fails it is built again. Building takes well under a second; it is logged on the
``snippets.tools.yogi_c`` logger. Without a working compiler (or OpenMP), :func:`load` returns
``None`` with the reason in :func:`unavailable_reason`, logs a warning once, and ``optim.Yogi``
falls back to torch's fused Adam kernel (slower on CPU). Set ``SNIPPETS_NO_CKERNEL=1`` to never
build it.
"""
import ctypes
import hashlib
import logging
import os
import platform
import stat
import subprocess
import sys
import tempfile
import threading
import time

import torch

log = logging.getLogger(__name__)

# One pass per element, in the order of the equations (and of the reference path in optim.py):
#   g ← −g (maximize);  p ← p·(1 − ηλ) (decoupled) or g ← g + λ·p;  v ← β1·v + (1−β1)·g;
#   s ← s + (1−β2)·sign(g² − s)·g²;  m ← max(m, s) (AMSGrad);  p ← p − (η/(1−β1ᵗ))·v/(√s·(1/√(1−β2ᵗ)) + ε)
# float math stays in the tensor's dtype; sign(0) = sign(NaN) = 0 as in torch.sign, and the
# AMSGrad maximum propagates NaN as torch.maximum does. The elements of all tensors are split into one contiguous range per thread.
MAXIMIZE, DECOUPLED, AMSGRAD = 1, 2, 4  # bits of the `flags` argument
POINTERS_PER_TENSOR = 5  # p, g, v, s, m (m is 0 without AMSGrad)
_SOURCE = r"""
#include <math.h>
#include <stdint.h>
#include <omp.h>

/* One loop per combination of flags, each with its flags as constants (so the compiler drops
   the branches and vectorizes) and restrict pointers (the caller never aliases p, g, v, s, m).
   WD: 0 none, 1 L2 (g + λ·p), 2 decoupled (p·(1 − ηλ)). */
#define LOOP(NAME, T, SQRT, MAXIMIZE, WD, AMSGRAD)                                   \
static void NAME(T *restrict p, const T *restrict g, T *restrict v, T *restrict s,  \
                 T *restrict m, int64_t a, int64_t b, T b1, T c1, T c2, T step,     \
                 T ib2, T e, T wd, T decay) {                                       \
    for (int64_t i = a; i < b; ++i) {                                               \
        T gi = MAXIMIZE ? -g[i] : g[i];                                             \
        T pi = p[i];                                                                \
        if (WD == 2) pi = pi * decay;                                               \
        if (WD == 1) gi = gi + wd * pi;                                             \
        const T vi = b1 * v[i] + c1 * gi;                                           \
        const T g2 = gi * gi;                                                       \
        const T d = g2 - s[i];                                                      \
        const T sign = (T)((d > 0) - (d < 0));                                      \
        T si = s[i] + c2 * sign * g2;                                               \
        v[i] = vi;                                                                  \
        s[i] = si;                                                                  \
        if (AMSGRAD) {                                                              \
            const T mi = m[i];                                                      \
            si = (mi != mi || si < mi) ? mi : si;                                   \
            m[i] = si;                                                              \
        }                                                                           \
        p[i] = pi - step * vi / (SQRT(si) * ib2 + e);                               \
    }                                                                               \
}

#define LOOPS(P, T, SQRT)                                                            \
LOOP(P##_000, T, SQRT, 0, 0, 0) LOOP(P##_001, T, SQRT, 0, 0, 1)                     \
LOOP(P##_010, T, SQRT, 0, 1, 0) LOOP(P##_011, T, SQRT, 0, 1, 1)                     \
LOOP(P##_020, T, SQRT, 0, 2, 0) LOOP(P##_021, T, SQRT, 0, 2, 1)                     \
LOOP(P##_100, T, SQRT, 1, 0, 0) LOOP(P##_101, T, SQRT, 1, 0, 1)                     \
LOOP(P##_110, T, SQRT, 1, 1, 0) LOOP(P##_111, T, SQRT, 1, 1, 1)                     \
LOOP(P##_120, T, SQRT, 1, 2, 0) LOOP(P##_121, T, SQRT, 1, 2, 1)                     \
typedef void (*P##_loop)(T *restrict, const T *restrict, T *restrict, T *restrict,  \
                         T *restrict, int64_t, int64_t, T, T, T, T, T, T, T, T);    \
static const P##_loop P##_loops[12] = {P##_000, P##_001, P##_010, P##_011,          \
                                       P##_020, P##_021, P##_100, P##_101,          \
                                       P##_110, P##_111, P##_120, P##_121};

/* The elements of all tensors, split into one contiguous range per thread. */
#define KERNEL(NAME, P, T)                                                           \
void NAME(int64_t ntensors, const int64_t *ptrs, const int64_t *numels,             \
          double lr, double beta1, double beta2, double eps, double weight_decay,   \
          double bias1, double bias2_sqrt, int flags, int nthreads) {               \
    const T b1 = (T)beta1, c1 = (T)(1.0 - beta1), c2 = (T)(1.0 - beta2);            \
    const T step = (T)(lr / bias1), ib2 = (T)(1.0 / bias2_sqrt), e = (T)eps;        \
    const T wd = (T)weight_decay, decay = (T)(1.0 - lr * weight_decay);             \
    const int mode = weight_decay == 0.0 ? 0 : (flags & 2) ? 2 : 1;                 \
    const P##_loop loop = P##_loops[6 * (flags & 1) + 2 * mode + ((flags & 4) != 0)]; \
    int64_t total = 0;                                                              \
    for (int64_t k = 0; k < ntensors; ++k) total += numels[k];                      \
    _Pragma("omp parallel num_threads(nthreads) if(nthreads > 1)")                 \
    {                                                                               \
        const int64_t nt = omp_get_num_threads(), id = omp_get_thread_num();        \
        const int64_t lo = total * id / nt, hi = total * (id + 1) / nt;             \
        int64_t base = 0;                                                           \
        for (int64_t k = 0; k < ntensors && base < hi; ++k) {                       \
            const int64_t n = numels[k];                                            \
            const int64_t a = lo > base ? lo - base : 0;                            \
            const int64_t b = hi < base + n ? hi - base : n;                        \
            base += n;                                                              \
            if (a < b)                                                              \
                loop((T *)ptrs[5 * k], (const T *)ptrs[5 * k + 1],                  \
                     (T *)ptrs[5 * k + 2], (T *)ptrs[5 * k + 3],                    \
                     (T *)ptrs[5 * k + 4], a, b, b1, c1, c2, step, ib2, e, wd,      \
                     decay);                                                        \
        }                                                                           \
    }                                                                               \
}

LOOPS(f32, float, sqrtf)
LOOPS(f64, double, sqrt)
KERNEL(yogi_step_f32, f32, float)
KERNEL(yogi_step_f64, f64, double)
"""
_FLAGS = ["-O3", "-march=native", "-fno-math-errno", "-ffp-contract=off", "-fopenmp", "-shared", "-fPIC"]

_lock = threading.Lock()
_lib = None
_reason = None
_tried = False


def _cpu_key():
    """What the compiled code depends on besides the source: machine, CPU flags, compiler."""
    flags = ""
    try:
        with open("/proc/cpuinfo") as f:
            flags = next((line for line in f if line.startswith(("flags", "Features"))), "")
    except OSError:
        pass
    return f"{platform.machine()}|{platform.processor()}|{flags}|{torch.backends.cpu.get_cpu_capability()}"


def _cache_dir():
    root = os.environ.get("SNIPPETS_KERNEL_CACHE")
    if not root:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        root = os.path.join(base, "adam-yogi-snippets")
    return root


def _untrusted(path):
    """Why ``path`` must not be loaded from or written into, or ``None`` if it is safe to.

    Safe: owned by this process's effective user and not writable by group or others, so no
    one else can have put a library there or swap one in. A symlink must be ours too.
    """
    uid = os.geteuid()
    try:
        link, target = os.lstat(path), os.stat(path)
    except OSError as exc:
        return exc.strerror or str(exc)
    for st in (link, target):
        if st.st_uid != uid:
            return f"owned by uid {st.st_uid}, not by this user (uid {uid})"
    if target.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return f"writable by group or others (mode {stat.S_IMODE(target.st_mode):#o})"
    return None


def _build(cc):
    version = subprocess.run([cc, "--version"], capture_output=True, text=True, timeout=30).stdout
    key = hashlib.sha256("\n".join([_SOURCE, " ".join(_FLAGS), version, _cpu_key()]).encode()).hexdigest()[:16]
    skipped = []
    for folder in (_cache_dir(), os.path.join(tempfile.gettempdir(), f"adam-yogi-snippets-{os.getuid()}")):
        try:
            os.makedirs(folder, mode=0o700, exist_ok=True)
        except OSError as exc:
            skipped.append(f"{folder}: {exc.strerror or exc}")
            continue
        problem = _untrusted(folder)
        if problem is not None:  # e.g. another user made the temp folder first: never load from it
            log.warning("not using %s as the Yogi kernel cache: %s", folder, problem)
            skipped.append(f"{folder}: {problem}")
            continue
        path = os.path.join(folder, f"yogi_{key}.so")
        if os.path.exists(path):
            problem = _untrusted(path)
            if problem is None:
                return path
            log.warning("not loading %s (%s); building it again", path, problem)
        src = os.path.join(folder, f"yogi_{key}.{os.getpid()}.c")
        tmp = os.path.join(folder, f"yogi_{key}.{os.getpid()}.so")
        try:
            with open(src, "w") as f:
                f.write(_SOURCE)
        except OSError as exc:
            skipped.append(f"{folder}: {exc.strerror or exc}")
            continue
        start = time.perf_counter()
        try:
            out = subprocess.run([cc, *_FLAGS, src, "-o", tmp], capture_output=True, text=True, timeout=120)
        finally:
            os.remove(src)
        if out.returncode != 0:
            raise RuntimeError(f"{cc} failed: {out.stderr.strip()[-500:]}")
        os.chmod(tmp, stat.S_IMODE(os.stat(tmp).st_mode) & ~0o022)  # not writable by others, whatever the umask
        os.replace(tmp, path)  # atomic: concurrent builders never load a half-written file
        log.info("built the Yogi CPU kernel in %.2f s: %s", time.perf_counter() - start, path)
        return path
    raise RuntimeError(f"no usable cache folder ({'; '.join(skipped)})")


def load():
    """The loaded library, building it on first call; ``None`` if it cannot be built here."""
    global _lib, _reason, _tried
    if _tried:
        return _lib
    with _lock:
        if _tried:
            return _lib
        try:
            if os.environ.get("SNIPPETS_NO_CKERNEL"):
                raise RuntimeError("disabled by SNIPPETS_NO_CKERNEL")
            if sys.platform == "win32":
                raise RuntimeError("not built on Windows")
            lib = ctypes.CDLL(_build(os.environ.get("CC", "cc")))
            for name in ("yogi_step_f32", "yogi_step_f64"):
                fn = getattr(lib, name)
                fn.argtypes = [ctypes.c_int64, ctypes.c_void_p, ctypes.c_void_p] + [ctypes.c_double] * 7 + [ctypes.c_int] * 2
                fn.restype = None
            _lib = lib
        except Exception as exc:  # no compiler, no OpenMP, read-only disk, ...: fall back, and say so once
            _reason = f"{type(exc).__name__}: {exc}"
            # asked for (SNIPPETS_NO_CKERNEL): INFO; anything else is a problem worth a WARNING
            level = logging.INFO if os.environ.get("SNIPPETS_NO_CKERNEL") else logging.WARNING
            log.log(level, "Yogi CPU kernel unavailable (%s); optim.Yogi uses torch's fused Adam kernel instead, "
                    "which on CPU takes about 1.8–2.1× the time of a fused Adam step (the C kernel: about 1×)", _reason)
        _tried = True
    return _lib


def unavailable_reason():
    """Why :func:`load` returned ``None`` (``None`` if it has not failed)."""
    return _reason


# Below this many elements a step runs on one thread: waking the others costs more than it saves.
_PARALLEL_MIN_NUMEL = 1 << 15


class Batch:
    """The C kernel's tables for a fixed list of contiguous CPU tensors of one dtype.

    ``params``, ``exp_avgs``, ``exp_avg_sqs`` (and ``max_exp_avg_sqs`` for AMSGrad) are the
    tensors the kernel updates in place; their data pointers and sizes go into ctypes arrays
    once, here. :meth:`run` only writes the gradients' pointers, which change every step. The
    caller keeps the tensors alive and builds a new batch when one of them moves (its
    ``data_ptr()`` changes) or is replaced.
    """

    def __init__(self, params, exp_avgs, exp_avg_sqs, max_exp_avg_sqs=None):
        lib = load()
        if lib is None:
            raise RuntimeError(f"the Yogi C kernel is unavailable: {unavailable_reason()}")
        dtype = params[0].dtype if params else torch.float32
        self.fn = lib.yogi_step_f32 if dtype == torch.float32 else lib.yogi_step_f64
        n = self.n = len(params)
        self.ptrs = (ctypes.c_int64 * (POINTERS_PER_TENSOR * n))()
        self.ptrs[0::POINTERS_PER_TENSOR] = [x.data_ptr() for x in params]
        self.ptrs[2::POINTERS_PER_TENSOR] = [x.data_ptr() for x in exp_avgs]
        self.ptrs[3::POINTERS_PER_TENSOR] = [x.data_ptr() for x in exp_avg_sqs]
        if max_exp_avg_sqs is not None:
            self.ptrs[4::POINTERS_PER_TENSOR] = [x.data_ptr() for x in max_exp_avg_sqs]
        sizes = [x.numel() for x in params]
        self.numels = (ctypes.c_int64 * n)(*sizes)
        self.total = sum(sizes)

    def run(self, grad_ptrs, *, lr, beta1, beta2, eps, weight_decay, step, flags=0, threads=None):
        """One Yogi step (t = ``step`` ≥ 1) with the gradients at ``grad_ptrs`` (data pointers)."""
        self.ptrs[1::POINTERS_PER_TENSOR] = grad_ptrs
        if threads is None:
            threads = torch.get_num_threads() if self.total >= _PARALLEL_MIN_NUMEL else 1
        bias1 = 1 - beta1**step
        bias2_sqrt = (1 - beta2**step) ** 0.5
        self.fn(self.n, self.ptrs, self.numels, lr, beta1, beta2, eps, weight_decay, bias1, bias2_sqrt,
                flags, threads)


def yogi_step(params, grads, exp_avgs, exp_avg_sqs, *, lr, beta1, beta2, eps, weight_decay, step,
              max_exp_avg_sqs=None, maximize=False, decoupled_weight_decay=False):
    """Yogi-update contiguous CPU tensors of one dtype (float32 or float64) in place.

    All tensors share the step count ``step`` (t ≥ 1). The caller checks layout and dtype.
    """
    flags = (MAXIMIZE * bool(maximize) | DECOUPLED * bool(decoupled_weight_decay)
             | AMSGRAD * (max_exp_avg_sqs is not None))
    Batch(params, exp_avgs, exp_avg_sqs, max_exp_avg_sqs).run(
        [g.data_ptr() for g in grads], lr=lr, beta1=beta1, beta2=beta2, eps=eps,
        weight_decay=weight_decay, step=step, flags=flags)
    # The kernel wrote through raw pointers; tell autograd, as torch's own in-place ops do.
    torch.autograd.graph.increment_version(params)
