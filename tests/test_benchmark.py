"""snippets/tools/benchmark.py on tiny sizes: real numbers, consistent ratios, JSON, errors."""
import json
import math
import statistics

import pytest
import torch

from snippets.tools import benchmark

SIZES = (6, 300)
EXPECTED = {
    "snippets Yogi",
    "snippets Adam",
    "torch Adam (for-loop)",
    "torch Adam (foreach)",
    "torch Adam (fused)",
    "pytorch_optimizer Yogi",
}


@pytest.fixture(scope="module")
def result():
    return benchmark.run_benchmark("cpu", sizes=SIZES, repeats=5, warmup=1)


def test_every_optimizer_is_timed_at_every_size(result):
    seen = {(r["params"], r["optimizer"]) for r in result["rows"]}
    assert seen == {(n, name) for n in SIZES for name in EXPECTED}
    assert [r["tensors"] for r in result["rows"] if r["optimizer"] == "snippets Yogi"] == [2, 100]


def test_times_are_positive_finite_medians_of_the_rounds(result):
    for r in result["rows"]:
        assert len(r["samples_ms"]) == 5
        assert all(math.isfinite(t) and t > 0 for t in r["samples_ms"])
        assert r["ms"] == statistics.median(r["samples_ms"])
        assert r["ms"] < 1000  # tiny problems: well under a second per step


def test_ratios_and_bandwidth_follow_from_the_times(result):
    for n in SIZES:
        rows = {r["optimizer"]: r for r in result["rows"] if r["params"] == n}
        base = rows[benchmark.BASELINE]["ms"]
        assert rows[benchmark.BASELINE]["ratio"] == 1.0
        for r in rows.values():
            assert r["ratio"] == pytest.approx(r["ms"] / base, rel=1e-12)
            assert r["gb_per_s"] == pytest.approx(28 * n / (r["ms"] * 1e-3) / 1e9, rel=1e-12)


def test_metadata_describes_the_run(result):
    assert result["device"] == "cpu"
    assert result["torch"] == torch.__version__
    assert result["cpu_count"] >= 1 and result["torch_threads"] >= 1
    assert result["repeats"] == 5 and result["warmup"] == 1 and result["sizes"] == list(SIZES)
    assert result["yogi_path"] in ("c-kernel", "torch-fused")
    assert result["bytes_per_param"] == 28
    # the 6-parameter floor is checkable at these sizes; its verdict matches its number
    [floor] = result["floors"]
    assert floor["limit"] == 1.0 and floor["met"] == (floor["value"] <= 1.0)


def test_format_table_has_a_row_per_measurement(result):
    table = benchmark.format_table(result).splitlines()
    assert table[0].startswith("| parameters | optimizer | ms/step |")
    assert len(table) == 2 + len(result["rows"])
    yogi_6 = next(line for line in table if line.startswith("| 6 | snippets Yogi |"))
    cells = [c.strip() for c in yogi_6.strip("|").split("|")]
    row = next(r for r in result["rows"] if r["params"] == 6 and r["optimizer"] == "snippets Yogi")
    assert float(cells[2]) == pytest.approx(row["ms"], rel=1e-3)
    assert float(cells[3]) == pytest.approx(row["ratio"], abs=0.006)


def test_cli_prints_the_table_and_writes_json_that_round_trips(tmp_path, capsys):
    path = tmp_path / "bench.json"
    result = benchmark.main(["--sizes", "6", "1e3", "--repeats", "5", "--warmup", "1", "--json", str(path)])
    out = capsys.readouterr().out
    assert "| 1,000 | snippets Yogi |" in out and "Yogi path:" in out
    assert json.loads(path.read_text()) == json.loads(json.dumps(result))
    assert {r["params"] for r in result["rows"]} == {6, 1000}


def test_paths_option_adds_each_yogi_path(result):
    extra = benchmark.run_benchmark("cpu", sizes=(6,), repeats=5, warmup=1, paths=True)
    names = {r["optimizer"] for r in extra["rows"]}
    assert names >= EXPECTED | {"snippets Yogi [reference]", "snippets Yogi [torch-fused]"}


def test_floors_are_judged_on_the_measured_ratios():
    rows = [
        {"params": 10_000_000, "optimizer": "snippets Yogi", "ms": 6.0, "ratio": 1.2},
        {"params": 10_000_000, "optimizer": benchmark.PEER, "ms": 12.0, "ratio": 2.4},
        {"params": 6, "optimizer": "snippets Yogi", "ms": 0.04, "ratio": 1.1},
    ]
    checks = {c["check"]: c for c in benchmark.check_floors({"device": "cpu", "rows": rows})}
    assert len(checks) == 3
    met = {c["limit"]: c["met"] for c in checks.values()}
    assert met == {1.5: True, 1.0: False, 3.0: False}  # peer only 2× slower: missed
    assert benchmark.check_floors({"device": "cuda", "rows": rows}) == []


def test_unavailable_or_unknown_device_is_an_error_naming_it(capsys):
    with pytest.raises(ValueError, match="Invalid device: 'tpu'"):
        benchmark.run_benchmark("tpu", sizes=(6,), repeats=5)
    with pytest.raises(SystemExit) as exit_info:
        benchmark.main(["--device", "tpu"])
    assert exit_info.value.code == 2 and "invalid choice: 'tpu'" in capsys.readouterr().err
    if torch.cuda.is_available():
        pytest.skip("CUDA is available here, so --device cuda is not an error")
    with pytest.raises(ValueError, match="Invalid device: 'cuda'.*not available"):
        benchmark.run_benchmark("cuda", sizes=(6,), repeats=5)
    with pytest.raises(SystemExit) as exit_info:
        benchmark.main(["--device", "cuda", "--sizes", "6"])
    assert exit_info.value.code == 2 and "--device cuda" in capsys.readouterr().err


@pytest.mark.parametrize(
    "bad, message",
    [
        (["--sizes", "50"], "Invalid size: 50 (use 6, or at least 100 parameters)"),
        (["--sizes", "1.5"], "argument --sizes: not a whole number of parameters: '1.5'"),
        (["--sizes", "inf"], "argument --sizes: not a whole number of parameters: 'inf'"),
        (["--sizes", "nan"], "argument --sizes: not a whole number of parameters: 'nan'"),
        (["--sizes", "1e400"], "argument --sizes: not a whole number of parameters: '1e400'"),
        (["--sizes", "six"], "argument --sizes: not a number: 'six'"),
        (["--sizes", "0"], "argument --sizes: not a number of parameters ≥ 1: '0'"),
        (["--sizes", "-5"], "argument --sizes: not a number of parameters ≥ 1: '-5'"),
        (["--repeats", "0"], "argument --repeats: expected an integer ≥ 5, got 0"),
        (["--repeats", "1"], "argument --repeats: expected an integer ≥ 5, got 1"),
        (["--repeats", "4"], "argument --repeats: expected an integer ≥ 5, got 4"),
        (["--repeats", "2.5"], "argument --repeats: expected an integer ≥ 5, got '2.5'"),
        (["--warmup", "-1"], "argument --warmup: expected an integer ≥ 0, got -1"),
    ],
)
def test_bad_sizes_and_repeats_are_errors_before_any_timing(bad, message, capsys, monkeypatch):
    monkeypatch.setattr(benchmark, "_time_size", lambda *a: pytest.fail("timed despite a bad argument"))
    with pytest.raises(SystemExit) as exit_info:
        benchmark.main(bad)
    assert exit_info.value.code == 2
    assert f"error: {message}" in capsys.readouterr().err


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(repeats=2.5), "Invalid repeats: 2.5 (an integer ≥ 5"),
        (dict(repeats=4), "Invalid repeats: 4 (an integer ≥ 5"),
        (dict(repeats=True), "Invalid repeats: True"),
        (dict(warmup=-1), "Invalid warmup: -1 (an integer ≥ 0)"),
        (dict(warmup=0.5), "Invalid warmup: 0.5"),
        (dict(sizes=(float("inf"),)), "Invalid size: inf (a whole number of parameters)"),
        (dict(sizes=(1e5 + 0.5,)), "Invalid size: 100000.5"),
        (dict(sizes=("6",)), "Invalid size: '6'"),
        (dict(sizes=(6, 50)), "Invalid size: 50"),
    ],
)
def test_run_benchmark_arguments_are_checked(kwargs, message, monkeypatch):
    monkeypatch.setattr(benchmark, "_time_size", lambda *a: pytest.fail("timed despite a bad argument"))
    with pytest.raises(ValueError) as info:
        benchmark.run_benchmark("cpu", **{"sizes": (6,), "repeats": 5, **kwargs})
    assert str(info.value).startswith(message)


def test_sizes_may_be_written_as_floats():
    assert [benchmark._size(t) for t in ("6", "1e5", "100000.0", "12345678901234567")] == [
        6, 100_000, 100_000, 12345678901234567]


@pytest.mark.parametrize("where", ["missing-folder", "a-folder", "under-a-file"])
def test_unwritable_json_path_fails_before_the_run(where, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(benchmark, "run_benchmark", lambda *a: pytest.fail("ran despite an unwritable --json"))
    (tmp_path / "file.txt").write_text("")
    path = {"missing-folder": tmp_path / "no" / "bench.json", "a-folder": tmp_path,
            "under-a-file": tmp_path / "file.txt" / "bench.json"}[where]
    with pytest.raises(SystemExit) as exit_info:
        benchmark.main(["--sizes", "6", "--json", str(path)])
    assert exit_info.value.code == 2
    assert f"error: argument --json: cannot write {path}" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file.txt"]  # nothing left behind


def test_json_is_replaced_whole_or_left_alone(result, tmp_path, capsys, monkeypatch):
    path = tmp_path / "bench.json"
    path.write_text("old\n")
    monkeypatch.setattr(benchmark, "run_benchmark", lambda *a: (_ for _ in ()).throw(KeyboardInterrupt))
    with pytest.raises(KeyboardInterrupt):  # interrupted mid-run: the old file stays, no temp file
        benchmark.main(["--sizes", "6", "--json", str(path)])
    assert path.read_text() == "old\n" and [p.name for p in tmp_path.iterdir()] == ["bench.json"]
    monkeypatch.setattr(benchmark, "run_benchmark", lambda *a: result)
    benchmark.main(["--sizes", "6", "--json", str(path)])
    assert json.loads(path.read_text()) == json.loads(json.dumps(result))
    assert [p.name for p in tmp_path.iterdir()] == ["bench.json"]


def test_runs_on_every_device(device):
    result = benchmark.run_benchmark(device.type, sizes=(6,), repeats=5, warmup=1)
    assert {r["optimizer"] for r in result["rows"]} == EXPECTED
    assert all(r["ms"] > 0 for r in result["rows"])


def test_device_may_be_a_torch_device():
    result = benchmark.run_benchmark(torch.device("cpu"), sizes=(6,), repeats=5, warmup=0)
    assert result["device"] == "cpu" and len(result["rows"]) == len(EXPECTED)
