"""Time one optimizer step: ``python -m tools.benchmark [--device cpu|cuda] [--json PATH]``.

Optimizers: ``torch_yogi.Yogi`` as it comes (``torch-yogi Yogi``: on CPU float32 its fused C
kernel), with ``foreach=True`` and with ``foreach=False`` (the for-loop), on CUDA also with
``fused=True`` (the Triton kernel); ``torch.optim.Adam`` in its three implementations (for-loop,
foreach, fused: the baseline) and pytorch-optimizer's ``Yogi``, a peer. The for-loops and the
peer are left out of the GPT-2 case, where a step of theirs takes seconds. The extras (from the
command line unless ``--no-extras``; ``extras=True`` from Python): ``torch-yogi Yogi`` after
loading the state dict of a ``torch.optim.Adam(fused=True)`` ("from a torch checkpoint"), and two
more measurements:

* **A compiled training step** of the book's model: ``torch.nn.Linear(5, 1)`` on a minibatch of
  10 × 5, MSE loss, ``model.zero_grad(set_to_none=False)``, ``backward()`` and ``step()`` inside
  the function given to ``torch.compile``. With Yogi it is compiled with ``fullgraph=True``; with
  ``torch.optim.Adam(fused=True)`` that is refused (``torch/optim/optimizer.py`` breaks the graph
  before and after every ``step()`` on purpose), so Adam's is compiled as torch allows, with
  graph breaks: Yogi's step as one graph is compared with the best torch offers. In this torch,
  ``backward()`` inside a compiled function needs ``torch._dynamo.config.trace_autograd_ops``,
  set for this measurement only; dynamo will not trace ``Optimizer.zero_grad``, hence the
  model's, and with it gradients set to None made Adam's graph-broken step assign a gradient of
  the wrong shape, hence zeros in place. Both eager steps are timed in the same rounds. Each
  compiled function gets its own code object, so dynamo's cache holds one optimizer's entries
  per function.
* **The first step after install**: in a fresh ``python`` with an empty ``TORCH_YOGI_CACHE``
  folder, the wall time of ``import torch_yogi``, ``Yogi(params)`` (which compiles the C kernel)
  and the first ``step()``, three times, each with a new empty folder; then once more with the
  last folder (the kernel cached), and ``torch.optim.Adam(fused=True)``'s construction and first
  step in a fresh process (torch's own one-time set-up: every first optimizer pays it). ``import
  torch`` is timed apart and not counted. CPU only.

Cases: 6 parameters (the linear-regression shapes (5, 1) and (1,)); N parameters as 100 float32
tensors (1e5, 1e6, 1e7; on CUDA also 1e8); ``2000x100``, 2000 tensors of 100 elements; ``gpt2``,
GPT-2 small's parameter list (``tools/shapes.py``: 148 tensors, 124,439,808 parameters).

How it stays honest on a busy machine
-------------------------------------
* **Threads and OpenMP.** Run as a command, the module sets ``OMP_WAIT_POLICY=PASSIVE`` before
  torch starts (unless it is set already): idle OpenMP threads then sleep instead of spinning, so
  two threads on a 2-core machine shared with other work no longer stall each other (fused Adam at
  1e6 went from 0.57 to 8 ms with spinning threads). A case below 2^20 parameters, where waking a
  second thread costs more than it saves, runs every implementation on one thread. Each row says
  how many threads it ran on; the result says which wait policy was in force.
* **Interleaved rounds.** All implementations of a case are timed in the same rounds, the order
  rotating each round, after warm-up steps; one timed block holds enough steps to last ≥ 2 ms, and
  an implementation's time in a round is the fastest of three blocks (a busy machine only ever
  adds time). A row's ratio is the median over rounds of its time divided by the baseline's time
  in the same round, so a slow moment of the machine cancels out; its spread is the quartiles of
  those per-round ratios.
* **Noisy is said, not hidden.** A row whose per-round ratios have quartiles more than a factor
  1.3 apart on both sides of 1 cannot say whether the implementation is faster or slower; then
  more rounds are run (up to twice ``repeats``), and a row still like that is printed as ``noisy``
  with its range instead of a ratio. A speed floor is met when the upper quartile is within it,
  missed when the lower quartile is beyond it, and ``noisy`` when the quartiles straddle it and
  lie more than that factor apart (else the median decides).
* **Memory.** A case whose optimizer state passes 256 MB (the GPT-2 list: 1 GB per copy) keeps the
  baseline alive for the whole case and one other implementation at a time — each round makes it,
  warms it up, times it in blocks alternating with the baseline's and frees it before the next —
  on one shared set of parameters and gradients. Its ratio is to the baseline's blocks beside it,
  so a busy moment of the machine slows both.

Ratios are to ``torch.optim.Adam(fused=True)``; a floor against another row (the peer) takes the
ratio of the two rows' ratios round by round. GB/s counts the 28 bytes per parameter a fused Adam
step must move (read p, g, v, s; write p, v, s). Other options: ``--sizes 6 1e5 2000x100 gpt2``
(numbers of parameters ≥ 100, or 6, or the named cases), ``--repeats N`` rounds (N ≥ 5, default
7), ``--warmup N`` steps (default 3), ``--threads N``, ``--no-extras``. ``--json PATH`` is opened
before the run, so a path that can't be written fails at once, and is written atomically at the
end (a temporary file beside it, then ``os.replace``). The site's build calls
:func:`run_benchmark` and :func:`format_table` directly.
"""
import os
import sys

if "torch" not in sys.modules:  # before torch starts its OpenMP runtime, or it is too late
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    _WAIT_POLICY = f"{os.environ['OMP_WAIT_POLICY']} (set before torch started)"
else:
    _WAIT_POLICY = f"{os.environ.get('OMP_WAIT_POLICY', 'default')} (torch started before the benchmark)"

import argparse  # noqa: E402
import errno  # noqa: E402
import gc  # noqa: E402
import importlib  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import numbers  # noqa: E402
import platform  # noqa: E402
import re  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import types  # noqa: E402
import zlib  # noqa: E402

import torch  # noqa: E402
import torch_yogi  # noqa: E402

from . import shapes as shapes_of_models  # noqa: E402

BASELINE = "torch Adam (fused)"
YOGI = "torch-yogi Yogi"
PEER = "pytorch_optimizer Yogi"
FOREACH, FOR_LOOP, FUSED, FROM_CHECKPOINT = " (foreach)", " (for-loop)", " (fused)", " (from a torch checkpoint)"
UNAFFORDABLE = {"gpt2": (f"{YOGI}{FOR_LOOP}", f"torch Adam{FOR_LOOP}", PEER)}  # seconds a step there
BYTES_PER_PARAM = 28
DEFAULT_SIZES = (6, 100_000, 1_000_000, 10_000_000, "2000x100", "gpt2")
CUDA_EXTRA_SIZE = 100_000_000  # timed by default on CUDA
N_TENSORS = 100
MIN_REPEATS = 5  # each reported time is the median of at least this many rounds
NOISY = 1.3  # quartiles of a row's per-round ratios further apart than this factor, on both sides of 1: noisy
BLOCKS_PER_ROUND = 3  # an implementation's time in a round: the fastest of this many timed blocks
ONE_THREAD_BELOW = 1 << 20  # parameters: smaller cases run on one thread
LOW_MEMORY_BYTES = 256 << 20  # optimizer state above this: one implementation alive at a time
# (optimizer, case, largest ratio, compared with): the speed floors of issue 19 (CPU, float32)
FLOORS = {
    "cpu": [(YOGI, 6, 1.0, BASELINE), (YOGI, "2000x100", 0.5, BASELINE), (YOGI, "gpt2", 1.0, BASELINE),
            (YOGI, 10_000_000, 0.2, PEER)],
}
# The compiled training step: Yogi's (one graph) at most this many times fused Adam's.
TRAIN_YOGI, TRAIN_BASELINE = f"{YOGI}, compiled (fullgraph)", f"{BASELINE}, compiled (graph breaks)"
TRAIN_STEP_FLOOR = 1.05
FIRST_STEP_FLOOR_S = 3.0  # import torch_yogi + Yogi(params) + the first step, with an empty cache
FIRST_STEP_RUNS = 3


# --- what is timed ---------------------------------------------------------------------------


def _from_torch_checkpoint(params):
    """Yogi after loading the state dict of a torch.optim.Adam(fused=True) that took one step."""
    donor = torch.optim.Adam(params, fused=True)
    donor.step()
    optimizer = torch_yogi.Yogi(params)
    optimizer.load_state_dict(donor.state_dict())
    return optimizer


def optimizers(device="cpu", extras=False, case=None):
    """Name → factory(params) of every optimizer the benchmark times on ``device`` ("cpu" or
    "cuda"); ``extras=True`` adds Yogi from a torch checkpoint; ``case`` leaves out the
    implementations unaffordable there (:data:`UNAFFORDABLE`)."""
    table = {
        YOGI: lambda ps: torch_yogi.Yogi(ps),
        f"{YOGI}{FOREACH}": lambda ps: torch_yogi.Yogi(ps, foreach=True),
        f"{YOGI}{FOR_LOOP}": lambda ps: torch_yogi.Yogi(ps, foreach=False),
        f"torch Adam{FOR_LOOP}": lambda ps: torch.optim.Adam(ps, foreach=False),
        f"torch Adam{FOREACH}": lambda ps: torch.optim.Adam(ps, foreach=True),
        BASELINE: lambda ps: torch.optim.Adam(ps, fused=True),
    }
    if device == "cuda":  # on CPU the default is the fused kernel already
        table[f"{YOGI}{FUSED}"] = lambda ps: torch_yogi.Yogi(ps, fused=True)
    try:
        import pytorch_optimizer
    except ImportError:  # a pinned dependency, but the benchmark still runs without it
        pytorch_optimizer = None
    if pytorch_optimizer is not None:
        table[PEER] = lambda ps: pytorch_optimizer.Yogi(ps)
    if extras:
        table[f"{YOGI}{FROM_CHECKPOINT}"] = _from_torch_checkpoint
    for name in UNAFFORDABLE.get(case, ()):
        table.pop(name, None)
    return table


def gpt2_shapes():
    """GPT-2 small's parameter shapes in model order: 148 tensors, 124,439,808 parameters."""
    return shapes_of_models.gpt2_small()


def _case(size):
    """``size`` as a case id: an int, "2000x100" or "gpt2"; ValueError names a bad one."""
    if isinstance(size, str):
        text = size.strip().lower()
        if text == "gpt2":
            return "gpt2"
        count, x, numel = text.replace(" ", "").partition("x")
        if x and count.isdigit() and numel.isdigit() and int(count) >= 1 and int(numel) >= 1:
            return f"{int(count)}x{int(numel)}"
        raise ValueError(f"Invalid size: {size!r} (a number of parameters, 'gpt2' or 'NxM' tensors)")
    if isinstance(size, bool) or not isinstance(size, numbers.Real) or not math.isfinite(size) or size != int(size):
        raise ValueError(f"Invalid size: {size!r} (a whole number of parameters)")
    shapes(int(size))
    return int(size)


def shapes(case):
    """Parameter shapes of a case: 6 → the regression's (5, 1) and (1,); N → 100 tensors; "NxM" →
    N tensors of M; "gpt2" → :func:`gpt2_shapes`."""
    if case == "gpt2":
        return gpt2_shapes()
    if isinstance(case, str):
        count, _, numel = case.partition("x")
        return [(int(numel),)] * int(count)
    if case == 6:
        return [(5, 1), (1,)]
    if case < N_TENSORS:
        raise ValueError(f"Invalid size: {case} (use 6, or at least {N_TENSORS} parameters)")
    base, extra = divmod(case, N_TENSORS)
    return [(base + (k < extra),) for k in range(N_TENSORS)]


def _label(case):
    if case == "gpt2":
        return "GPT-2 small"
    if isinstance(case, str):
        count, _, numel = case.partition("x")
        return f"{int(count):,} × {int(numel):,}"
    return f"{case:,}"


def _check_device(device):
    """``(kind, name)`` of a device given as "cpu", "cuda", "cuda:1" or a torch.device."""
    name = str(device)
    try:
        kind = torch.device(name).type
    except RuntimeError:
        kind = None
    if kind not in ("cpu", "cuda"):
        raise ValueError(f"Invalid device: {name!r} (expected 'cpu' or 'cuda')")
    if kind == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"Invalid device: {name!r} (CUDA is not available: torch.cuda.is_available() is False)")
    return kind, name


def _device_name(device):
    if torch.device(device).type == "cuda":
        return torch.cuda.get_device_name(torch.device(device))
    try:
        with open("/proc/cpuinfo") as f:
            return next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or platform.machine()


def _yogi_path(device):
    """The implementation ``torch_yogi.Yogi`` picks by itself for float32 tensors on ``device``,
    as its functional ``yogi`` decides it (the module: ``torch_yogi.yogi`` is the function)."""
    functional = importlib.import_module("torch_yogi.yogi")
    probe = [torch.zeros(1, device=device)]
    if functional._default_fused(probe, False):
        return "fused (C kernel)" if torch.device(device).type == "cpu" else "fused"
    return "foreach" if functional._default_foreach(probe, False, 1e-3, False) else "for-loop"


def _threads_for(case, kind, available):
    """One thread for a small CPU case (waking another costs more than it saves), else all."""
    n = sum(math.prod(s) for s in shapes(case))
    return 1 if kind == "cpu" and n < ONE_THREAD_BELOW else available


def _sync_for(device):
    return torch.cuda.synchronize if torch.device(device).type == "cuda" else (lambda: None)


# --- timing ----------------------------------------------------------------------------------


class _Timer:
    """Times the contenders of one case in interleaved rounds; ``makers[name]()`` makes a
    contender and returns its step (a callable with no arguments)."""

    def __init__(self, makers, warmup, sync, baseline, low_memory=False):
        self.makers, self.warmup, self.sync = makers, warmup, sync
        self.baseline, self.low_memory = baseline, low_memory
        self.live, self.inner = {}, {}
        for name in makers if not low_memory else [baseline]:
            self.live[name] = self._ready(name)

    def _ready(self, name):
        """A warmed-up step; the first time, also how many steps a timed block holds."""
        step = self.makers[name]()
        for _ in range(self.warmup if name not in self.inner else min(self.warmup, 1)):
            step()
        if name not in self.inner:
            self.sync()
            start = time.perf_counter()
            step()
            self.sync()
            elapsed = max(time.perf_counter() - start, 1e-7)
            self.inner[name] = max(1, min(1000, math.ceil(2e-3 / elapsed)))
        return step

    def _block(self, name, step):
        """Milliseconds per step over one timed block of ``name``'s steps."""
        k = self.inner[name]
        self.sync()
        start = time.perf_counter()
        for _ in range(k):
            step()
        self.sync()
        return (time.perf_counter() - start) / k * 1e3

    def time(self, name):
        """{name: ms per step}, the fastest of a few blocks; in a large case also the baseline's
        blocks timed beside ``name``'s, block by block in turn, so both see the same moments."""
        step = self.live[name] if name in self.live else self._ready(name)
        steps = {}
        if self.low_memory and name != self.baseline:
            steps[self.baseline] = self.live[self.baseline]
        steps[name] = step
        best, labels = {label: math.inf for label in steps}, list(steps)
        for b in range(BLOCKS_PER_ROUND):
            for label in _rotated(labels, b):  # each goes first in turn
                best[label] = min(best[label], self._block(label, steps[label]))
        if name not in self.live:  # free this one's state before the next is made
            del step, steps
            gc.collect()
        return best


class Samples:
    """One case's times: ``ms[name]``, one per round; ``paired[name]``, the baseline's time in the
    same round or, for a large case, in the blocks alternated with ``name``'s."""

    def __init__(self, names, baseline):
        self.baseline = baseline
        self.ms = {name: [] for name in names}
        self.paired = {name: [] for name in names}

    def add_round(self, times):
        """``times``: {name: what :meth:`_Timer.time` returned} for one round."""
        beside = [t[self.baseline] for name, t in times.items() if name != self.baseline and self.baseline in t]
        if beside:  # a large case: the baseline's time in the round is that of its pairs
            times[self.baseline] = {self.baseline: statistics.median(beside)}
        base = times[self.baseline][self.baseline]
        for name, t in times.items():
            self.ms[name].append(t[name])
            self.paired[name].append(t.get(self.baseline, base))

    def ratios(self, name):
        """Per-round ratios of ``name`` to the baseline (paired)."""
        return [a / b for a, b in zip(self.ms[name], self.paired[name])]


def _rotated(items, k):
    """``items`` (a list) rotated left by ``k``: who goes first changes from one round or block to the next."""
    k %= len(items)
    return items[k:] + items[:k]


def _time_rounds(makers, repeats, warmup, sync, baseline, low_memory=False):
    """The contenders' :class:`Samples`, with rounds added (up to 2 × repeats) while noisy."""
    timer = _Timer(makers, warmup, sync, baseline, low_memory)
    samples = Samples(makers, baseline)
    names = list(makers)
    for r in range(2 * repeats):
        if r >= repeats and not any(_is_noisy(samples.ratios(n)) for n in names if n != baseline):
            break
        order = _rotated(names, r)
        if low_memory and len(names) > 1:
            order.remove(baseline)  # timed beside each of the others
        samples.add_round({name: timer.time(name) for name in order})
    return samples


def _summary(name, samples):
    """A row's numbers: median ms and ratio, their quartiles, the samples behind them."""
    times, ratios = samples.ms[name], samples.ratios(name)
    return {"optimizer": name, "ms": statistics.median(times), "ms_quartiles": list(_quartiles(times)),
            "ratio": statistics.median(ratios), "ratio_quartiles": list(_quartiles(ratios)),
            "noisy": name != samples.baseline and _is_noisy(ratios), "rounds": len(times),
            "samples_ms": times, "baseline_samples_ms": samples.paired[name], "ratios": ratios}


def time_case(case, device, factories, repeats, warmup, threads):
    """Rows for one case: every ``factories[name](params)`` (an object with ``step()``) timed on
    one shared set of parameters and gradients, in interleaved rounds against ``BASELINE``."""
    generator = torch.Generator().manual_seed(zlib.crc32(str(case).encode()))
    params = []
    for shape in shapes(case):
        p = torch.nn.Parameter(torch.randn(shape, generator=generator).to(device))
        p.grad = torch.randn(shape, generator=generator).to(device)
        params.append(p)
    low_memory = 2 * sum(p.numel() * p.element_size() for p in params) > LOW_MEMORY_BYTES
    makers = {name: (lambda factory=factory: factory(params).step) for name, factory in factories.items()}
    threads_before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        samples = _time_rounds(makers, repeats, warmup, _sync_for(device), BASELINE, low_memory)
    finally:
        torch.set_num_threads(threads_before)
    n = sum(p.numel() for p in params)
    rows = []
    for name in factories:
        row = {"case": case, "label": _label(case), "params": n, "tensors": len(params), "threads": threads,
               **_summary(name, samples)}
        row["gb_per_s"] = BYTES_PER_PARAM * n / (row["ms"] * 1e-3) / 1e9
        rows.append(row)
    return rows


# --- the compiled training step ----------------------------------------------------------------


def _train_step(make_optimizer, device, compile_as=None):
    """One training step of the book's model (Linear(5, 1), a minibatch of 10 × 5, MSE loss) as a
    function of no arguments; ``compile_as``: None (eager) or torch.compile's ``fullgraph``."""
    generator = torch.Generator().manual_seed(0)
    model = torch.nn.Linear(5, 1)
    with torch.no_grad():
        model.weight.copy_(torch.randn(1, 5, generator=generator))
        model.bias.zero_()
    model.to(device)
    X = torch.randn(10, 5, generator=generator).to(device)
    y = torch.randn(10, 1, generator=generator).to(device)
    optimizer = make_optimizer(model.parameters())

    def train_step():
        model.zero_grad(set_to_none=False)
        loss = torch.nn.functional.mse_loss(model(X), y)
        loss.backward()
        optimizer.step()
        return loss.detach()  # a loss whose graph backward() consumed cannot leave a compiled function

    if compile_as is None:
        return train_step
    # A code object of its own: dynamo keeps its cache on the code object, one per contender here.
    own = types.FunctionType(train_step.__code__.replace(), train_step.__globals__, "train_step", None,
                             train_step.__closure__)
    return torch.compile(own, fullgraph=compile_as)


def train_step_contenders(device="cpu"):
    """Name → maker() of a training step: Yogi compiled as one graph, fused Adam compiled as torch
    allows (it breaks the graph around its step), and both eager; on CUDA also Yogi(fused=True)."""
    yogi = lambda ps: torch_yogi.Yogi(ps)  # noqa: E731
    adam = lambda ps: torch.optim.Adam(ps, fused=True)  # noqa: E731
    table = {
        TRAIN_YOGI: lambda: _train_step(yogi, device, compile_as=True),
        TRAIN_BASELINE: lambda: _train_step(adam, device, compile_as=False),
        f"{YOGI}, eager": lambda: _train_step(yogi, device),
        f"{BASELINE}, eager": lambda: _train_step(adam, device),
    }
    if torch.device(device).type == "cuda":
        fused = lambda ps: torch_yogi.Yogi(ps, fused=True)  # noqa: E731
        table[f"{YOGI}{FUSED}, compiled (fullgraph)"] = lambda: _train_step(fused, device, compile_as=True)
    return table


def time_train_step(device="cpu", repeats=7, warmup=3, threads=1, contenders=None):
    """The compiled training step against fused Adam's, timed in interleaved rounds after
    warm-up (the first calls compile; at least three, since the optimizer state appears on the
    first); returns {"rows": […], "baseline": TRAIN_BASELINE, "threads": …}."""
    import torch._dynamo

    contenders = contenders or train_step_contenders(device)
    torch._dynamo.reset()  # this process's earlier compiles neither count nor crowd the cache
    options = {"trace_autograd_ops": True} if hasattr(torch._dynamo.config, "trace_autograd_ops") else {}
    threads_before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        with torch._dynamo.config.patch(**options):  # backward() inside a compiled function
            samples = _time_rounds(contenders, repeats, max(warmup, 3), _sync_for(device), TRAIN_BASELINE)
    finally:
        torch.set_num_threads(threads_before)
    return {"rows": [_summary(name, samples) for name in contenders], "baseline": TRAIN_BASELINE,
            "threads": threads, "dynamo_config": options}


# --- the first step after install (a fresh process, an empty kernel cache) ------------------------

FIRST_STEP_CHILD = """
import json, os, sys, time
start = time.perf_counter()
import torch
torch_imported = time.perf_counter()
params = [torch.nn.Parameter(torch.randn(5, 1)), torch.nn.Parameter(torch.randn(1))]
for p in params:
    p.grad = torch.randn_like(p)
begin = time.perf_counter()
if sys.argv[1] == "yogi":
    import torch_yogi
    imported = time.perf_counter()
    optimizer = torch_yogi.Yogi(params)
else:
    imported = time.perf_counter()
    optimizer = torch.optim.Adam(params, fused=True)
made = time.perf_counter()
optimizer.step()
stepped = time.perf_counter()
optimizer.step()
second = time.perf_counter()
out = {"import_torch_s": torch_imported - start, "import_s": imported - begin, "construct_s": made - imported,
       "first_step_s": stepped - made, "second_step_s": second - stepped, "total_s": stepped - begin}
if sys.argv[1] == "yogi":
    from torch_yogi import cpu_kernel
    out["kernel"] = cpu_kernel.available()
    out["cached"] = sorted(n for n in os.listdir(os.environ["TORCH_YOGI_CACHE"]) if n.endswith(".so"))
print(json.dumps(out))
"""


def _first_step_child(which, cache):
    env = {**os.environ, "TORCH_YOGI_CACHE": cache}
    done = subprocess.run([sys.executable, "-c", FIRST_STEP_CHILD, which], env=env, cwd=cache, capture_output=True,
                          text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"the first-step process ({which}) failed: {done.stderr.strip()[-800:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def first_step_after_install(runs=FIRST_STEP_RUNS):
    """``runs`` fresh processes, each with an empty TORCH_YOGI_CACHE folder (the C kernel is built
    in each); one more with the last folder (the kernel cached); and one with torch's fused Adam."""
    cold = []
    with tempfile.TemporaryDirectory(prefix="torch-yogi-cache-") as root:
        for k in range(runs):
            cache = os.path.join(root, str(k))
            os.mkdir(cache, 0o700)
            cold.append(_first_step_child("yogi", cache))
        cached = _first_step_child("yogi", cache)
        adam = _first_step_child("adam", os.path.join(root, str(runs - 1)))
    totals = [r["total_s"] for r in cold]
    return {"cold": cold, "cached": cached, "torch_adam": adam, "total_s": statistics.median(totals),
            "total_quartiles": list(_quartiles(totals)), "kernel_built": all(r["kernel"] and r["cached"] for r in cold)}


# --- the whole run -----------------------------------------------------------------------------


def _quartiles(values):
    if len(values) < 2:
        return values[0], values[0]
    q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return q1, q3


def _is_noisy(ratios):
    """The rounds disagree: their middle half spans more than a factor NOISY and does not even
    say whether the implementation is faster or slower than the baseline."""
    low, high = _quartiles(ratios)
    return high > NOISY * low and low < 1 < high


def run_benchmark(device="cpu", sizes=None, repeats=7, warmup=3, extras=False, threads=None):
    """Time every optimizer at every size; returns a JSON-ready dict (see :func:`format_table`).

    ``sizes`` defaults to 6, 1e5, 1e6 and 1e7 parameters, "2000x100" and "gpt2" (and 1e8 on CUDA).
    ``extras=True`` adds Yogi from a torch checkpoint, the compiled training step and (on CPU) the
    first step after install. ``threads`` fixes the number of threads for every case (default: one
    below 2^20 parameters, all above).
    """
    kind, device = _check_device(device)
    if sizes is None:
        sizes = DEFAULT_SIZES + ((CUDA_EXTRA_SIZE,) if kind == "cuda" else ())
    if isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < MIN_REPEATS:
        raise ValueError(f"Invalid repeats: {repeats!r} (an integer ≥ {MIN_REPEATS}: each time is a median of the rounds)")
    if isinstance(warmup, bool) or not isinstance(warmup, int) or warmup < 0:
        raise ValueError(f"Invalid warmup: {warmup!r} (an integer ≥ 0)")
    if threads is not None and (isinstance(threads, bool) or not isinstance(threads, int) or threads < 1):
        raise ValueError(f"Invalid threads: {threads!r} (an integer ≥ 1, or None)")
    cases = [_case(n) for n in sizes]  # validate every size before timing any
    available = torch.get_num_threads()
    rows = []
    for case in cases:
        rows += time_case(case, device, optimizers(kind, extras, case), repeats, warmup,
                          threads or _threads_for(case, kind, available))
    result = {
        "device": kind,
        "device_name": _device_name(device),
        "torch": torch.__version__,
        "torch_yogi": torch_yogi.__version__,
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "torch_threads": available,
        "omp_wait_policy": _WAIT_POLICY,
        "yogi_path": _yogi_path(device),
        "repeats": repeats,
        "warmup": warmup,
        "bytes_per_param": BYTES_PER_PARAM,
        "baseline": BASELINE,
        "sizes": cases,
        "rows": rows,
    }
    if extras:
        result["train_step"] = time_train_step(device, repeats, warmup, threads or 1)
        if kind == "cpu":
            result["first_step"] = first_step_after_install()
    result["floors"] = check_floors(result)
    return result


def _row(rows, optimizer, case=None):
    return next((r for r in rows if r["optimizer"] == optimizer and r.get("case") == case), None)


def _verdict(values, limit):
    """True (met) when the middle half of ``values`` is within ``limit``, False (missed) when it is
    beyond; straddling it, "noisy" when the quartiles lie more than NOISY apart, else the median's side."""
    low, high = _quartiles(values)
    if high <= limit:
        return True
    if low > limit:
        return False
    return "noisy" if high > NOISY * low else statistics.median(values) <= limit


def check(text, values, limit):
    """One floor: ``values`` (ratios or seconds, one per round) against ``limit``, with the verdict."""
    low, high = _quartiles(values)
    return {"check": text, "value": statistics.median(values), "quartiles": [low, high], "limit": limit,
            "met": _verdict(values, limit)}


def check_floors(result):
    """The speed floors this result can check, each with its measured value and quartiles: a row
    against the baseline by its per-round ratios, against another row (the peer) by the ratio of
    the two rows' ratios round by round; the compiled training step against fused Adam's; the
    first step after install in seconds (missed, whatever its time, if the kernel was not built)."""
    checks = []
    for name, case, limit, against in FLOORS.get(result["device"], []):
        row, other = _row(result["rows"], name, case), _row(result["rows"], against, case)
        if row is None or other is None:
            continue
        ratios = [a / b for a, b in zip(row["ratios"], other["ratios"])]
        checks.append(check(f"{name} ≤ {limit}× {against} at {_label(case)}", ratios, limit))
    train = result.get("train_step")
    if train:
        row = _row(train["rows"], TRAIN_YOGI)
        checks.append(check(f"{TRAIN_YOGI} ≤ {TRAIN_STEP_FLOOR}× {TRAIN_BASELINE}, training step",
                             row["ratios"], TRAIN_STEP_FLOOR))
    first = result.get("first_step")
    if first:
        first_check = check(f"first step after install ≤ {FIRST_STEP_FLOOR_S:g} s (import torch_yogi, Yogi(params), "
                       "step(), an empty kernel cache)", [r["total_s"] for r in first["cold"]], FIRST_STEP_FLOOR_S)
        if not first["kernel_built"]:
            first_check["met"] = False
            first_check["check"] += ": the C kernel was not built"
        checks.append(first_check)
    return checks


# --- printing ----------------------------------------------------------------------------------


def format_ratio(row, baseline=BASELINE):
    """The ratio cell: ``0.52 (0.49–0.55)``, or ``noisy (0.4–3.9)`` where the rounds disagree."""
    low, high = row.get("ratio_quartiles", (row["ratio"], row["ratio"]))
    if row.get("noisy"):
        return f"noisy ({low:.2g}–{high:.2g})"
    if row["optimizer"] == baseline:
        return "1"
    return f"{row['ratio']:.2f} ({low:.2f}–{high:.2f})"


def format_table(result):
    """A markdown table: one row per case and optimizer, ratios with their quartiles over rounds;
    after it, with the extras, the compiled training step's."""
    lines = [
        f"| parameters | optimizer | ms/step | × {BASELINE} | GB/s | threads |",
        "|---:|:---|---:|---:|---:|---:|",
    ]
    for r in result["rows"]:
        label = r["label"] if r["case"] != "gpt2" else f"{r['label']} ({r['params']:,})"
        lines.append(f"| {label} | {r['optimizer']} | {r['ms']:.4g} | {format_ratio(r)} | {r['gb_per_s']:.3g} "
                     f"| {r['threads']} |")
    train = result.get("train_step")
    if train:
        lines += ["", f"| training step: Linear(5, 1), minibatch 10 × 5 | ms/step (quartiles) | × {train['baseline']} "
                      "| threads |", "|:---|---:|---:|---:|"]
        for r in train["rows"]:
            low, high = r["ms_quartiles"]
            lines.append(f"| {r['optimizer']} | {r['ms']:.4g} ({low:.4g}–{high:.4g}) "
                         f"| {format_ratio(r, train['baseline'])} | {train['threads']} |")
    return "\n".join(lines)


def _first_step_lines(first):
    cold, cached, adam = first["cold"], first["cached"], first["torch_adam"]
    low, high = first["total_quartiles"]
    construct = statistics.median(r["construct_s"] for r in cold)
    return [
        f"first step after install (fresh process, empty TORCH_YOGI_CACHE, median of {len(cold)} "
        f"(quartiles)): import torch_yogi + Yogi(params) + step() {first['total_s']:.2f} s ({low:.2f}–{high:.2f}); "
        f"of which import {statistics.median(r['import_s'] for r in cold):.3f} s, Yogi(params) {construct:.2f} s "
        f"(torch's set-up of a first optimizer, and the C kernel's build), the first step "
        f"{statistics.median(r['first_step_s'] for r in cold) * 1e3:.1f} ms",
        f"  with the kernel cached: {cached['total_s']:.2f} s (Yogi(params) {cached['construct_s']:.2f} s); "
        f"torch.optim.Adam(fused=True) + its first step in a fresh process: {adam['total_s']:.2f} s "
        f"(torch's one-time set-up of a first optimizer); import torch itself "
        f"{statistics.median(r['import_torch_s'] for r in cold):.2f} s, not counted",
    ]


def format_summary(result):
    """One line on the machine, the first step after install, then one line per speed floor."""
    lines = [f"{result['device']} ({result['device_name']}), torch {result['torch']}, "
             f"{result['torch_threads']} threads, {result['cpu_count']} CPUs, OMP_WAIT_POLICY "
             f"{result['omp_wait_policy']}; Yogi path: {result['yogi_path']}; "
             f"median of ≥ {result['repeats']} interleaved rounds after {result['warmup']} warm-up steps"]
    if result.get("first_step"):
        lines += _first_step_lines(result["first_step"])
    for c in result["floors"]:
        verdict = {True: "met ", False: "MISSED", "noisy": "NOISY"}[c["met"]]
        low, high = c["quartiles"]
        lines.append(f"{verdict} {c['check']}: {c['value']:.3g} ({low:.3g}–{high:.3g})")
    return "\n".join(lines)


# --- the command line --------------------------------------------------------------------------


def _size(text):
    """``--sizes``: a whole number of parameters ≥ 1 (an integer or ``1e5``), ``gpt2`` or ``NxM``."""
    if text.strip().lower() == "gpt2" or re.fullmatch(r"\s*\d+\s*[xX]\s*\d+\s*", text):
        try:
            return _case(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc).replace("Invalid size: ", "not a size: ")) from None
    try:
        value = int(text)
    except ValueError:
        try:
            number = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if not (math.isfinite(number) and number == int(number)):
            raise argparse.ArgumentTypeError(f"not a whole number of parameters: {text!r}") from None
        value = int(number)
    if value < 1:
        raise argparse.ArgumentTypeError(f"not a number of parameters ≥ 1: {text!r}")
    return value


def _count(low):
    """An argparse type: an integer ≥ ``low``."""

    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer ≥ {low}, got {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"expected an integer ≥ {low}, got {value}")
        return value

    return parse


def _open_beside(path):
    """Create and open a temporary file in ``path``'s folder; returns (file, its path).

    Creating it checks now, before a long run, that the folder takes new files; a ``path`` that
    names a folder, or an existing file this user may not write, is refused too (``OSError``).
    """
    path = os.path.abspath(path)
    if os.path.isdir(path):
        raise IsADirectoryError(errno.EISDIR, "is a folder", path)
    if os.path.exists(path) and not os.access(path, os.W_OK):
        raise PermissionError(errno.EACCES, "not writable", path)
    folder, name = os.path.split(path)
    tmp = os.path.join(folder, f".{name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask applies, as for open(path, "w")
    return os.fdopen(fd, "w", encoding="utf-8"), tmp


def _commit(out, tmp, path, text):
    """Write ``text`` to ``out`` (opened by :func:`_open_beside` as ``tmp``), then put it in place
    of ``path``: a reader sees the old file or the whole new one."""
    with out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)


def write_atomic(path, text):
    """``path`` replaced by ``text`` at once, through a temporary file beside it; nothing is left
    behind if that fails."""
    out, tmp = _open_beside(path)
    try:
        _commit(out, tmp, path, text)
    finally:
        out.close()
        if os.path.exists(tmp):
            os.remove(tmp)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tools.benchmark", description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--json", metavar="PATH", help="also write the numbers to PATH as JSON")
    parser.add_argument("--sizes", nargs="+", type=_size, metavar="N",
                        help="numbers of parameters, 'gpt2' or 'NxM' (default: 6 1e5 1e6 1e7 2000x100 gpt2, "
                             "and 1e8 on CUDA)")
    parser.add_argument("--repeats", type=_count(MIN_REPEATS), default=7, metavar="N",
                        help=f"timed rounds, at least {MIN_REPEATS} (default 7; up to twice that while noisy)")
    parser.add_argument("--warmup", type=_count(0), default=3, metavar="N", help="warm-up steps (default 3)")
    parser.add_argument("--threads", type=_count(1), metavar="N",
                        help="threads for every case (default: 1 below 2^20 parameters, else all)")
    parser.add_argument("--no-extras", dest="extras", action="store_false",
                        help="leave out Yogi from a torch checkpoint, the compiled training step and the first "
                             "step after install")
    args = parser.parse_args(argv)
    out, tmp = None, None
    if args.json:
        try:
            out, tmp = _open_beside(args.json)  # before the run: an unwritable path fails now, not after it
        except OSError as exc:
            parser.error(f"argument --json: cannot write {args.json}: {exc.strerror or exc}")
    try:
        try:
            result = run_benchmark(args.device, args.sizes, args.repeats, args.warmup, args.extras, args.threads)
        except ValueError as exc:
            parser.error(f"--device {args.device}: {exc}" if "device" in str(exc) else str(exc))
        print(format_table(result))
        print()
        print(format_summary(result))
        if out is not None:
            _commit(out, tmp, args.json, json.dumps(result, indent=2) + "\n")
    finally:
        if out is not None:
            out.close()
            if os.path.exists(tmp):  # the run failed or was interrupted: leave nothing behind
                os.remove(tmp)
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
