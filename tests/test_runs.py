"""snippets/runs.py: the runs the pages show are the book's runs, deterministic, and are what the
build calls (hooks/figures.py goes through these functions)."""
import pytest

from snippets import runs
from snippets.counterexample import METHODS
from snippets.data import load_airfoil
from snippets.moments import spike_traces


@pytest.fixture(scope="module")
def data():
    return load_airfoil(allow_synthetic=True)


@pytest.mark.parametrize(
    "run, epochs",
    [(runs.adam_from_scratch, 2), (runs.adam_concise, 4), (runs.yogi_from_scratch, 2), (runs.yogi_dropin, 2)],
)
def test_training_runs_have_the_books_length_and_repeat_exactly(run, epochs, data):
    first, second = run(data), run(data)
    assert first.losses == second.losses  # same seed, same CPU: same numbers
    assert 1500 * epochs // 200 == len(first.losses)  # a loss every 200 examples
    assert first.epochs[-1] == pytest.approx(len(first.losses) * 200 / 1500)  # x-axis in epochs
    assert first.losses[-1] < first.losses[0]  # it learns (the first loss is after 200 examples)


def test_counterexample_compares_the_three_methods():
    trajectories = runs.counterexample(steps=600)
    assert list(trajectories) == list(METHODS)
    assert trajectories["adam"].xs[-1] > 0.9 and trajectories["amsgrad"].xs[-1] < -0.9


def test_spikes_and_bias_correction_state_their_arguments():
    assert runs.spikes() == spike_traces()  # the page's explicit arguments are the defaults
    means = runs.bias_correction_means()
    assert len(means["t"]) == len(means["v_hat"]) == 50
    assert means["v_hat"][0] == pytest.approx(means["mean_g"], abs=0.1)
    assert means["v"][0] == pytest.approx(0.1 * means["mean_g"], abs=0.01)  # (1 − β1)·E[g] at t = 1


@pytest.mark.slow
def test_small_benchmark_is_a_markdown_table():
    table = runs.small_benchmark("cpu")
    assert table.splitlines()[0].startswith("| parameters |") and "snippets Yogi" in table
