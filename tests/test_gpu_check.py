"""snippets/tools/gpu_check.py and shapes.py: what runs without a GPU.

The GPU script's timings, launch counts and first-step latency need CUDA; here its argument
parsing, workloads, table, floors and one whole run on CPU tensors (the Triton step under the
interpreter, tiny sizes) are checked, so a session lent a GPU does not spend its minutes on a
typo.
"""
import json
import math

import pytest
import torch

from snippets.tools import gpu_check, shapes, yogi_triton

_TRITON = yogi_triton._triton()
needs_triton = pytest.mark.skipif(isinstance(_TRITON, BaseException), reason=f"triton is not importable: {_TRITON}")


def test_gpt2_small_has_the_published_size():
    """GPT-2 small: 124,439,808 parameters (the published 124 M), in 148 tensors."""
    gpt2 = shapes.gpt2_small()
    assert len(gpt2) == 148
    assert sum(math.prod(s) for s in gpt2) == 124_439_808
    assert gpt2[0] == (50257, 768) and gpt2[-1] == (768,)
    assert gpu_check.workload_shapes(gpu_check.GPT2) == gpt2


def test_workloads_split_into_tensors():
    assert gpu_check.workload_shapes(1_000_003) == [(10001,)] * 3 + [(10000,)] * 97
    assert gpu_check.workload_params(100_000_000) == 100_000_000
    assert gpu_check.workload_shapes(50) == [(50,)]


@pytest.mark.parametrize("argv, message", [
    (["--sizes", "1.5"], "not a whole number of parameters"),
    (["--sizes", "abc"], "not a number of parameters or 'gpt2'"),
    (["--repeats", "2"], "expected an integer ≥ 3"),
    (["--out", "/nonexistent/folder"], "not a folder"),
])
def test_bad_arguments_are_refused(argv, message, capsys):
    with pytest.raises(SystemExit):
        gpu_check.parse_args(["--device", "cpu", *argv])
    assert message in capsys.readouterr().err


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the refusal on a machine without CUDA")
def test_cuda_is_required_for_the_default_device(capsys):
    with pytest.raises(SystemExit):
        gpu_check.parse_args([])
    assert "CUDA is not available" in capsys.readouterr().err


def test_defaults_are_the_issues_workloads(monkeypatch):
    monkeypatch.setenv("TRITON_INTERPRET", "1")
    if isinstance(_TRITON, BaseException):
        pytest.skip(f"triton is not importable: {_TRITON}")
    args = gpu_check.parse_args(["--device", "cpu"])
    assert args.sizes == [1_000_000, 10_000_000, 100_000_000, gpu_check.GPT2]
    assert gpu_check.parse_args(["--device", "cpu", "--sizes", "1e6", "gpt2"]).sizes == [1_000_000, gpu_check.GPT2]


def _row(workload, contender, ms, base_ms, copy_ms):
    samples = {gpu_check.BASELINE: [base_ms / 1e3], gpu_check.COPY: [copy_ms / 1e3], contender: [ms / 1e3]}
    return [r for r in gpu_check.summarize(workload, samples) if r["contender"] == contender]


def test_floors_and_table():
    rows = _row(100_000_000, gpu_check.TRITON, 1.05, 1.0, 0.95) + _row(gpu_check.GPT2, gpu_check.TRITON, 1.3, 1.0, 1.0)
    checks = {c["check"]: c for c in gpu_check.check_floors(rows)}
    at_1e8 = checks[f"{gpu_check.TRITON} ≤ 1.1× {gpu_check.BASELINE} at 1e8 params"]
    assert at_1e8["met"] and at_1e8["value"] == pytest.approx(1.05)
    gpt2 = checks[f"{gpu_check.TRITON} ≤ 1.2× {gpu_check.BASELINE} at {gpu_check.GPT2}"]
    assert not gpt2["met"] and gpt2["value"] == pytest.approx(1.3)
    share = checks[f"{gpu_check.TRITON} ≥ 85% of the copy's bandwidth at 1e8 params"]
    assert share["met"] and share["value"] == pytest.approx(0.95 / 1.05)
    table = gpu_check.format_table(rows)
    assert "| 1e8 params | 100 | Triton Yogi | 1.05 (1.05–1.05) | 1.05 | 2667 | 0.90 |" in table
    assert f"| {gpu_check.GPT2} | 148 | Triton Yogi | 1.3 (1.3–1.3) | 1.30 |" in table


@needs_triton
def test_a_whole_run_on_cpu(tmp_path, monkeypatch, capsys):
    """The script end to end on CPU tensors (Triton under the interpreter), one tiny workload."""
    monkeypatch.setenv("TRITON_INTERPRET", "1")
    result = gpu_check.main(["--device", "cpu", "--sizes", "50", "--repeats", "3", "--warmup", "1", "--no-tests",
                             "--no-first-step", "--no-sweep", "--out", str(tmp_path)])
    names = {r["contender"] for r in result["rows"]}
    assert names == {gpu_check.TRITON, f"{gpu_check.TRITON} (step tensors, capturable)", "snippets Yogi (today's path)",
                     gpu_check.BASELINE, "torch Adam (foreach)", gpu_check.COPY}
    assert all(r["ms"] > 0 and r["ms_min"] <= r["ms"] <= r["ms_max"] for r in result["rows"])
    saved = json.loads((tmp_path / "gpu_check.json").read_text())
    assert saved["rows"] == result["rows"]
    assert (tmp_path / "gpu_check.md").read_text().startswith("# Triton Yogi step on ")
    assert "| 5e1 params | 1 | Triton Yogi |" in capsys.readouterr().out
