"""torch_yogi on a GPU, in one run: ``python -m tools.gpu_check [--out DIR]``.

What a session lent an H100 or H200 for a few minutes runs (one call, well under 8 minutes):

1. ``pytest torch-yogi/tests -k cuda`` in a subprocess, its summary line kept (and any
   ``FAILED`` lines);
2. one float32 optimizer step at 1e6, 1e7 and 1e8 parameters (100 tensors each) and on GPT-2
   small's list (``tools/shapes.py``): ``Yogi(fused=True)`` (the Triton kernel), ``Yogi`` as it
   comes (torch's foreach ops on CUDA), the Triton operator alone on the same state (what the
   fused step costs without the optimizer around it), ``torch.optim.Adam`` fused (the baseline)
   and foreach — timed by ``tools.benchmark``'s interleaved rounds;
3. the compiled training step of ``tools.benchmark`` (Yogi's in one graph against fused Adam's);
4. the first fused step's latency (Triton compiles the kernel) in a fresh process with an empty
   ``TRITON_CACHE_DIR``, then in a second one with that cache.

Floors: ``Yogi(fused=True)`` at most 1.1× fused Adam at 1e8 and 1.2× on the GPT-2 list; the
compiled training step at most 1.05× fused Adam's. It prints a markdown report and, with
``--out DIR``, writes ``gpu_check.json`` and ``gpu_check.md`` there. A stage that fails is
written into the report and the next ones still run; the exit status is then 1.

``--device cpu`` runs the same code on CPU tensors, the Triton kernel under Triton's interpreter
(``TRITON_INTERPRET=1``, which the script sets unless triton was imported before): use tiny
``--sizes``. That is how the tests check the script without a GPU.
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import torch
import torch_yogi

from . import benchmark
from .benchmark import BASELINE, YOGI

ROOT = Path(__file__).resolve().parents[1]
SIZES = (1_000_000, 10_000_000, 100_000_000, "gpt2")
YOGI_FUSED = f"{YOGI} (fused)"
TRITON_OP = "Triton op alone"
FLOORS = [(YOGI_FUSED, 100_000_000, 1.1), (YOGI_FUSED, "gpt2", 1.2)]  # (contender, case, limit × BASELINE)
TEST_TIMEOUT_S = 240
HYPER = dict(lr=1e-2, beta1=0.9, beta2=0.999, weight_decay=0.0, eps=1e-3)  # Yogi's defaults


class TritonStep:
    """``torch_yogi.triton_kernel.fused_step`` on its own v, s and step counts: the kernel that
    ``Yogi(fused=True)`` runs on CUDA, without the optimizer around it."""

    def __init__(self, params):
        from torch_yogi import triton_kernel

        self.fused_step = triton_kernel.fused_step
        self.lists = ([p.detach() for p in params], [p.grad for p in params],
                      [torch.zeros_like(p) for p in params], [torch.full_like(p, 1e-6) for p in params], [],
                      [torch.zeros((), device=p.device) for p in params])

    def step(self):
        self.fused_step(*self.lists, **HYPER, amsgrad=False, maximize=False, decoupled_weight_decay=False,
                        capturable=False, grad_scale=None, found_inf=None)


def contenders():
    """Name → factory(params) of an object with ``step()``, for every case."""
    return {
        YOGI_FUSED: lambda ps: torch_yogi.Yogi(ps, fused=True),
        YOGI: lambda ps: torch_yogi.Yogi(ps),
        TRITON_OP: TritonStep,
        BASELINE: lambda ps: torch.optim.Adam(ps, fused=True),
        "torch Adam (foreach)": lambda ps: torch.optim.Adam(ps, foreach=True),
    }


# --- the tests ----------------------------------------------------------------------------------


def run_tests(timeout=TEST_TIMEOUT_S):
    """``pytest torch-yogi/tests -k cuda`` in a subprocess; (return code, summary, seconds)."""
    start = time.perf_counter()
    cmd = [sys.executable, "-m", "pytest", "torch-yogi/tests", "-k", "cuda", "-q", "-rs", "-p", "no:cacheprovider"]
    try:
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, f"timed out after {timeout} s", time.perf_counter() - start
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    failures = [line for line in lines if line.startswith(("FAILED", "ERROR"))]
    return done.returncode, "\n".join(failures + lines[-1:]), time.perf_counter() - start


# --- the first fused step, in fresh processes -----------------------------------------------------


def first_step_child(device):
    """In a fresh process: make the optimizer, time its first fused step (Triton compiles, or
    loads from its cache) and the second. On CPU, the Triton operator under the interpreter."""
    shapes = benchmark.gpt2_shapes()[:3] if device == "cuda" else [(5, 1), (1,)]
    params = [torch.nn.Parameter(torch.randn(s, device=device)) for s in shapes]
    for p in params:
        p.grad = torch.randn_like(p)
    sync = benchmark._sync_for(device)
    start = time.perf_counter()
    optimizer = torch_yogi.Yogi(params, fused=True) if device == "cuda" else TritonStep(params)
    made = time.perf_counter()
    times = []
    for _ in range(2):
        optimizer.step()
        sync()
        times.append(time.perf_counter())
    print(json.dumps({"construct_s": made - start, "first_step_s": times[0] - made,
                      "second_step_s": times[1] - times[0]}))


def first_step_latency(device):
    """{"cold": …, "warm": …}: a fresh process with an empty TRITON_CACHE_DIR, then one more with it."""
    out = {}
    with tempfile.TemporaryDirectory(prefix="triton-cache-") as cache:
        env = {**os.environ, "TRITON_CACHE_DIR": cache}
        for label in ("cold", "warm"):
            done = subprocess.run([sys.executable, "-m", "tools.gpu_check", "--first-step-child", "--device", device],
                                  cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
            if done.returncode != 0:
                raise RuntimeError(f"the first-step process ({label}) failed: {done.stderr.strip()[-800:]}")
            out[label] = json.loads(done.stdout.strip().splitlines()[-1])
    return out


# --- the report ---------------------------------------------------------------------------------


def check_floors(rows, train=None):
    """The floors these results can check (see :func:`tools.benchmark.check`)."""
    checks = []
    for name, case, limit in FLOORS:
        row = next((r for r in rows if r["optimizer"] == name and r["case"] == case), None)
        if row is not None:
            checks.append(benchmark.check(f"{name} ≤ {limit}× {BASELINE} at {benchmark._label(case)}",
                                          row["ratios"], limit))
    if train:
        row = next(r for r in train["rows"] if r["optimizer"] == benchmark.TRAIN_YOGI)
        checks.append(benchmark.check(f"{benchmark.TRAIN_YOGI} ≤ {benchmark.TRAIN_STEP_FLOOR}× "
                                      f"{benchmark.TRAIN_BASELINE}, training step", row["ratios"],
                                      benchmark.TRAIN_STEP_FLOOR))
    return checks


def format_report(result):
    env = result["environment"]
    lines = [f"# torch_yogi on {env['device_name']} ({result['date']})", "",
             f"torch {env['torch']}, triton {env['triton']}, torch-yogi {env['torch_yogi']}, Python {env['python']}; "
             f"float32; median of ≥ {result['repeats']} interleaved rounds after {result['warmup']} warm-up steps "
             "(ratios: median and quartiles of the per-round ratios).", ""]
    if "tests" in result:
        t = result["tests"]
        lines += [f"Tests (pytest torch-yogi/tests -k cuda, {t['seconds']:.0f} s, exit {t['returncode']}): "
                  f"{t['summary']}", ""]
    lines += [benchmark.format_table({"rows": result["rows"], "train_step": result.get("train_step")}), ""]
    for error in result.get("errors", []):
        lines.append(f"- ERROR: {error}")
    for c in result["floors"]:
        verdict = {True: "met", False: "MISSED", "noisy": "NOISY"}[c["met"]]
        low, high = c["quartiles"]
        lines.append(f"- {verdict}: {c['check']}: {c['value']:.3g} ({low:.3g}–{high:.3g})")
    if result.get("first_step"):
        parts = [f"{label}: Yogi(params) {r['construct_s']:.2f} s, first step {r['first_step_s']:.2f} s, "
                 f"second {r['second_step_s'] * 1e3:.2f} ms" for label, r in result["first_step"].items()]
        lines += ["", "First fused step (Triton compiles), fresh processes: " + "; ".join(parts)]
    return "\n".join(lines)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tools.gpu_check", description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    parser.add_argument("--sizes", nargs="+", type=benchmark._size, metavar="N",
                        help="numbers of parameters (6, or ≥ 100), 'NxM' and/or 'gpt2' (default: 1e6 1e7 1e8 gpt2)")
    parser.add_argument("--repeats", type=benchmark._count(benchmark.MIN_REPEATS), default=7,
                        help="interleaved rounds (default 7)")
    parser.add_argument("--warmup", type=benchmark._count(1), default=3, help="warm-up steps (default 3)")
    parser.add_argument("--no-tests", action="store_true", help="skip the tests")
    parser.add_argument("--no-train-step", action="store_true", help="skip the compiled training step")
    parser.add_argument("--no-first-step", action="store_true", help="skip the first-step latency")
    parser.add_argument("--out", metavar="DIR", help="write gpu_check.json and gpu_check.md there")
    parser.add_argument("--first-step-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.sizes is None:
        args.sizes = list(SIZES)
    try:
        [benchmark._case(n) for n in args.sizes]
    except ValueError as exc:
        parser.error(str(exc))
    if args.out is not None and not os.path.isdir(args.out):
        parser.error(f"argument --out: not a folder: {args.out}")
    if args.device == "cuda" and not torch.cuda.is_available():
        parser.error("--device cuda: CUDA is not available (torch.cuda.is_available() is False)")
    if args.device == "cpu" and os.environ.get("TRITON_INTERPRET") != "1":
        if "triton" in sys.modules:  # the interpreter is chosen when a kernel is defined
            parser.error("--device cpu: triton was imported before TRITON_INTERPRET=1 was set; "
                         "run TRITON_INTERPRET=1 python -m tools.gpu_check --device cpu")
        os.environ["TRITON_INTERPRET"] = "1"
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.first_step_child:
        return first_step_child(args.device)
    import triton

    cuda = args.device == "cuda"
    result = {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "environment": {
            "device_name": benchmark._device_name(args.device), "torch": torch.__version__,
            "triton": triton.__version__, "torch_yogi": torch_yogi.__version__, "python": platform.python_version(),
        },
        "repeats": args.repeats, "warmup": args.warmup, "rows": [], "errors": [],
    }

    def progress(message):
        print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)

    def stage(message, run):
        """``run()``'s result; a stage that fails is reported, and the next ones still run (a GPU's
        minutes are too few to lose the rest of the run to one error)."""
        progress(message)
        try:
            return run()
        except Exception as exc:  # noqa: BLE001 - every failure is written into the report
            progress(f"failed: {type(exc).__name__}: {exc}")
            result["errors"].append(f"{message}: {type(exc).__name__}: {str(exc)[-800:]}")
            return None

    if not args.no_tests:
        tests = stage("pytest torch-yogi/tests -k cuda …", run_tests)
        if tests is not None:
            code, summary, seconds = tests
            result["tests"] = {"returncode": code, "summary": summary, "seconds": seconds}
            progress(summary)
    threads = torch.get_num_threads()
    for case in map(benchmark._case, args.sizes):
        result["rows"] += stage(f"timing {benchmark._label(case)} …", lambda: benchmark.time_case(
            case, args.device, contenders(), args.repeats, args.warmup, threads)) or []
        if args.device == "cuda":
            torch.cuda.empty_cache()
    if not args.no_train_step:
        result["train_step"] = stage("the compiled training step …", lambda: benchmark.time_train_step(
            args.device, args.repeats, args.warmup, threads))
    result["floors"] = check_floors(result["rows"], result.get("train_step"))
    if not args.no_first_step:
        result["first_step"] = stage("the first fused step (two fresh processes) …",
                                     lambda: first_step_latency(args.device))
    report = format_report(result)
    print(report, flush=True)
    if args.out:
        benchmark.write_atomic(os.path.join(args.out, "gpu_check.json"), json.dumps(result, indent=2) + "\n")
        benchmark.write_atomic(os.path.join(args.out, "gpu_check.md"), report + "\n")
    return result


if __name__ == "__main__":
    sys.exit(1 if (main(sys.argv[1:]) or {}).get("errors") else 0)
