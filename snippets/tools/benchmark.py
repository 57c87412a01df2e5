"""Time one optimizer step: ``python -m snippets.tools.benchmark [--device cpu|cuda] [--json PATH]``.

Optimizers: ``snippets.optim.Yogi`` and ``Adam``, ``torch.optim.Adam`` in its three
implementations (for-loop, foreach, fused) and pytorch-optimizer's ``Yogi``, a peer; with
``--extras`` (on by default from the command line) also each of ours after loading a
``torch.optim.Adam(fused=True)`` state dict ("from a torch checkpoint") and run as
``torch.compile(opt.step)`` ("compiled step").

Cases: 6 parameters (the linear-regression shapes (5, 1) and (1,)); N parameters as 100 float32
tensors (1e5, 1e6, 1e7; on CUDA also 1e8); ``2000x100``, 2000 tensors of 100 elements; ``gpt2``,
GPT-2 small's parameter list (Radford et al., 2019; the shapes of Hugging Face's ``GPT2Model``,
Conv1D weights as (in, out), the output layer tied to the token embedding): the token and position
embeddings, 12 blocks of 12 tensors (LayerNorms, attention, MLP, with biases) and the final
LayerNorm — 148 tensors, 124,439,808 parameters. (The issue's "145 tensors" matches no published
GPT-2 list; this is the one ``tools/shapes.py`` on main holds.)

How it stays honest on a busy machine
-------------------------------------
* **Threads and OpenMP.** Run as a command, the module sets ``OMP_WAIT_POLICY=PASSIVE`` before
  torch starts (unless it is set already): idle OpenMP threads then sleep instead of spinning, so
  two threads on a 2-core machine shared with other work no longer stall each other (fused Adam at
  1e6 went from 0.57 to 8 ms with spinning threads). A case below 2^20 parameters, where waking a
  second thread costs more than it saves, runs every implementation on one thread. Each row says
  how many threads it ran on; the result says which wait policy was in force.
* **Interleaved rounds.** All implementations of a case are timed in the same rounds, the order
  rotating each round, after warm-up steps; one timed block holds enough steps to last ≥ 2 ms. A
  row's ratio is the median over rounds of its time divided by the baseline's time in the same
  round, so a slow moment of the machine cancels out; its spread is the quartiles of those
  per-round ratios.
* **Noisy is said, not hidden.** A row whose per-round ratios have quartiles more than a factor
  1.3 apart on both sides of 1 cannot say whether the implementation is faster or slower; then
  more rounds are run (up to twice ``repeats``), and a row still like that is printed as ``noisy``
  with its range instead of a ratio. Each implementation's time in a round is the fastest of three
  timed blocks, since a busy machine only ever adds time. A speed
  floor is met when the upper quartile is within it, missed when the lower quartile is beyond it,
  and ``noisy`` when the rounds straddle it by more than that factor. A compiled step whose
  rounds straddle its eager step (1.0), with a median within two standard errors of 1.0, is at
  ``parity``: no slower, and not shown to be faster.
* **Side by side.** A compiled step is timed beside the same optimizer's step called eagerly,
  block by block in turn, and its ratio to eager is taken from those blocks, each compiled block
  over the eager block of the same turn (three per round): what torch.compile adds and nothing
  else (a second optimizer of the same kind, its state elsewhere in memory, was already a median
  3–7 % slower at 2000 × 100).
* **Memory.** A case whose optimizer state passes 256 MB (the GPT-2-like list: 1 GB per copy)
  keeps the baseline alive for the whole case and one other implementation at a time — each round
  makes it, warms it up, times it in blocks alternating with the baseline's and frees it before
  the next — on one shared set of parameters and gradients: about 4 GB at the peak. Its ratio is
  to the baseline's blocks beside it, so a busy moment of the machine slows both. Parameters and
  gradients are shared by all implementations of a case.

Ratios are to ``torch.optim.Adam(fused=True)``; GB/s counts the 28 bytes per parameter a fused
Adam step must move (read p, g, v, s; write p, v, s). Other options: ``--sizes 6 1e5 2000x100 gpt2``
(numbers of parameters ≥ 100, or 6, or the named cases), ``--repeats N`` rounds (N ≥ 5, default 7),
``--warmup N`` steps (default 3), ``--threads N``, ``--paths`` (also each path of ``Yogi``, forced),
``--no-extras``.
``--json PATH`` is opened before the run, so a path that can't be written fails at once, and is
written atomically at the end (a temporary file beside it, then ``os.replace``). The docs pages
call :func:`run_benchmark` and :func:`format_table` directly.
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
import json  # noqa: E402
import math  # noqa: E402
import numbers  # noqa: E402
import platform  # noqa: E402
import re  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import zlib  # noqa: E402

import torch  # noqa: E402

from . import shapes as shapes_of_models, yogi_c  # noqa: E402
from snippets.optim import Adam, Yogi  # noqa: E402

BASELINE = "torch Adam (fused)"
BYTES_PER_PARAM = 28
DEFAULT_SIZES = (6, 100_000, 1_000_000, 10_000_000, "2000x100", "gpt2")
CUDA_EXTRA_SIZE = 100_000_000  # the CUDA floor's size, timed by default on CUDA
N_TENSORS = 100
MIN_REPEATS = 5  # each reported time is the median of at least this many rounds
NOISY = 1.3  # quartiles of a row's per-round ratios further apart than this factor, on both sides of 1: noisy
BLOCKS_PER_ROUND = 3  # an implementation's time in a round: the fastest of this many timed blocks
ONE_THREAD_BELOW = 1 << 20  # parameters: smaller cases run on one thread
LOW_MEMORY_BYTES = 256 << 20  # optimizer state above this: one implementation alive at a time
FROM_CHECKPOINT, COMPILED = " (from a torch checkpoint)", " (compiled step)"
EAGER = "eager step"  # a compiled step's own optimizer, its step called as is
BLOCK_RATIOS = "compiled ÷ eager, block by block"  # a compiled step's blocks over the eager ones beside them
# (optimizer, case, largest ratio, compared with): the speed floors
FLOORS = {
    "cpu": [("snippets Yogi", 6, 0.6, BASELINE), ("snippets Yogi", 10_000_000, 1.5, BASELINE)]
    + [(f"snippets {name}{variant}", "2000x100", 0.8, BASELINE)
       for name in ("Yogi", "Adam") for variant in ("", FROM_CHECKPOINT)]
    + [(f"snippets {name}{variant}", "gpt2", 1.0, BASELINE)
       for name in ("Yogi", "Adam") for variant in ("", FROM_CHECKPOINT)]
    + [(f"snippets {name}{COMPILED}", case, 1.0, f"snippets {name}")
       for name in ("Yogi", "Adam") for case in (6, "2000x100", "gpt2")],
    "cuda": [("snippets Yogi", 100_000_000, 1.3, BASELINE)],
}
PEER = "pytorch_optimizer Yogi"
PEER_SPEEDUP = ("cpu", 10_000_000, 3.0)  # snippets Yogi at least 3× faster than the peer there
# GPT-2 small: embeddings, then per block ln_1, attention (qkv, out), ln_2, MLP; then ln_f


def _forced(cls, impl):
    def factory(params):
        optimizer = cls(params)
        optimizer._impl = impl
        return optimizer

    return factory


def _from_torch_checkpoint(cls):
    """Ours, after loading the state dict of a torch.optim.Adam(fused=True) that took one step."""

    def factory(params):
        donor = torch.optim.Adam(params, fused=True)
        donor.step()
        optimizer = cls(params)
        optimizer.load_state_dict(donor.state_dict())
        return optimizer

    return factory


def _compiled(cls):
    def factory(params):
        optimizer = cls(params)
        optimizer.eager_step = optimizer.step  # the same optimizer's step, called as is (timed beside)
        optimizer.step = torch.compile(optimizer.step)
        return optimizer

    return factory


def optimizers(device="cpu", paths=False, extras=False, case=None):
    """Name → factory(params) of every optimizer the benchmark times.

    ``extras=True`` adds ours from a torch checkpoint and as a compiled step; ``paths=True`` adds
    ``snippets Yogi [PATH]`` for each implementation path of Yogi that runs on ``device``, forced.
    For ``case="gpt2"`` the slow ones (for-loop, peer, reference path) are left out.
    """
    table = {
        "snippets Yogi": lambda ps: Yogi(ps),
        "snippets Adam": lambda ps: Adam(ps),
        "torch Adam (for-loop)": lambda ps: torch.optim.Adam(ps, foreach=False),
        "torch Adam (foreach)": lambda ps: torch.optim.Adam(ps, foreach=True),
        BASELINE: lambda ps: torch.optim.Adam(ps, fused=True),
    }
    try:
        import pytorch_optimizer
    except ImportError:  # a pinned dependency, but the benchmark still runs without it
        pytorch_optimizer = None
    if pytorch_optimizer is not None:
        table[PEER] = lambda ps: pytorch_optimizer.Yogi(ps)
    if extras:
        for cls in (Yogi, Adam):
            table[f"snippets {cls.__name__}{FROM_CHECKPOINT}"] = _from_torch_checkpoint(cls)
            table[f"snippets {cls.__name__}{COMPILED}"] = _compiled(cls)
    if paths:
        impls = ["reference", "foreach", "torch-fused"]
        if device == "cpu" and yogi_c.load() is not None:
            impls.append("c-kernel")
        for impl in impls:
            table[f"snippets Yogi [{impl}]"] = _forced(Yogi, impl)
    if case == "gpt2":
        for slow in ("torch Adam (for-loop)", PEER, "snippets Yogi [reference]"):
            table.pop(slow, None)
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
    """The path ``Yogi`` picks by itself for float32 tensors on ``device``."""
    if device == "cpu" and yogi_c.load() is not None:
        return "c-kernel"
    return "torch-fused"


def _threads_for(case, kind, available):
    """One thread for a small CPU case (waking another costs more than it saves), else all."""
    n = sum(math.prod(s) for s in shapes(case))
    return 1 if kind == "cpu" and n < ONE_THREAD_BELOW else available


class _Timer:
    """Times the implementations of one case in interleaved rounds."""

    def __init__(self, case, device, warmup, factories):
        generator = torch.Generator().manual_seed(zlib.crc32(str(case).encode()))
        self.params = []
        for shape in shapes(case):
            p = torch.nn.Parameter(torch.randn(shape, generator=generator).to(device))
            p.grad = torch.randn(shape, generator=generator).to(device)
            self.params.append(p)
        self.sync = torch.cuda.synchronize if torch.device(device).type == "cuda" else (lambda: None)
        self.factories, self.warmup = factories, warmup
        state_bytes = 2 * sum(p.numel() * p.element_size() for p in self.params)
        self.low_memory = state_bytes > LOW_MEMORY_BYTES
        self.live, self.inner = {}, {}
        for name in factories if not self.low_memory else [BASELINE]:  # optimizers() always has it
            self.live[name] = self._ready(name)

    def _ready(self, name):
        """A warmed-up optimizer; the first time, also how many steps a timed block holds."""
        if self.low_memory:
            # A new optimizer every round: without this, each compiled one would add a dynamo cache
            # entry (its guards name the object) until the recompile limit sends it back to eager.
            torch._dynamo.reset()
        opt = self.factories[name](self.params)
        for _ in range(self.warmup if name not in self.inner else min(self.warmup, 1)):
            opt.step()
        if name not in self.inner:
            self.sync()
            start = time.perf_counter()
            opt.step()
            self.sync()
            elapsed = max(time.perf_counter() - start, 1e-7)
            self.inner[name] = max(1, min(1000, math.ceil(2e-3 / elapsed)))
        return opt

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
        """{name: ms per step, and what was timed beside it}: each the fastest of a few blocks.

        Timed beside, block by block in turn, so that both see the same moments of the machine: in
        a large case the baseline (alive for the whole case), and for a compiled step the same
        optimizer's step called eagerly (``EAGER``), so that the ratio is torch.compile's alone; a
        compiled step also gets the ratio of each of its blocks to the eager block of the same turn
        (``BLOCK_RATIOS``): more pairs, each closer in time, than one per round."""
        opt = self.live[name] if name in self.live else self._ready(name)
        steps = {}
        if self.low_memory and name != BASELINE:
            steps[BASELINE] = self.live[BASELINE].step
        if name.endswith(COMPILED):
            steps[EAGER] = opt.eager_step
        steps[name] = opt.step
        best, labels = {label: math.inf for label in steps}, list(steps)
        block_ratios = []
        for b in range(BLOCKS_PER_ROUND):
            turn = {label: self._block(name if label == EAGER else label, steps[label])
                    for label in _rotated(labels, b)}  # each goes first in turn
            for label, ms in turn.items():
                best[label] = min(best[label], ms)
            if EAGER in turn:
                block_ratios.append(turn[name] / turn[EAGER])
        if block_ratios:
            best[BLOCK_RATIOS] = block_ratios
        if name not in self.live:  # free this one's state before the next is made
            del opt, steps
            gc.collect()
        return best


class Samples:
    """One case's times: ``ms[name]``, one per round; ``paired[name]``, the baseline's time in the
    same round or, for a large case, in the blocks alternated with ``name``'s; ``eager[name]``, for
    a compiled step, the same optimizer's eager step timed beside it, and ``block_ratios[name]``
    its blocks' ratios to the eager blocks beside them."""

    def __init__(self, names):
        self.ms = {name: [] for name in names}
        self.paired = {name: [] for name in names}
        self.eager = {name: [] for name in names if name.endswith(COMPILED)}
        self.block_ratios = {name: [] for name in self.eager}

    def add_round(self, times):
        """``times``: {name: what :meth:`_Timer.time` returned} for one round."""
        beside = [t[BASELINE] for name, t in times.items() if name != BASELINE and BASELINE in t]
        if beside:  # a large case: the baseline's time in the round is that of its pairs
            times[BASELINE] = {BASELINE: statistics.median(beside)}
        base = times[BASELINE][BASELINE]
        for name, t in times.items():
            self.ms[name].append(t[name])
            self.paired[name].append(t.get(BASELINE, base))
            if EAGER in t:
                self.eager[name].append(t[EAGER])
                self.block_ratios[name].extend(t[BLOCK_RATIOS])

    def ratios(self, name, against=BASELINE):
        """Per-round ratios of ``name`` to the baseline (paired); ``against=EAGER``: a compiled
        step's blocks to the same optimizer's eager blocks beside them."""
        if against == EAGER:
            return list(self.block_ratios[name])
        return [a / b for a, b in zip(self.ms[name], self.paired[name])]


def _rotated(items, k):
    """``items`` (a list) rotated left by ``k``: who goes first changes from one round or block to the next."""
    k %= len(items)
    return items[k:] + items[:k]


def _time_size(case, device, repeats, warmup, factories):
    """The case's :class:`Samples`, with rounds added (up to 2 × repeats) while noisy."""
    timer = _Timer(case, device, warmup, factories)
    samples = Samples(factories)
    names = list(factories)
    for r in range(2 * repeats):
        if r >= repeats and not _any_noisy(samples):
            break
        order = _rotated(names, r)
        if timer.low_memory and len(names) > 1:
            order.remove(BASELINE)  # timed beside each of the others
        samples.add_round({name: timer.time(name) for name in order})
    return samples


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


def _any_noisy(samples):
    return any(_is_noisy(samples.ratios(name)) for name in samples.ms if name != BASELINE) or any(
        _is_noisy(samples.ratios(name, EAGER)) for name in samples.eager)


def run_benchmark(device="cpu", sizes=None, repeats=7, warmup=3, paths=False, extras=False, threads=None):
    """Time every optimizer at every size; returns a JSON-ready dict (see :func:`format_table`).

    ``sizes`` defaults to 6, 1e5, 1e6 and 1e7 parameters, "2000x100" and "gpt2" (and 1e8 on CUDA).
    ``paths=True`` also times each implementation path of ``Yogi``, ``extras=True`` ours from a
    torch checkpoint and as a compiled step (see :func:`optimizers`). ``threads`` fixes the number
    of threads for every case (default: one below 2^20 parameters, all above).
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
    rows = []
    threads_before = torch.get_num_threads()
    try:
        for case in cases:
            factories = optimizers(kind, paths, extras, case)
            case_threads = threads or _threads_for(case, kind, threads_before)
            torch.set_num_threads(case_threads)
            samples = _time_size(case, device, repeats, warmup, factories)
            n = sum(math.prod(s) for s in shapes(case))
            for name, times in samples.ms.items():
                ratios = samples.ratios(name)
                low, high = _quartiles(ratios)
                rows.append({
                    "case": case, "label": _label(case), "params": n, "tensors": len(shapes(case)),
                    "optimizer": name, "threads": case_threads,
                    "ms": statistics.median(times), "ms_quartiles": list(_quartiles(times)),
                    "ratio": statistics.median(ratios), "ratio_quartiles": [low, high],
                    "noisy": name != BASELINE and _is_noisy(ratios), "rounds": len(times),
                    "gb_per_s": BYTES_PER_PARAM * n / (statistics.median(times) * 1e-3) / 1e9,
                    "samples_ms": times, "baseline_samples_ms": samples.paired[name], "ratios": ratios,
                    "compiled_vs_eager": samples.ratios(name, EAGER) if name.endswith(COMPILED) else None,
                    "eager_samples_ms": samples.eager.get(name),
                })
    finally:
        torch.set_num_threads(threads_before)
    result = {
        "device": kind,
        "device_name": _device_name(device),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "torch_threads": threads_before,
        "omp_wait_policy": _WAIT_POLICY,
        "yogi_path": _yogi_path(kind),
        "repeats": repeats,
        "warmup": warmup,
        "bytes_per_param": BYTES_PER_PARAM,
        "baseline": BASELINE,
        "sizes": cases,
        "rows": rows,
    }
    result["floors"] = check_floors(result)
    return result


def _row(result, optimizer, case):
    return next((r for r in result["rows"] if r["optimizer"] == optimizer and r.get("case", r["params"]) == case),
                None)


def _median_error(values):
    """The standard error of the median of ``values``, from their quartiles: 1.2533·σ/√n, with
    σ = (q3 − q1)/1.349 (both exact for a normal distribution)."""
    low, high = _quartiles(values)
    return 1.2533 * (high - low) / 1.349 / math.sqrt(len(values))


def check_floors(result):
    """The issue's speed floors that this result can check, each with its measured value; a floor
    judged on a noisy row is ``"noisy"`` rather than met or missed, and a compiled step whose
    rounds straddle its eager step, with a median within two standard errors of it, is at
    ``"parity"``."""
    checks = []
    for name, case, limit, against in FLOORS.get(result["device"], []):
        row, other = _row(result, name, case), _row(result, against, case)
        if row is None or other is None:
            continue
        if against == BASELINE:
            ratios, noisy = row.get("ratios", [row["ratio"]]), row.get("noisy", False)
        else:
            ratios = row.get("compiled_vs_eager") or [row["ms"] / other["ms"]]
            noisy = len(ratios) > 1 and _is_noisy(ratios)
        value = statistics.median(ratios)
        low, high = _quartiles(ratios)
        # met: the middle half of the rounds is at or below the limit; missed: above it; else noisy
        met = True if high <= limit else False if low > limit else ("noisy" if noisy or high > NOISY * low
                                                                      else value <= limit)
        resolved = abs(value - limit) > 2 * _median_error(ratios)  # the median is clearly off the limit
        if against != BASELINE and low <= limit < high and met != "noisy" and not resolved:
            met = "parity"  # against its eager step: the same kernels ran, and what torch.compile
            # adds or saves is below what the rounds can resolve — no slower, not shown to be faster
        checks.append({"check": f"{name} ≤ {limit}× {against} at {_label(case)}", "value": value,
                       "quartiles": [low, high], "limit": limit, "met": met})
    device, n, speedup = PEER_SPEEDUP
    ours, peer = _row(result, "snippets Yogi", n), _row(result, PEER, n)
    if result["device"] == device and ours and peer:
        value = peer["ms"] / ours["ms"]
        checks.append({"check": f"snippets Yogi ≥ {speedup}× faster than {PEER} at {n:,}", "value": value,
                       "quartiles": [value, value], "limit": speedup, "met": value >= speedup})
    return checks


def format_ratio(row):
    """The ratio cell: ``0.52 (0.49–0.55)``, or ``noisy (0.4–3.9)`` where the rounds disagree."""
    low, high = row.get("ratio_quartiles", (row["ratio"], row["ratio"]))
    if row.get("noisy"):
        return f"noisy ({low:.2g}–{high:.2g})"
    if row["optimizer"] == BASELINE:
        return "1"
    return f"{row['ratio']:.2f} ({low:.2f}–{high:.2f})"


def format_table(result):
    """A markdown table: one row per case and optimizer; ratios with their quartiles over rounds."""
    lines = [
        f"| parameters | optimizer | ms/step | × {BASELINE} | GB/s | threads |",
        "|---:|:---|---:|---:|---:|---:|",
    ]
    for r in result["rows"]:
        label = r.get("label", f"{r['params']:,}")
        if r.get("case") == "gpt2":
            label = f"{label} ({r['params']:,})"
        lines.append(f"| {label} | {r['optimizer']} | {r['ms']:.4g} | {format_ratio(r)} | {r['gb_per_s']:.3g} "
                     f"| {r.get('threads', '')} |")
    return "\n".join(lines)


def format_summary(result):
    """One line on the machine, then one line per speed floor."""
    lines = [f"{result['device']} ({result['device_name']}), torch {result['torch']}, "
             f"{result['torch_threads']} threads, {result['cpu_count']} CPUs, OMP_WAIT_POLICY "
             f"{result.get('omp_wait_policy', '?')}; Yogi path: {result['yogi_path']}; "
             f"median of ≥ {result['repeats']} interleaved rounds after {result['warmup']} warm-up steps"]
    for c in result["floors"]:
        verdict = {True: "met ", False: "MISSED", "noisy": "NOISY", "parity": "parity"}[c["met"]]
        low, high = c.get("quartiles", (c["value"], c["value"]))
        lines.append(f"{verdict} {c['check']}: {c['value']:.2f} ({low:.2f}–{high:.2f})")
    return "\n".join(lines)


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


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m snippets.tools.benchmark", description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--json", metavar="PATH", help="also write the numbers to PATH as JSON")
    parser.add_argument("--sizes", nargs="+", type=_size, metavar="N",
                        help="numbers of parameters, 'gpt2' or 'NxM' (default: 6 1e5 1e6 1e7 2000x100 gpt2, "
                             "and 1e8 on CUDA)")
    parser.add_argument("--repeats", type=_count(MIN_REPEATS), default=7, metavar="N",
                        help=f"timed rounds, at least {MIN_REPEATS} (default 7; up to twice that while noisy)")
    parser.add_argument("--warmup", type=_count(0), default=3, metavar="N", help="warm-up steps (default 3)")
    parser.add_argument("--paths", action="store_true", help="also time each implementation path of Yogi")
    parser.add_argument("--threads", type=_count(1), metavar="N",
                        help="threads for every case (default: 1 below 2^20 parameters, else all)")
    parser.add_argument("--no-extras", dest="extras", action="store_false",
                        help="leave out ours from a torch checkpoint and as a compiled step")
    args = parser.parse_args(argv)
    out, tmp = None, None
    if args.json:
        try:
            out, tmp = _open_beside(args.json)  # before the run: an unwritable path fails now, not after it
        except OSError as exc:
            parser.error(f"argument --json: cannot write {args.json}: {exc.strerror or exc}")
    try:
        try:
            result = run_benchmark(args.device, args.sizes, args.repeats, args.warmup, args.paths, args.extras,
                                   args.threads)
        except ValueError as exc:
            parser.error(f"--device {args.device}: {exc}" if "device" in str(exc) else str(exc))
        print(format_table(result))
        print()
        print(format_summary(result))
        if out is not None:
            with out:
                json.dump(result, out, indent=2)
                out.write("\n")
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, args.json)  # atomic: a reader sees the old file or the whole new one
    finally:
        if out is not None:
            out.close()
            if os.path.exists(tmp):  # the run failed or was interrupted: leave nothing behind
                os.remove(tmp)
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
