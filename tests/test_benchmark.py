"""snippets/tools/benchmark.py on tiny sizes: real numbers, consistent ratios, JSON, errors."""
import json
import math
import statistics
import weakref

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
    for n in SIZES:
        rows = [r for r in result["rows"] if r["params"] == n]
        rounds = {len(r["samples_ms"]) for r in rows}
        assert len(rounds) == 1 and 5 <= rounds.pop() <= 10  # 5, and up to twice that while noisy
        for r in rows:
            assert all(math.isfinite(t) and t > 0 for t in r["samples_ms"])
            assert r["ms"] == statistics.median(r["samples_ms"])
            assert r["ms"] < 1000  # tiny problems: well under a second per step
            assert r["threads"] == 1  # small cases run on one thread
    assert result["torch_threads"] == torch.get_num_threads()  # and the setting is restored


def test_ratios_are_paired_per_round_and_bandwidth_follows_from_the_times(result):
    for n in SIZES:
        rows = {r["optimizer"]: r for r in result["rows"] if r["params"] == n}
        base = rows[benchmark.BASELINE]
        assert base["ratio"] == 1.0 and base["ratios"] == [1.0] * len(base["samples_ms"])
        for r in rows.values():
            assert r["baseline_samples_ms"] == base["samples_ms"]  # small cases: the baseline's own turn
            per_round = [a / b for a, b in zip(r["samples_ms"], base["samples_ms"])]
            assert r["ratios"] == pytest.approx(per_round, rel=1e-12)
            assert r["ratio"] == pytest.approx(statistics.median(per_round), rel=1e-12)
            low, high = r["ratio_quartiles"]
            assert min(per_round) <= low <= r["ratio"] <= high <= max(per_round)
            assert r["gb_per_s"] == pytest.approx(28 * n / (r["ms"] * 1e-3) / 1e9, rel=1e-12)


def test_metadata_describes_the_run(result):
    assert result["device"] == "cpu"
    assert result["torch"] == torch.__version__
    assert result["cpu_count"] >= 1 and result["torch_threads"] >= 1
    assert result["repeats"] == 5 and result["warmup"] == 1 and result["sizes"] == list(SIZES)
    assert result["yogi_path"] in ("c-kernel", "torch-fused")
    assert result["bytes_per_param"] == 28
    assert "OMP_WAIT_POLICY" not in result["omp_wait_policy"] and "(" in result["omp_wait_policy"]
    # the 6-parameter floor is checkable at these sizes; its verdict follows from its quartiles
    [floor] = result["floors"]
    low, high = floor["quartiles"]
    assert floor["limit"] == 0.6
    assert floor["met"] == (True if high <= 0.6 else False if low > 0.6 else floor["met"])


def test_format_table_has_a_row_per_measurement(result):
    table = benchmark.format_table(result).splitlines()
    assert table[0].startswith("| parameters | optimizer | ms/step | × torch Adam (fused) | GB/s | threads |")
    assert len(table) == 2 + len(result["rows"])
    yogi_6 = next(line for line in table if line.startswith("| 6 | snippets Yogi |"))
    cells = [c.strip() for c in yogi_6.strip("|").split("|")]
    row = next(r for r in result["rows"] if r["params"] == 6 and r["optimizer"] == "snippets Yogi")
    assert float(cells[2]) == pytest.approx(row["ms"], rel=1e-3)
    assert cells[3] == benchmark.format_ratio(row) and cells[5] == "1"


def _row(ratios, name="snippets Yogi"):
    low, high = benchmark._quartiles(ratios)
    return {"optimizer": name, "ratio": statistics.median(ratios), "ratio_quartiles": [low, high],
            "ratios": ratios, "noisy": benchmark._is_noisy(ratios)}


@pytest.mark.parametrize("ratios, shown", [
    ([0.5, 0.52, 0.49, 0.51, 0.5], "0.50 (0.50–0.51)"),
    ([0.98, 1.02, 1.0, 1.01, 0.99], "1.00 (0.99–1.01)"),  # tight around 1: a ratio, not noise
    ([0.2, 0.35, 0.3, 0.6, 0.25], "0.30 (0.25–0.35)"),  # spread, but every quartile says faster
    ([0.46, 3.98, 0.5, 3.9, 2.0], "noisy (0.5–3.9)"),  # the build that printed 3.98×: undecided
])
def test_a_ratio_is_shown_only_when_the_rounds_agree_on_it(ratios, shown):
    assert benchmark.format_ratio(_row(ratios)) == shown


def test_floors_are_met_missed_or_noisy_by_their_quartiles():
    rows = [dict(_row(r, name), case=case, params=case, ms=1.0) for name, case, r in [
        ("snippets Yogi", 6, [0.5, 0.55, 0.52, 0.58, 0.5]),  # all under 0.6: met
        ("snippets Yogi", "2000x100", [0.9, 0.85, 0.95, 0.9, 0.88]),  # all over 0.8: missed
        ("snippets Adam", "2000x100", [0.4, 1.5, 0.7, 1.2, 0.5]),  # straddles 0.8 widely: noisy
        (benchmark.BASELINE, 6, [1.0] * 5), (benchmark.BASELINE, "2000x100", [1.0] * 5)]]
    checks = {c["check"]: c["met"] for c in benchmark.check_floors({"device": "cpu", "rows": rows})}
    assert checks == {"snippets Yogi ≤ 0.6× torch Adam (fused) at 6": True,
                      "snippets Yogi ≤ 0.8× torch Adam (fused) at 2,000 × 100": False,
                      "snippets Adam ≤ 0.8× torch Adam (fused) at 2,000 × 100": "noisy"}


def test_a_compiled_step_is_faster_slower_at_parity_or_noisy_against_its_eager_step():
    """Against the same optimizer's eager step: below 1.0 in the middle half of the rounds is met,
    above it missed; rounds straddling 1.0 with a median within two standard errors of it are at
    parity (the same kernels ran), unless they straddle it so widely that they say nothing (noisy).
    A parity a hair over 1.0 is not missed; a median well over it is."""
    def rows(case, vs_eager):
        name = f"snippets Yogi{benchmark.COMPILED}"
        return [dict(_row([0.5] * 5, name), case=case, params=case, ms=1.0, compiled_vs_eager=vs_eager),
                dict(_row([0.6] * 5, "snippets Yogi"), case=case, params=case, ms=1.0)]

    cases = {6: [0.8, 0.82, 0.79, 0.81, 0.8], "2000x100": [1.04, 1.06, 1.05, 1.07, 1.04],
             "gpt2": [1.01, 1.00, 0.99, 1.02, 1.00]}
    verdicts = {}
    for case, vs_eager in cases.items():
        [check] = [c for c in benchmark.check_floors({"device": "cpu", "rows": rows(case, vs_eager)})
                   if "compiled" in c["check"]]
        verdicts[case] = check["met"]
    assert verdicts == {6: True, "2000x100": False, "gpt2": "parity"}
    # straddling 1.0, but with a median 25 % over it, far beyond its standard error: missed
    [slower] = [c for c in benchmark.check_floors({"device": "cpu", "rows": rows(
        6, [0.95, 1.0, 1.0, 1.22, 1.25, 1.26, 1.27, 1.28, 1.29])}) if "compiled" in c["check"]]
    assert slower["met"] is False
    [noisy] = [c for c in benchmark.check_floors({"device": "cpu", "rows": rows(6, [0.5, 1.6, 0.6, 1.5, 0.7])})
               if "compiled" in c["check"]]
    assert noisy["met"] == "noisy"
    summary = benchmark.format_summary({"device": "cpu", "device_name": "x", "torch": "2.13.0", "torch_threads": 1,
                                        "cpu_count": 2, "yogi_path": "c-kernel", "repeats": 7, "warmup": 3,
                                        "floors": [{"check": "c", "value": 1.0, "quartiles": [0.99, 1.01],
                                                    "met": "parity"}]})
    assert summary.splitlines()[1] == "parity c: 1.00 (0.99–1.01)"


def test_cli_prints_the_table_and_writes_json_that_round_trips(tmp_path, capsys):
    path = tmp_path / "bench.json"
    result = benchmark.main(["--sizes", "6", "1e3", "--repeats", "5", "--warmup", "1", "--json", str(path)])
    out = capsys.readouterr().out
    assert "| 1,000 | snippets Yogi |" in out and "Yogi path:" in out
    assert json.loads(path.read_text()) == json.loads(json.dumps(result))
    assert {r["params"] for r in result["rows"]} == {6, 1000}


def test_paths_and_extras_add_their_rows():
    extra = benchmark.run_benchmark("cpu", sizes=(6,), repeats=5, warmup=1, paths=True, extras=True)
    names = {r["optimizer"] for r in extra["rows"]}
    assert names >= EXPECTED | {f"snippets Yogi [{p}]" for p in ("reference", "foreach", "torch-fused")}
    assert names >= {f"snippets {c}{v}" for c in ("Yogi", "Adam") for v in (benchmark.FROM_CHECKPOINT,
                                                                             benchmark.COMPILED)}
    for name in ("Yogi", "Adam"):
        compiled = next(r for r in extra["rows"] if r["optimizer"] == f"snippets {name}{benchmark.COMPILED}")
        # against the same optimizer's step called eagerly, timed block by block beside it
        eager, by_block = compiled["eager_samples_ms"], compiled["compiled_vs_eager"]
        assert len(eager) == len(compiled["samples_ms"]) and all(math.isfinite(t) and t > 0 for t in eager)
        assert len(by_block) == benchmark.BLOCKS_PER_ROUND * compiled["rounds"]  # each block over its eager one
        assert all(math.isfinite(r) and r > 0 for r in by_block)
        # the fastest compiled block over the fastest eager block of a round lies within that round's pairs
        for r, (ms, eager_ms) in enumerate(zip(compiled["samples_ms"], eager)):
            pairs = by_block[r * benchmark.BLOCKS_PER_ROUND:(r + 1) * benchmark.BLOCKS_PER_ROUND]
            assert min(pairs) <= ms / eager_ms * (1 + 1e-9) and ms / eager_ms <= max(pairs) * (1 + 1e-9)
    plain = next(r for r in extra["rows"] if r["optimizer"] == "snippets Yogi")
    assert plain["compiled_vs_eager"] is None and plain["eager_samples_ms"] is None
    floors = {c["check"] for c in extra["floors"]}
    assert "snippets Yogi (compiled step) ≤ 1.0× snippets Yogi at 6" in floors


def test_the_peer_floor_is_judged_on_the_measured_times():
    rows = [{"case": 10_000_000, "params": 10_000_000, "optimizer": "snippets Yogi", "ms": 6.0, "ratio": 1.2,
             "ratios": [1.2] * 5},
            {"case": 10_000_000, "params": 10_000_000, "optimizer": benchmark.PEER, "ms": 12.0, "ratio": 2.4},
            {"case": 10_000_000, "params": 10_000_000, "optimizer": benchmark.BASELINE, "ms": 5.0, "ratio": 1.0}]
    checks = {c["check"]: c for c in benchmark.check_floors({"device": "cpu", "rows": rows})}
    assert {c["limit"]: c["met"] for c in checks.values()} == {1.5: True, 3.0: False}  # the peer only 2× slower
    assert benchmark.check_floors({"device": "cuda", "rows": rows}) == []


def test_the_gpt2_like_list_and_the_tiny_tensor_case():
    shapes = benchmark.shapes("gpt2")
    assert len(shapes) == 148 and sum(math.prod(s) for s in shapes) == 124_439_808  # GPT-2 small's 124 M
    assert shapes[:2] == [(50257, 768), (1024, 768)] and shapes.count((768, 3072)) == 12
    assert benchmark.shapes("2000x100") == [(100,)] * 2000
    assert [benchmark._size(t) for t in ("gpt2", "GPT2", "2000x100", "20 x 3")] == ["gpt2", "gpt2", "2000x100", "20x3"]


@pytest.mark.slow
def test_a_large_case_keeps_the_baseline_and_one_other_alive_and_pairs_their_blocks(monkeypatch):
    monkeypatch.setattr(benchmark, "LOW_MEMORY_BYTES", 1)  # every case counts as large here
    alive, peak = [], []
    real = benchmark.optimizers

    def counting(*args, **kwargs):
        table = real(*args, **kwargs)

        def wrap(factory):
            def make(params):
                opt = factory(params)
                alive.append(weakref.ref(opt))
                peak.append(sum(1 for ref in alive if ref() is not None))
                return opt
            return make
        return {name: wrap(f) for name, f in table.items()}

    monkeypatch.setattr(benchmark, "optimizers", counting)
    result = benchmark.run_benchmark("cpu", sizes=("20x10",), repeats=5, warmup=1)
    rows = {r["optimizer"]: r for r in result["rows"]}
    assert set(rows) == EXPECTED
    rounds = len(rows[benchmark.BASELINE]["samples_ms"])
    assert len(alive) == 1 + (len(EXPECTED) - 1) * rounds  # the baseline once, the others in every round
    assert max(peak) == 2  # the baseline and the one being timed: the one before was freed
    base = rows[benchmark.BASELINE]
    for name, r in rows.items():
        paired = r["baseline_samples_ms"]
        assert r["ratios"] == pytest.approx([a / b for a, b in zip(r["samples_ms"], paired)], rel=1e-12)
        if name != benchmark.BASELINE:  # its own baseline blocks, not the baseline row's summary
            assert paired != base["samples_ms"]
    # the baseline row's time in a round: the median of its blocks beside the others
    for i, t in enumerate(base["samples_ms"]):
        beside = [r["baseline_samples_ms"][i] for name, r in rows.items() if name != benchmark.BASELINE]
        assert t == statistics.median(beside)
    assert base["ratios"] == [1.0] * rounds


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
        (dict(sizes=("0x5",)), "Invalid size: '0x5'"),
        (dict(sizes=("gpt3",)), "Invalid size: 'gpt3'"),
        (dict(threads=0), "Invalid threads: 0"),
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
