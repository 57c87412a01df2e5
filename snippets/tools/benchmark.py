"""Time one optimizer step: ``python -m snippets.tools.benchmark [--device cpu|cuda] [--json PATH]``.

Optimizers: ``snippets.optim.Yogi`` and ``Adam``, ``torch.optim.Adam`` in its three
implementations (for-loop, foreach, fused) and pytorch-optimizer's ``Yogi``, a peer. Sizes: 6
parameters (the linear-regression shapes (5, 1) and (1,)) and 1e5, 1e6, 1e7 parameters as 100
float32 tensors (on CUDA also 1e8, the size of its speed floor). All optimizers of one size are timed in interleaved rounds in one process (the
order rotates each round), after warm-up steps; each reported time is the median over the
rounds. Ratios are to ``torch.optim.Adam(fused=True)``; GB/s counts the 28 bytes per parameter a
fused Adam step must move (read p, g, v, s; write p, v, s).

Other options: ``--sizes 6 1e5`` (any numbers of parameters ≥ 100, or 6), ``--repeats N`` rounds
(N ≥ 5, default 7), ``--warmup N`` steps (default 3), ``--paths`` (also time each implementation
path of ``Yogi``, forced). ``--json PATH`` is opened before the run, so a path that can't be
written fails at once, and written atomically at the end (a temporary file beside it, then
``os.replace``). Docs pages call :func:`run_benchmark` and :func:`format_table` directly.
"""
import argparse
import errno
import json
import math
import numbers
import os
import platform
import statistics
import sys
import time

import torch

from . import yogi_c
from snippets.optim import Adam, Yogi

BASELINE = "torch Adam (fused)"
BYTES_PER_PARAM = 28
DEFAULT_SIZES = (6, 100_000, 1_000_000, 10_000_000)
CUDA_EXTRA_SIZE = 100_000_000  # the CUDA floor's size, timed by default on CUDA
N_TENSORS = 100
MIN_REPEATS = 5  # each reported time is the median of at least this many rounds
# (optimizer name, number of parameters, largest allowed ratio to the baseline)
FLOORS = {
    "cpu": [("snippets Yogi", 10_000_000, 1.5), ("snippets Yogi", 6, 1.0)],
    "cuda": [("snippets Yogi", 100_000_000, 1.3)],
}
PEER = "pytorch_optimizer Yogi"
PEER_SPEEDUP = ("cpu", 10_000_000, 3.0)  # snippets Yogi at least 3× faster than the peer there


def _forced(cls, impl):
    def factory(params):
        optimizer = cls(params)
        optimizer._impl = impl
        return optimizer

    return factory


def optimizers(device="cpu", paths=False):
    """Name → factory(params) of every optimizer the benchmark times.

    ``paths=True`` adds ``snippets Yogi [PATH]`` for each implementation path of Yogi that runs
    on ``device``, forced through ``_impl``.
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
    if paths:
        impls = ["reference", "torch-fused"]
        if device == "cpu" and yogi_c.load() is not None:
            impls.append("c-kernel")
        for impl in impls:
            table[f"snippets Yogi [{impl}]"] = _forced(Yogi, impl)
    return table


def shapes(n_params):
    """Parameter shapes for a size: the regression's (5, 1) and (1,) for 6, else 100 tensors."""
    if n_params == 6:
        return [(5, 1), (1,)]
    if n_params < N_TENSORS:
        raise ValueError(f"Invalid size: {n_params} (use 6, or at least {N_TENSORS} parameters)")
    base, extra = divmod(n_params, N_TENSORS)
    return [(base + (k < extra),) for k in range(N_TENSORS)]


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


def _time_size(n_params, device, repeats, warmup, factories):
    generator = torch.Generator().manual_seed(n_params)
    init = [torch.randn(shape, generator=generator) for shape in shapes(n_params)]
    grads = [torch.randn(shape, generator=generator) for shape in shapes(n_params)]
    sync = torch.cuda.synchronize if torch.device(device).type == "cuda" else (lambda: None)
    runs = {}
    for name, factory in factories.items():
        params = [torch.nn.Parameter(x.to(device)) for x in init]
        for p, g in zip(params, grads):
            p.grad = g.to(device)
        runs[name] = factory(params)
    # Warm up, and pick how many steps one timed block holds (≥ ~2 ms, so tiny steps are timed).
    inner = {}
    for name, opt in runs.items():
        for _ in range(warmup):
            opt.step()
        sync()
        start = time.perf_counter()
        opt.step()
        sync()
        inner[name] = max(1, min(1000, math.ceil(2e-3 / max(time.perf_counter() - start, 1e-7))))
    samples = {name: [] for name in runs}
    names = list(runs)
    for r in range(repeats):
        for name in names[r % len(names):] + names[: r % len(names)]:
            opt, k = runs[name], inner[name]
            sync()
            start = time.perf_counter()
            for _ in range(k):
                opt.step()
            sync()
            samples[name].append((time.perf_counter() - start) / k * 1e3)
    return samples


def run_benchmark(device="cpu", sizes=None, repeats=7, warmup=3, paths=False):
    """Time every optimizer at every size; returns a JSON-ready dict (see :func:`format_table`).

    ``sizes`` defaults to 6, 1e5, 1e6 and 1e7 parameters (and 1e8 on CUDA). ``paths=True`` also
    times each implementation path of ``Yogi`` (see :func:`optimizers`).
    """
    kind, device = _check_device(device)
    if sizes is None:
        sizes = DEFAULT_SIZES + ((CUDA_EXTRA_SIZE,) if kind == "cuda" else ())
    if isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < MIN_REPEATS:
        raise ValueError(f"Invalid repeats: {repeats!r} (an integer ≥ {MIN_REPEATS}: each time is a median of the rounds)")
    if isinstance(warmup, bool) or not isinstance(warmup, int) or warmup < 0:
        raise ValueError(f"Invalid warmup: {warmup!r} (an integer ≥ 0)")
    for n in sizes:  # validate every size before timing any
        if isinstance(n, bool) or not isinstance(n, numbers.Real) or not math.isfinite(n) or n != int(n):
            raise ValueError(f"Invalid size: {n!r} (a whole number of parameters)")
    sizes = [int(n) for n in sizes]
    for n in sizes:
        shapes(n)
    factories = optimizers(kind, paths)
    rows = []
    for n in sizes:
        samples = _time_size(n, device, repeats, warmup, factories)
        base = statistics.median(samples[BASELINE])
        for name, times in samples.items():
            ms = statistics.median(times)
            rows.append({
                "params": n,
                "tensors": len(shapes(n)),
                "optimizer": name,
                "ms": ms,
                "ratio": ms / base,
                "gb_per_s": BYTES_PER_PARAM * n / (ms * 1e-3) / 1e9,
                "samples_ms": times,
            })
    result = {
        "device": kind,
        "device_name": _device_name(device),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "yogi_path": _yogi_path(kind),
        "repeats": repeats,
        "warmup": warmup,
        "bytes_per_param": BYTES_PER_PARAM,
        "baseline": BASELINE,
        "sizes": sizes,
        "rows": rows,
    }
    result["floors"] = check_floors(result)
    return result


def _row(result, optimizer, n_params):
    return next((r for r in result["rows"] if r["optimizer"] == optimizer and r["params"] == n_params), None)


def check_floors(result):
    """The issue's speed floors that this result can check, each with its measured value."""
    checks = []
    for name, n, limit in FLOORS.get(result["device"], []):
        row = _row(result, name, n)
        if row is not None:
            checks.append({"check": f"{name} ≤ {limit}× {BASELINE} at {n:g} params",
                           "value": row["ratio"], "limit": limit, "met": row["ratio"] <= limit})
    device, n, speedup = PEER_SPEEDUP
    ours, peer = _row(result, "snippets Yogi", n), _row(result, PEER, n)
    if result["device"] == device and ours and peer:
        value = peer["ms"] / ours["ms"]
        checks.append({"check": f"snippets Yogi ≥ {speedup}× faster than {PEER} at {n:g} params",
                       "value": value, "limit": speedup, "met": value >= speedup})
    return checks


def format_table(result):
    """A markdown table: one row per size and optimizer."""
    lines = [
        f"| parameters | optimizer | ms/step | × {BASELINE} | GB/s |",
        "|---:|:---|---:|---:|---:|",
    ]
    for r in result["rows"]:
        lines.append(f"| {r['params']:,} | {r['optimizer']} | {r['ms']:.4g} | {r['ratio']:.2f} | {r['gb_per_s']:.3g} |")
    return "\n".join(lines)


def format_summary(result):
    """One line on the machine, then one line per speed floor."""
    lines = [f"{result['device']} ({result['device_name']}), torch {result['torch']}, "
             f"{result['torch_threads']} threads, {result['cpu_count']} CPUs; Yogi path: {result['yogi_path']}; "
             f"median of {result['repeats']} interleaved rounds after {result['warmup']} warm-up steps"]
    for c in result["floors"]:
        lines.append(f"{'met ' if c['met'] else 'MISSED'} {c['check']}: {c['value']:.2f}")
    return "\n".join(lines)


def _size(text):
    """``--sizes``: a whole number of parameters ≥ 1, written as an integer or as ``1e5``."""
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
                        help="numbers of parameters (default: 6 1e5 1e6 1e7, and 1e8 on CUDA)")
    parser.add_argument("--repeats", type=_count(MIN_REPEATS), default=7, metavar="N",
                        help=f"timed rounds, at least {MIN_REPEATS} (default 7)")
    parser.add_argument("--warmup", type=_count(0), default=3, metavar="N", help="warm-up steps (default 3)")
    parser.add_argument("--paths", action="store_true", help="also time each implementation path of Yogi")
    args = parser.parse_args(argv)
    out, tmp = None, None
    if args.json:
        try:
            out, tmp = _open_beside(args.json)  # before the run: an unwritable path fails now, not after it
        except OSError as exc:
            parser.error(f"argument --json: cannot write {args.json}: {exc.strerror or exc}")
    try:
        try:
            result = run_benchmark(args.device, args.sizes, args.repeats, args.warmup, args.paths)
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
