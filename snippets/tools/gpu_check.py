"""The Triton Yogi step on a GPU, in one run: ``python3 -m snippets.tools.gpu_check --out DIR``.

Written for a session lent an H100/H200 for a few minutes (one call, well under 10 minutes):

1. ``tests/test_yogi_triton.py`` in a subprocess (the CUDA variants run there; the interpreter
   ones too), its summary line kept;
2. one float32 optimizer step timed at 1e6, 1e7 and 1e8 parameters (100 tensors each) and on
   the GPT-2 small list (``shapes.gpt2_small()``: 148 tensors, 124.4 M parameters): the Triton
   Yogi step (host step count; step tensors, ``capturable``; and, on the GPT-2 list, that step
   replayed from a CUDA graph), ``snippets.optim.Yogi`` as it runs today, ``torch.optim.Adam``
   fused and foreach, and a device-to-device copy moving the same 28 bytes per parameter;
   interleaved rounds, CUDA events, median and spread (min–max) of the rounds;
3. kernel launches per step on the GPT-2 list (torch.profiler: kernels and copies the GPU ran);
4. the first step's latency (Triton compiles the kernel) in a fresh process with an empty
   Triton cache, then in a second process with that cache warm;
5. a block-size sweep of the Triton step at 1e8, and the issue's floors: Yogi ≤ 1.1× fused
   Adam at 1e8 and ≤ 1.2× on the GPT-2 list, ≥ 85% of the copy's bandwidth at 1e8.

It prints a markdown table and, with ``--out DIR``, writes ``gpu_check.json`` and
``gpu_check.md`` there. ``--device cpu`` runs the same code on CPU tensors (the Triton step
under the interpreter: use tiny ``--sizes``), which is how the tests check it without a GPU.
"""
import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import torch

from . import shapes as model_shapes
from . import yogi_triton
from .benchmark import _count

ROOT = Path(__file__).resolve().parents[2]
BYTES_PER_PARAM = 28  # read p, g, v, s; write p, v, s (float32)
SIZES = (1_000_000, 10_000_000, 100_000_000)
N_TENSORS = 100
GPT2 = "GPT-2 small"
BASELINE = "torch Adam (fused)"
TRITON = "Triton Yogi"
COPY = "copy, same bytes"
FLOORS = [  # (contender, workload, limit of its time / the baseline's)
    (TRITON, 100_000_000, 1.1),
    (TRITON, GPT2, 1.2),
]
COPY_FLOOR = (TRITON, 100_000_000, 0.85)  # ≥ this share of the copy's bandwidth
SWEEP = [(1024, 4), (2048, 4), (4096, 4), (4096, 8), (8192, 8)]
HYPER = dict(lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-3, weight_decay=0.0)


def workload_shapes(workload):
    """The shapes of a workload: GPT2, or a number of parameters split into N_TENSORS tensors."""
    if workload == GPT2:
        return model_shapes.gpt2_small()
    if workload < N_TENSORS:
        return [(workload,)]
    base, extra = divmod(workload, N_TENSORS)
    return [(base + (k < extra),) for k in range(N_TENSORS)]


def workload_params(workload):
    return sum(math.prod(shape) for shape in workload_shapes(workload))


# --- contenders: each a callable that runs one step on its own tensors ------------------------


def _tensors(shapes, device, seed=0):
    gen = torch.Generator(device="cpu").manual_seed(seed)
    return [torch.randn(shape, generator=gen).to(device) for shape in shapes]


class TritonStep:
    """``yogi_triton.yogi_step`` on its own p, g, v, s; ``steps="int"`` or ``"tensor"`` (capturable)."""

    def __init__(self, shapes, device, steps="int", block_size=None, num_warps=None):
        self.p = _tensors(shapes, device)
        self.g = _tensors(shapes, device, seed=1)
        self.v = [torch.zeros_like(x) for x in self.p]
        self.s = [torch.full_like(x, 1e-6) for x in self.p]
        self.t = 0
        self.steps = [torch.zeros((), device=device) for _ in self.p] if steps == "tensor" else None
        self.options = dict(HYPER, block_size=block_size, num_warps=num_warps, capturable=steps == "tensor")

    def __call__(self):
        self.t += 1
        yogi_triton.yogi_step(self.p, self.g, self.v, self.s, [], self.steps or self.t, **self.options)


class GraphStep:
    """A capturable Triton step captured once in a CUDA graph; each call replays it."""

    def __init__(self, shapes, device):
        self.inner = TritonStep(shapes, device, steps="tensor")
        self.inner()  # builds the table and compiles outside the capture
        torch.cuda.synchronize()
        self.graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(self.graph):
            self.inner()

    def __call__(self):
        self.graph.replay()


class OptimizerStep:
    def __init__(self, shapes, device, factory):
        self.params = [torch.nn.Parameter(x) for x in _tensors(shapes, device)]
        for p, g in zip(self.params, _tensors(shapes, device, seed=1)):
            p.grad = g
        self.optimizer = factory(self.params)

    def __call__(self):
        self.optimizer.step()


class CopyStep:
    """A device-to-device copy moving BYTES_PER_PARAM bytes per parameter (half read, half written)."""

    def __init__(self, n_params, device):
        self.src = torch.ones(n_params * BYTES_PER_PARAM // 2, dtype=torch.uint8, device=device)
        self.dst = torch.empty_like(self.src)

    def __call__(self):
        self.dst.copy_(self.src)


def contenders(workload, device):
    """Name → factory() of a callable step, for one workload."""
    from snippets.optim import Yogi

    shapes = workload_shapes(workload)
    table = {
        TRITON: lambda: TritonStep(shapes, device),
        f"{TRITON} (step tensors, capturable)": lambda: TritonStep(shapes, device, steps="tensor"),
        "snippets Yogi (today's path)": lambda: OptimizerStep(shapes, device, lambda ps: Yogi(ps, lr=HYPER["lr"])),
        BASELINE: lambda: OptimizerStep(shapes, device, lambda ps: torch.optim.Adam(ps, lr=HYPER["lr"], fused=True)),
        "torch Adam (foreach)": lambda: OptimizerStep(
            shapes, device, lambda ps: torch.optim.Adam(ps, lr=HYPER["lr"], foreach=True)),
        COPY: lambda: CopyStep(workload_params(workload), device),
    }
    if workload == GPT2 and torch.device(device).type == "cuda":
        table[f"{TRITON} (CUDA graph replay)"] = lambda: GraphStep(shapes, device)
    return table


# --- timing -----------------------------------------------------------------------------------


class Timer:
    """Wall time of a block of GPU work (CUDA events), or of CPU work (perf_counter)."""

    def __init__(self, device):
        self.cuda = torch.device(device).type == "cuda"

    def __call__(self, fn, k):
        if self.cuda:
            torch.cuda.synchronize()
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            for _ in range(k):
                fn()
            end.record()
            end.synchronize()
            return start.elapsed_time(end) / 1e3 / k
        start = time.perf_counter()
        for _ in range(k):
            fn()
        return (time.perf_counter() - start) / k


def time_workload(workload, device, repeats, warmup, factories=None, min_block_s=5e-3):
    """Seconds per step of every contender: {name: [one sample per round]}, rounds interleaved."""
    timer = Timer(device)
    factories = factories or contenders(workload, device)
    steps, inner = {}, {}
    for name, factory in factories.items():
        step = steps[name] = factory()
        for _ in range(warmup):
            step()
        once = timer(step, 1)
        inner[name] = max(1, min(200, math.ceil(min_block_s / max(once, 1e-7))))
    samples = {name: [] for name in steps}
    names = list(steps)
    for r in range(repeats):
        for name in names[r % len(names):] + names[: r % len(names)]:
            samples[name].append(timer(steps[name], inner[name]))
    del steps
    if torch.device(device).type == "cuda":
        torch.cuda.empty_cache()
    return samples


def summarize(workload, samples):
    n = workload_params(workload)
    base = statistics.median(samples[BASELINE]) if BASELINE in samples else None
    copy = statistics.median(samples[COPY]) if COPY in samples else None
    rows = []
    for name, times in samples.items():
        median = statistics.median(times)
        rows.append({
            "workload": workload if workload == GPT2 else int(workload),
            "params": n,
            "tensors": len(workload_shapes(workload)),
            "contender": name,
            "ms": median * 1e3,
            "ms_min": min(times) * 1e3,
            "ms_max": max(times) * 1e3,
            "ratio": median / base if base else None,
            "gb_per_s": BYTES_PER_PARAM * n / median / 1e9,
            "copy_share": copy / median if copy else None,
        })
    return rows


def count_launches(workload, device):
    """GPU activities (kernels, memory copies) of one step of a few contenders, by torch.profiler."""
    from torch.profiler import ProfilerActivity, profile

    wanted = [TRITON, f"{TRITON} (step tensors, capturable)", BASELINE, "snippets Yogi (today's path)"]
    factories = contenders(workload, device)
    counts = {}
    for name in wanted:
        step = factories[name]()
        step()
        step()  # table built, kernel compiled
        torch.cuda.synchronize()
        with profile(activities=[ProfilerActivity.CUDA]) as prof:
            step()
            torch.cuda.synchronize()
        gpu = [e for e in prof.events() if e.device_type == torch.autograd.DeviceType.CUDA]
        copies = sum(1 for e in gpu if e.name.lower().startswith("memcpy") or e.name.lower().startswith("memset"))
        counts[name] = {"kernels": len(gpu) - copies, "copies": copies}
        del step
    return counts


# --- first-step latency (Triton compile), in fresh processes ---------------------------------


def first_step_child():
    """Run in a fresh process: time importing, the first step (compile or cache load), the second."""
    start = time.perf_counter()
    step = TritonStep(workload_shapes(GPT2)[:3], "cuda")
    torch.cuda.synchronize()
    ready = time.perf_counter()
    step()
    torch.cuda.synchronize()
    first = time.perf_counter()
    step()
    torch.cuda.synchronize()
    second = time.perf_counter()
    print(json.dumps({"setup_s": ready - start, "first_step_s": first - ready, "second_step_s": second - first}))


def first_step_latency():
    """{"cold": …, "warm": …}: one fresh process with an empty TRITON_CACHE_DIR, then one more with it."""
    out = {}
    with tempfile.TemporaryDirectory(prefix="triton-cache-") as cache:
        env = {**os.environ, "TRITON_CACHE_DIR": cache}
        for label in ("cold", "warm"):
            proc = subprocess.run([sys.executable, "-m", "snippets.tools.gpu_check", "--first-step-child"], cwd=ROOT,
                                  env=env, capture_output=True, text=True, timeout=300)
            if proc.returncode != 0:
                out[label] = {"error": proc.stderr.strip()[-800:]}
            else:
                out[label] = json.loads(proc.stdout.strip().splitlines()[-1])
    return out


# --- the tests ------------------------------------------------------------------------------


def run_tests(timeout=360):
    """tests/test_yogi_triton.py in a subprocess; returns (return code, summary line, seconds)."""
    start = time.perf_counter()
    cmd = [sys.executable, "-m", "pytest", "tests/test_yogi_triton.py", "-q", "-rs", "-p", "no:cacheprovider"]
    try:
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, f"timed out after {timeout} s", time.perf_counter() - start
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    failures = [line for line in lines if line.startswith(("FAILED", "ERROR"))]
    summary = "\n".join(failures + lines[-1:])
    return proc.returncode, summary, time.perf_counter() - start


# --- report -----------------------------------------------------------------------------------


def check_floors(rows):
    """The issue's floors that these rows can check, each with its measured value."""
    def find(contender, workload):
        return next((r for r in rows if r["contender"] == contender and r["workload"] == workload), None)

    checks = []
    for contender, workload, limit in FLOORS:
        row = find(contender, workload)
        if row is not None and row["ratio"] is not None:
            checks.append({"check": f"{contender} ≤ {limit}× {BASELINE} at {_label(workload)}",
                           "value": row["ratio"], "met": row["ratio"] <= limit})
    contender, workload, share = COPY_FLOOR
    row = find(contender, workload)
    if row is not None and row["copy_share"] is not None:
        checks.append({"check": f"{contender} ≥ {share:.0%} of the copy's bandwidth at {_label(workload)}",
                       "value": row["copy_share"], "met": row["copy_share"] >= share})
    return checks


def _label(workload):
    return workload if workload == GPT2 else f"{workload:.0e} params".replace("e+0", "e")


def format_table(rows):
    lines = [f"| workload | tensors | contender | ms/step (min–max) | × {BASELINE} | GB/s | × copy bandwidth |",
             "|:---|---:|:---|---:|---:|---:|---:|"]
    for r in rows:
        ratio = "" if r["ratio"] is None else f"{r['ratio']:.2f}"
        share = "" if r["copy_share"] is None else f"{r['copy_share']:.2f}"
        lines.append(f"| {_label(r['workload'])} | {r['tensors']} | {r['contender']} | {r['ms']:.4g} "
                     f"({r['ms_min']:.4g}–{r['ms_max']:.4g}) | {ratio} | {r['gb_per_s']:.4g} | {share} |")
    return "\n".join(lines)


def format_report(result):
    env = result["environment"]
    lines = [f"# Triton Yogi step on {env['device_name']} ({result['date']})", "",
             f"torch {env['torch']}, triton {env['triton']}, Python {env['python']}; float32; median of "
             f"{result['repeats']} interleaved rounds after {result['warmup']} warm-up steps.", ""]
    if "tests" in result:
        t = result["tests"]
        lines += [f"Tests (tests/test_yogi_triton.py, {t['seconds']:.0f} s, exit {t['returncode']}): "
                  f"{t['summary']}", ""]
    lines += [format_table(result["rows"]), ""]
    for check in result["floors"]:
        lines.append(f"- {'met' if check['met'] else 'MISSED'}: {check['check']}: {check['value']:.3f}")
    if result.get("sweep"):
        lines += ["", "Block-size sweep at 1e8 (BLOCK, warps → ms/step): " + ", ".join(
            f"({s['block_size']}, {s['num_warps']}) → {s['ms']:.4g}" for s in result["sweep"])]
    if result.get("launches"):
        lines += ["", "GPU activities per step on the GPT-2 list: " + "; ".join(
            f"{name}: {c['kernels']} kernel(s), {c['copies']} copy/set" for name, c in result["launches"].items())]
    if result.get("first_step"):
        parts = []
        for label, r in result["first_step"].items():
            parts.append(f"{label}: {r['error']}" if "error" in r else
                         f"{label}: first step {r['first_step_s']:.2f} s, second {r['second_step_s'] * 1e3:.2f} ms")
        lines += ["", "First-step latency (Triton compile), fresh processes: " + "; ".join(parts)]
    return "\n".join(lines)


def _parse_workload(text):
    if text.lower() in ("gpt2", GPT2.lower()):
        return GPT2
    try:
        number = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of parameters or 'gpt2': {text!r}") from None
    if not (math.isfinite(number) and number == int(number) and number >= 1):
        raise argparse.ArgumentTypeError(f"not a whole number of parameters ≥ 1: {text!r}")
    return int(number)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python3 -m snippets.tools.gpu_check", description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    parser.add_argument("--sizes", nargs="+", type=_parse_workload, metavar="N",
                        help="workloads: numbers of parameters and/or 'gpt2' (default: 1e6 1e7 1e8 gpt2)")
    parser.add_argument("--repeats", type=_count(3), default=7, help="interleaved rounds (default 7)")
    parser.add_argument("--warmup", type=_count(1), default=3, help="warm-up steps (default 3)")
    parser.add_argument("--no-tests", action="store_true", help="skip the test file")
    parser.add_argument("--no-first-step", action="store_true", help="skip the first-step latency")
    parser.add_argument("--no-sweep", action="store_true", help="skip the block-size sweep")
    parser.add_argument("--out", metavar="DIR", help="write gpu_check.json and gpu_check.md there")
    parser.add_argument("--first-step-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.sizes is None:
        args.sizes = [*SIZES, GPT2]
    if args.out is not None and not os.path.isdir(args.out):
        parser.error(f"argument --out: not a folder: {args.out}")
    if args.device == "cuda" and not torch.cuda.is_available():
        parser.error("--device cuda: CUDA is not available (torch.cuda.is_available() is False)")
    reason = yogi_triton.unavailable_reason(args.device)
    if reason is not None and not args.first_step_child:
        parser.error(f"--device {args.device}: the Triton Yogi step cannot run: {reason}")
    return args


def _write(path, text):
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def main(argv=None):
    args = parse_args(argv)
    if args.first_step_child:
        return first_step_child()
    cuda = args.device == "cuda"
    triton = yogi_triton._triton()
    result = {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "environment": {
            "device_name": torch.cuda.get_device_name() if cuda else platform.processor() or platform.machine(),
            "torch": torch.__version__, "triton": getattr(triton, "__version__", "?"),
            "python": platform.python_version(),
        },
        "repeats": args.repeats, "warmup": args.warmup, "rows": [],
    }

    def progress(message):
        print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)

    if not args.no_tests:
        progress("tests/test_yogi_triton.py …")
        code, summary, seconds = run_tests()
        result["tests"] = {"returncode": code, "summary": summary, "seconds": seconds}
        progress(summary)
    for workload in args.sizes:
        progress(f"timing {_label(workload)} …")
        result["rows"] += summarize(workload, time_workload(workload, args.device, args.repeats, args.warmup))
    result["floors"] = check_floors(result["rows"])
    if not args.no_sweep and 100_000_000 in args.sizes:
        progress("block-size sweep at 1e8 …")
        shapes = workload_shapes(100_000_000)
        factories = {f"{b}/{w}": (lambda b=b, w=w: TritonStep(shapes, args.device, block_size=b, num_warps=w))
                     for b, w in SWEEP}
        samples = time_workload(100_000_000, args.device, args.repeats, args.warmup, factories)
        result["sweep"] = [{"block_size": b, "num_warps": w, "ms": statistics.median(samples[f"{b}/{w}"]) * 1e3}
                           for b, w in SWEEP]
    if cuda and GPT2 in args.sizes:
        progress("launches per step …")
        result["launches"] = count_launches(GPT2, args.device)
    if cuda and not args.no_first_step:
        progress("first-step latency (two fresh processes) …")
        result["first_step"] = first_step_latency()
    report = format_report(result)
    print(report, flush=True)
    if args.out:
        _write(os.path.join(args.out, "gpu_check.json"), json.dumps(result, indent=2) + "\n")
        _write(os.path.join(args.out, "gpu_check.md"), report + "\n")
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
