"""snippets/exercises_adam.py: the Adam chapter's exercise solutions claim what they show.

Each training test runs on the real airfoil data (when the file is at hand) and on the synthetic
stand-in, so the claims do not hang on one data set.
"""
import math
import re
import textwrap
from pathlib import Path

import pytest
import torch

from snippets import exercises_adam as ex
from snippets.data import Airfoil, AirfoilUnavailable, load_airfoil, synthetic_airfoil
from snippets.moments import moment_estimates

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "snippets" / "exercises_adam.py"


@pytest.fixture(scope="module", params=["airfoil", "synthetic"])
def data(request):
    if request.param == "synthetic":
        return Airfoil(*synthetic_airfoil(), "synthetic", None)
    try:
        return load_airfoil(allow_synthetic=False)
    except AirfoilUnavailable:
        pytest.skip("the airfoil file is not available (set ADAM_YOGI_DATA_DIR)")


# --- exercise 1: the learning rate -------------------------------------------------------------


@pytest.fixture(scope="module")
def sweep(data):
    return ex.lr_sweep(lrs=(0.001, 0.01, 0.03, 0.1, 0.3), num_epochs=4, data=data)


@pytest.mark.slow  # a long run: the full suite runs it, the quick loop does not
def test_the_jitter_grows_with_eta_at_every_step_of_the_sweep(sweep):
    jitter = [sweep[lr]["jitter"] for lr in (0.001, 0.01, 0.03, 0.1, 0.3)]
    assert all(a < b for a, b in zip(jitter, jitter[1:])), jitter
    assert jitter[-1] > 20 * jitter[1], jitter  # "tens of times" that of η = 0.01
    spreads = [sweep[lr]["std"] for lr in (0.01, 0.03, 0.1, 0.3)]
    assert all(a < b for a, b in zip(spreads, spreads[1:])), spreads  # from η = 0.01 on, std too


@pytest.mark.slow  # a long run: the full suite runs it, the quick loop does not
def test_at_eta_0_001_the_spread_is_the_trend_not_jitter(sweep):
    """The page: η = 0.001 has a std several times that of η = 0.01 (0.0079 vs 0.0014 on the
    airfoil data), because its loss is still falling; about the trend it barely moves."""
    slow, best = sweep[0.001], sweep[0.01]
    assert slow["std"] > 3 * best["std"], (slow, best)
    assert slow["jitter"] < slow["std"] / 4, slow
    assert slow["jitter"] == min(r["jitter"] for r in sweep.values())


@pytest.mark.slow  # a long run: the full suite runs it, the quick loop does not
def test_too_small_and_too_large_learning_rates_both_end_higher(sweep):
    best = sweep[0.01]["mean"]
    assert min(r["mean"] for r in sweep.values()) == best
    assert sweep[0.001]["mean"] > best + 0.01  # still on its way down after 4 epochs
    assert sweep[0.3]["mean"] > best + 0.05  # bouncing around the minimum
    assert sweep[0.1]["mean"] > sweep[0.03]["mean"] > best  # larger η settles higher


@pytest.mark.slow  # a long run: the full suite runs it, the quick loop does not
def test_moderately_larger_learning_rates_drop_faster_at_first(sweep):
    assert sweep[0.03]["first"] < sweep[0.01]["first"] < sweep[0.001]["first"]
    assert sweep[0.1]["first"] < sweep[0.01]["first"]


# --- exercise 2: moments that need no bias correction -------------------------------------------


@pytest.fixture(scope="module")
def streams():
    generator = torch.Generator().manual_seed(1)
    return 1 + torch.randn(4000, 120, generator=generator, dtype=torch.float64)  # g ~ N(1, 1)


@pytest.mark.parametrize("power,beta", [(1, 0.9), (2, 0.999)], ids=["v", "s"])
def test_zero_start_is_the_bias_corrected_moment_of_snippets_moments(streams, power, beta):
    zero_start, _, _ = ex.moment_estimates_three_ways(streams**power, beta)
    v, s, v_hat, s_hat = moment_estimates(streams, beta1=beta, beta2=beta)
    torch.testing.assert_close(zero_start, v_hat if power == 1 else s_hat, rtol=1e-14, atol=0)


@pytest.mark.parametrize("power,beta", [(1, 0.9), (2, 0.999)], ids=["v", "s"])
def test_the_weighted_update_equals_bias_correction_at_every_step(streams, power, beta):
    zero_start, _, weighted = ex.moment_estimates_three_ways(streams**power, beta)
    torch.testing.assert_close(weighted, zero_start, rtol=1e-12, atol=1e-14)
    # and its start does not matter: α_1 = 1 overwrites whatever w_0 was
    torch.testing.assert_close(weighted[:, 0], (streams**power)[:, 0], rtol=1e-15, atol=0)


@pytest.mark.parametrize("power,beta", [(1, 0.9), (2, 0.999)], ids=["v", "s"])
def test_starting_at_the_first_gradient_equals_the_corrected_estimate_at_t1_and_is_unbiased(streams, power, beta):
    x = streams**power
    zero_start, first_value, _ = ex.moment_estimates_three_ways(x, beta)
    torch.testing.assert_close(first_value[:, 0], zero_start[:, 0], rtol=1e-15, atol=0)
    assert not torch.allclose(first_value[:, 1], zero_start[:, 1])  # a different estimator from t = 2 on
    truth = 1.0 if power == 1 else 2.0  # E[g] = μ = 1, E[g²] = μ² + σ² = 2
    for t in (1, 2, 5, 10, 50, 120):
        column = first_value[:, t - 1]
        standard_error = column.std().item() / math.sqrt(len(column))
        assert abs(column.mean().item() - truth) < 5 * standard_error, (t, column.mean().item())


def test_starting_at_the_first_gradient_stays_close_for_v_and_leans_on_g1_for_s(streams):
    zero_v, first_v, _ = ex.moment_estimates_three_ways(streams, 0.9)
    gap = (first_v - zero_v).abs().amax(dim=0)  # over the streams, per step
    assert gap[1] > 0.1 and gap[99] < 1e-3 and gap[119] < gap[99]  # the gap dies out like β1ᵗ
    zero_s, first_s, _ = ex.moment_estimates_three_ways(streams**2, 0.999)
    # with β2 = 0.999 the first value keeps weight 0.999ᵗ⁻¹ ≈ 1 for hundreds of steps: far noisier
    assert first_s[:, 9].std() > 2 * zero_s[:, 9].std()
    assert first_s[:, 99].std() > 5 * zero_s[:, 99].std()


def test_compare_prints_and_returns_both_moments(capsys):
    out = ex.compare(steps=20, streams=100)
    assert set(out) == {"v", "s"} and all(e.shape == (100, 20) for e in out["v"])
    assert "max |weighted − zero_start|" in capsys.readouterr().out


# --- exercise 3: lowering the learning rate ---------------------------------------------------


def test_a_decaying_learning_rate_ends_lower_and_quieter(data):
    result = ex.constant_vs_decayed(lr0=0.1, num_epochs=4, data=data)
    (const_mean, const_std), (decay_mean, decay_std) = result["constant"], result["decayed"]
    assert decay_std < const_std / 10, result  # "an order of magnitude or more"
    assert decay_mean < const_mean - 0.01, result


def test_the_decayed_trainer_sets_eta_over_sqrt_t_before_each_step(monkeypatch):
    seen = []
    monkeypatch.setattr(ex, "adam", lambda params, states, hp: (seen.append((hp["t"], hp["lr"])), hp.update(t=hp["t"] + 1)))
    trainer, hp = ex.adam_with_decay(0.5), {"lr": 0.5, "t": 1}
    for _ in range(4):
        trainer([], [], hp)
    assert seen == [(t, 0.5 / math.sqrt(t)) for t in (1, 2, 3, 4)]


# --- every solution runs with the names the page defines before it --------------------------------


def _sections():
    text = SOURCE.read_text(encoding="utf-8")
    found = re.findall(r"^[ ]*# --8<-- \[start:([\w-]+)\]\n(.*?)^[ ]*# --8<-- \[end:\1\]", text, flags=re.S | re.M)
    return {name: textwrap.dedent(code) for name, code in found}


SOLUTIONS = ["lr-sweep", "no-bias-correction", "lr-decay"]


def test_each_section_runs_with_the_names_the_chapter_defines_before_it(data):
    sections = {name: code for name, code in _sections().items() if not name.endswith("-run")}
    assert list(sections) == SOLUTIONS
    calls = {
        "lr-sweep": lambda ns: ns["lr_sweep"](lrs=(0.01,), num_epochs=2, data=data),
        "no-bias-correction": lambda ns: ns["compare"](steps=5, streams=10),
        "lr-decay": lambda ns: ns["constant_vs_decayed"](num_epochs=2, data=data),
    }
    for name, code in sections.items():
        # a fresh namespace holding only what the Adam page's code defines before the exercises
        namespace = {"__name__": f"copied_{name}", "adam": ex.adam, "init_adam_states": ex.init_adam_states,
                     "train_ch11": ex.train_ch11, "load_airfoil": ex.load_airfoil}
        exec(compile(code, f"<section {name}>", "exec"), namespace)
        assert calls[name](namespace)


# --- the build runs every solution and shows its output ------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_each_solution_is_followed_by_its_run_and_an_output_inside_its_box(lang):
    page = (ROOT / "docs" / lang / "adam.md").read_text(encoding="utf-8")
    exercises = page[page.index("{ #exercises }"):]
    shown = re.findall(r'--8<-- "snippets/exercises_adam\.py:([a-z0-9-]+)"', exercises)
    assert shown == [name for solution in SOLUTIONS for name in (solution, f"{solution}-run")]
    for solution in SOLUTIONS:
        after = exercises.split(f'exercises_adam.py:{solution}-run"', 1)[1]
        assert re.match(r"\n {8}```\n\n {8}<!-- output -->\n", after), solution
    assert "tests/" not in page  # no prose sends readers to the test files


def test_the_run_sections_call_every_solution_and_print():
    sections = _sections()
    assert [n for n in sections if n.endswith("-run")] == [f"{s}-run" for s in SOLUTIONS]
    assert "lr_sweep(data=data)" in sections["lr-sweep-run"]
    assert "compare(steps=100, streams=4000)" in sections["no-bias-correction-run"]
    assert "constant_vs_decayed(lr0=0.1, data=data)" in sections["lr-decay-run"]


def test_the_printed_spreads_of_exercise_2(capsys):
    """The page: all three means agree; at t = 100 the estimate of s started at g₁² is about as spread
    as one sample, the corrected one about ten times narrower."""
    out = ex.compare(steps=100, streams=4000)
    zero_s, first_s, _ = out["s"]
    one_sample = zero_s[:, 0].std()  # ŝ_1 = g₁²
    assert first_s[:, 99].std() > 0.8 * one_sample
    assert 7 < one_sample / zero_s[:, 99].std() < 13
    for name, truth in (("v", 1.0), ("s", 2.0)):
        for estimate in out[name]:
            for t in (1, 10, 100):
                column = estimate[:, t - 1]
                assert abs(column.mean().item() - truth) < 5 * column.std().item() / math.sqrt(len(column))
