"""tools/gpu_check.py and tools/shapes.py: what runs without a GPU.

The GPU script's timings need CUDA; here its arguments, floors and report are checked, and (slow)
one whole run on CPU tensors in a fresh process, the Triton kernel under the interpreter, so a
session lent a GPU does not spend its minutes on a typo.
"""
import json
import math
import os
import subprocess
import sys
import textwrap

import pytest
import torch

from tools import benchmark, gpu_check, shapes

ROOT = gpu_check.ROOT


def test_gpt2_small_has_the_published_size():
    """GPT-2 small: 124,439,808 parameters (the published 124 M), in 148 tensors."""
    gpt2 = shapes.gpt2_small()
    assert len(gpt2) == 148
    assert sum(math.prod(s) for s in gpt2) == 124_439_808
    assert gpt2[:2] == [(50257, 768), (1024, 768)] and gpt2[-1] == (768,) and gpt2.count((768, 3072)) == 12


@pytest.mark.parametrize("argv, message", [
    (["--sizes", "1.5"], "argument --sizes: not a whole number of parameters: '1.5'"),
    (["--sizes", "abc"], "argument --sizes: not a number: 'abc'"),
    (["--sizes", "50"], "Invalid size: 50 (use 6, or at least 100 parameters)"),
    (["--repeats", "2"], "argument --repeats: expected an integer ≥ 5, got 2"),
    (["--out", "/nonexistent/folder"], "argument --out: not a folder: /nonexistent/folder"),
])
def test_bad_arguments_are_refused(argv, message, capsys, monkeypatch):
    monkeypatch.setenv("TRITON_INTERPRET", "1")
    with pytest.raises(SystemExit):
        gpu_check.parse_args(["--device", "cpu", *argv])
    assert f"error: {message}" in capsys.readouterr().err


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the refusal on a machine without CUDA")
def test_cuda_is_required_for_the_default_device(capsys):
    with pytest.raises(SystemExit):
        gpu_check.parse_args([])
    assert "--device cuda: CUDA is not available" in capsys.readouterr().err


def test_on_cpu_the_interpreter_must_be_chosen_before_triton_is_imported(capsys, monkeypatch):
    import triton  # noqa: F401 - imported, as in this test process, before TRITON_INTERPRET is set

    monkeypatch.delenv("TRITON_INTERPRET", raising=False)
    with pytest.raises(SystemExit):
        gpu_check.parse_args(["--device", "cpu"])
    assert "triton was imported before TRITON_INTERPRET=1 was set" in capsys.readouterr().err
    assert "TRITON_INTERPRET" not in os.environ


def test_defaults_are_the_issues_workloads(monkeypatch):
    monkeypatch.setenv("TRITON_INTERPRET", "1")
    args = gpu_check.parse_args(["--device", "cpu"])
    assert args.sizes == [1_000_000, 10_000_000, 100_000_000, "gpt2"]
    assert not (args.no_tests or args.no_train_step or args.no_first_step)
    assert gpu_check.parse_args(["--device", "cpu", "--sizes", "1e6", "gpt2"]).sizes == [1_000_000, "gpt2"]


def _row(name, case, ratios):
    return {"optimizer": name, "case": case, "ratios": ratios}


def test_floors_are_judged_on_the_per_round_ratios():
    rows = [_row(gpu_check.YOGI_FUSED, 100_000_000, [1.05, 1.02, 1.04, 1.06, 1.03]),
            _row(gpu_check.YOGI_FUSED, "gpt2", [1.3, 1.25, 1.35, 1.28, 1.3]),
            _row(gpu_check.TRITON_OP, 100_000_000, [2.0] * 5)]  # no floor of its own
    train = {"rows": [_row(benchmark.TRAIN_YOGI, None, [0.5, 0.6, 0.55, 0.5, 0.52])]}
    checks = {c["check"]: c for c in gpu_check.check_floors(rows, train)}
    assert {name: c["met"] for name, c in checks.items()} == {
        f"{gpu_check.YOGI_FUSED} ≤ 1.1× {benchmark.BASELINE} at 100,000,000": True,
        f"{gpu_check.YOGI_FUSED} ≤ 1.2× {benchmark.BASELINE} at GPT-2 small": False,
        f"{benchmark.TRAIN_YOGI} ≤ 1.05× {benchmark.TRAIN_BASELINE}, training step": True,
    }
    assert checks[f"{gpu_check.YOGI_FUSED} ≤ 1.2× {benchmark.BASELINE} at GPT-2 small"]["value"] == 1.3


def test_the_report_names_the_run_and_lists_tests_rows_floors_and_first_step():
    row = {"case": 100_000_000, "label": "100,000,000", "params": 100_000_000, "optimizer": gpu_check.YOGI_FUSED,
           "ms": 1.05, "ratio": 1.05, "ratio_quartiles": [1.03, 1.06], "noisy": False, "gb_per_s": 2667,
           "threads": 16, "ratios": [1.05] * 5}
    result = {"date": "2026-01-01 00:00 UTC", "repeats": 7, "warmup": 3, "rows": [row],
              "environment": {"device_name": "NVIDIA H100", "torch": "2.13.0", "triton": "3.7.1", "torch_yogi": "0.1.0",
                              "python": "3.11.7"},
              "tests": {"returncode": 0, "summary": "60 passed in 80.00s", "seconds": 81.0},
              "first_step": {"cold": {"construct_s": 0.5, "first_step_s": 1.25, "second_step_s": 0.0004},
                             "warm": {"construct_s": 0.5, "first_step_s": 0.05, "second_step_s": 0.0004}}}
    result["floors"] = gpu_check.check_floors(result["rows"])
    report = gpu_check.format_report(result).splitlines()
    assert report[0] == "# torch_yogi on NVIDIA H100 (2026-01-01 00:00 UTC)"
    assert report[4] == "Tests (pytest torch-yogi/tests -k cuda, 81 s, exit 0): 60 passed in 80.00s"
    assert f"| 100,000,000 | {gpu_check.YOGI_FUSED} | 1.05 | 1.05 (1.03–1.06) | 2.67e+03 | 16 |" in report
    assert f"- met: {gpu_check.YOGI_FUSED} ≤ 1.1× {benchmark.BASELINE} at 100,000,000: 1.05 (1.05–1.05)" in report
    assert report[-1] == ("First fused step (Triton compiles), fresh processes: cold: Yogi(params) 0.50 s, first step "
                          "1.25 s, second 0.40 ms; warm: Yogi(params) 0.50 s, first step 0.05 s, second 0.40 ms")


def test_a_failing_stage_is_reported_and_the_rest_still_runs(tmp_path, monkeypatch, capsys):
    """A GPU's minutes are too few to lose a run to one error: the case that fails is in the
    report, the next case is still timed, and the files are written."""
    monkeypatch.setenv("TRITON_INTERPRET", "1")
    row = {"case": 6, "label": "6", "params": 6, "optimizer": gpu_check.YOGI_FUSED, "ms": 0.04, "ratio": 1.0,
           "ratio_quartiles": [1.0, 1.0], "noisy": False, "gb_per_s": 0.004, "threads": 1, "ratios": [1.0] * 5}

    def time_case(case, *args):
        if case == 300:
            raise RuntimeError("out of memory")
        return [row]

    monkeypatch.setattr(benchmark, "time_case", time_case)
    result = gpu_check.main(["--device", "cpu", "--sizes", "300", "6", "--no-tests", "--no-train-step",
                             "--no-first-step", "--out", str(tmp_path)])
    assert result["errors"] == ["timing 300 …: RuntimeError: out of memory"]
    assert result["rows"] == [row]
    report = (tmp_path / "gpu_check.md").read_text()
    assert "- ERROR: timing 300 …: RuntimeError: out of memory" in report
    assert f"| 6 | {gpu_check.YOGI_FUSED} | 0.04 |" in report
    assert json.loads((tmp_path / "gpu_check.json").read_text())["errors"] == result["errors"]


@pytest.mark.slow
def test_the_triton_op_alone_does_yogis_step():
    """The row "Triton op alone" times the work of Yogi's step: under the interpreter, its step
    equals Yogi's for-loop with the default hyperparameters."""
    code = textwrap.dedent("""
        import torch, torch_yogi
        from tools import gpu_check
        torch.manual_seed(0)
        a = [torch.nn.Parameter(torch.randn(s)) for s in [(5, 1), (1,), (300,)]]
        b = [torch.nn.Parameter(p.detach().clone()) for p in a]
        for p, q in zip(a, b):
            p.grad = torch.randn_like(p)
            q.grad = p.grad.clone()
        alone, loop = gpu_check.TritonStep(a), torch_yogi.Yogi(b, foreach=False)
        for _ in range(3):
            alone.step()
            loop.step()
        print(max((p - q).abs().max().item() for p, q in zip(a, b)), [t.item() for t in alone.lists[5]])
    """)
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**os.environ, "TRITON_INTERPRET": "1"},
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    worst, steps = done.stdout.split(" ", 1)
    assert float(worst) < 1e-6 and steps.strip() == "[3.0, 3.0, 3.0]"


@pytest.mark.slow
def test_a_whole_run_on_cpu(tmp_path):
    """The script end to end on CPU tensors in a fresh process (Triton under the interpreter):
    tests, one tiny case, the compiled training step, the first-step latency, the files."""
    done = subprocess.run([sys.executable, "-m", "tools.gpu_check", "--device", "cpu", "--sizes", "6", "--repeats", "5",
                           "--warmup", "1", "--out", str(tmp_path)], cwd=ROOT, capture_output=True, text=True,
                          timeout=600, env={k: v for k, v in os.environ.items() if k != "TRITON_INTERPRET"})
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads((tmp_path / "gpu_check.json").read_text())
    assert [r["optimizer"] for r in result["rows"]] == list(gpu_check.contenders())
    assert result["tests"]["returncode"] == 0 and "skipped" in result["tests"]["summary"]  # no CUDA here
    assert [r["optimizer"] for r in result["train_step"]["rows"]][:2] == [benchmark.TRAIN_YOGI,
                                                                          benchmark.TRAIN_BASELINE]
    assert [c["check"] for c in result["floors"]] == [
        f"{benchmark.TRAIN_YOGI} ≤ 1.05× {benchmark.TRAIN_BASELINE}, training step"]
    assert set(result["first_step"]) == {"cold", "warm"}
    report = (tmp_path / "gpu_check.md").read_text()
    assert report.startswith("# torch_yogi on ") and f"| 6 | {gpu_check.TRITON_OP} |" in report
    assert report in done.stdout
