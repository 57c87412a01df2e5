"""The exercise solutions of the Yogi chapter (snippets/exercises_yogi.py): each section runs on its
own, is shown by both language versions of the page, and shows what the page says it shows."""
import math
import re
from pathlib import Path

import pytest
import torch

from snippets import exercises_yogi as ex

ROOT = Path(__file__).resolve().parents[1]
SOURCE = (ROOT / "snippets" / "exercises_yogi.py").read_text(encoding="utf-8")
SECTIONS = ["rare-gradient", "lr-eps", "bias-correction-heuristic"]
MARK = re.compile(r"^# --8<-- \[(start|end):([a-z0-9-]+)\]$", re.MULTILINE)


def sections(source):
    out, open_name, start = {}, None, 0
    for m in MARK.finditer(source):
        kind, name = m.groups()
        if kind == "start":
            assert open_name is None, f"{name} opens inside {open_name}"
            open_name, start = name, m.end()
        else:
            assert name == open_name, f"end:{name} closes {open_name}"
            out[name], open_name = source[start : m.start()], None
    assert open_name is None
    return out


# --- the sections and the pages -----------------------------------------------------------------


def test_sections_run_alone_when_copied():
    """Each section is self-contained: it defines its functions with nothing but its own imports."""
    found = sections(SOURCE)
    assert list(found) == SECTIONS
    for name, body in found.items():
        namespace = {"__name__": f"copied_{name}"}
        exec(compile(body, f"exercises_yogi.py:{name}", "exec"), namespace)
        assert all(imported in ("math", "torch") for imported in re.findall(r"^import (\w+)", body, re.MULTILINE))
    namespace = {}
    exec(sections(SOURCE)["bias-correction-heuristic"], namespace)
    assert namespace["corrected_second_moments"](steps=3)[0] == pytest.approx([1.0, 1.0, 1.0])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_both_pages_show_every_solution_under_exercises(lang):
    page = (ROOT / "docs" / lang / "yogi.md").read_text(encoding="utf-8")
    exercises = page[page.index("{ #exercises }"):]
    shown = re.findall(r'--8<-- "snippets/exercises_yogi\.py:([a-z0-9-]+)"', exercises)
    assert shown == SECTIONS
    assert exercises.count("??? question") == len(SECTIONS) == exercises.count("??? success")


# --- exercise 1: a problem where Adam fails and Yogi converges ----------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_adam_ends_far_from_the_optimum_and_yogi_at_it(seed):
    C, delta, steps = 20.0, 0.5, 20_000
    run = ex.rare_gradient_problem(C=C, delta=delta, steps=steps, seed=seed)
    g = torch.tensor(run["g"], dtype=torch.float64)
    assert set(run["g"]) == {C, -1.0}
    # The expected gradient is δ > 0 (so x = −1 is optimal); the sample mean agrees within 4 standard errors.
    p = (1 + delta) / (C + 1)
    assert abs(g.mean().item() - delta) < 4 * math.sqrt(p * (1 - p)) * (C + 1) / math.sqrt(steps)
    tail = steps // 10
    x_adam, x_yogi = run["x_adam"][-tail:], run["x_yogi"][-tail:]
    assert min(x_adam) > 0.5, "Adam should sit near the worst point +1, far from the optimum −1"
    assert max(x_yogi) < -0.9, "Yogi should sit at the optimum −1"
    # Why: between two large gradients Adam's s decays toward the small gradients' scale (1), often to
    # within a few units, so the −1 steps are nearly full size; Yogi's s never leaves the band around C².
    s_adam, s_yogi = run["s_adam"][steps // 2 :], run["s_yogi"][steps // 2 :]
    assert sorted(s_adam)[len(s_adam) // 10] < 0.02 * C**2
    assert 0.8 * C**2 < min(s_yogi) and max(s_yogi) < 1.2 * C**2
    assert abs(sum(s_yogi) / len(s_yogi) - C**2) < 0.02 * C**2
    # Summed over the run, Adam's normalized steps up (g = −1) outweigh its steps down (g = C).
    up = sum(1 / math.sqrt(s) for g, s in zip(run["g"], run["s_adam"]) if g < 0)
    down = sum(C / math.sqrt(s) for g, s in zip(run["g"], run["s_adam"]) if g > 0)
    assert up > 1.3 * down


def test_both_methods_see_the_same_stream_and_the_same_first_step():
    run = ex.rare_gradient_problem(steps=50, seed=3)
    assert len(run["x_adam"]) == len(run["x_yogi"]) == len(run["g"]) == 50
    assert run["x_adam"][0] == run["x_yogi"][0] == 0.0
    # From s_0 = 0 both methods set s_1 = (1 − β2)·g_1², so their first steps agree.
    assert run["s_adam"][0] == pytest.approx(run["s_yogi"][0]) and run["x_adam"][1] == pytest.approx(run["x_yogi"][1])


@pytest.mark.parametrize("seed", range(3))
def test_a_minibatch_of_four_lets_adam_reach_the_optimum(seed):
    """The Yogi page (Zaheer et al.'s result): averaging 4 draws per step is enough here."""
    tail = 2000
    one = ex.rare_gradient_problem(steps=20_000, seed=seed)
    four = ex.rare_gradient_problem(steps=20_000, seed=seed, batch=4)
    assert min(one["x_adam"][-tail:]) > 0.5  # one draw per step: Adam ends near +1
    assert sum(four["x_adam"][-tail:]) / tail < -0.95  # four: near the optimum −1
    assert sum(four["x_yogi"][-tail:]) / tail < -0.95
    g = torch.tensor(four["g"], dtype=torch.float64)
    assert abs(g.mean().item() - 0.5) < 0.1  # the same expected gradient δ = 0.5 ...
    assert g.var().item() < 0.3 * torch.tensor(one["g"], dtype=torch.float64).var().item()  # ... 1/4 the variance


def test_batch_1_is_the_one_draw_problem():
    run = ex.rare_gradient_problem(steps=200, seed=4, batch=1)
    assert set(run["g"]) == {20.0, -1.0}
    four = ex.rare_gradient_problem(steps=200, seed=4, batch=4)
    assert all(round(4 * g) == 4 * g for g in four["g"])  # means of 4 draws of C = 20 or −1
    assert set(four["g"]) - {(20.0 * k - (4 - k)) / 4 for k in range(5)} == set()


# --- exercise 2: learning rate and ε ------------------------------------------------------------


@pytest.fixture(scope="module")
def sweep():
    return ex.yogi_lr_eps_sweep(lrs=(1e-3, 1e-2, 1e-1, 1.0), epss=(1e-8, 1e-3, 1e-1, 10.0))


def test_a_tiny_learning_rate_cannot_travel_far_enough(sweep):
    assert sweep[(1e-3, 1e-3)] > 10 * sweep[(1e-2, 1e-3)]
    _, _, b = ex.train_yogi(lr=1e-3, eps=1e-3)
    assert 0 < b.item() < 1e-3 * 1500 < 4.2  # about η per step at most: the intercept 4.2 is out of reach


def test_a_large_learning_rate_keeps_jittering(sweep):
    assert sweep[(1.0, 1e-3)] > 1.2 * sweep[(1e-2, 1e-3)]
    def late_spread(lr):  # how much the loss still moves over the second half of the run
        losses, _, _ = ex.train_yogi(lr=lr, eps=1e-3)
        late = losses[len(losses) // 2 :]
        return max(late) - min(late)

    assert late_spread(1.0) > 10 * late_spread(1e-2)  # normalized steps of size ~η never settle down


def test_eps_below_sqrt_s_hat_changes_little_while_the_iterate_settles(sweep):
    """The page: for η ≤ 0.1, ε = 1e-8, 1e-3 and 1e-1 end within 3% of each other."""
    for lr in (1e-3, 1e-2, 1e-1):
        for eps in (1e-3, 1e-1):
            assert sweep[(lr, eps)] == pytest.approx(sweep[(lr, 1e-8)], rel=0.03), (lr, eps)
    assert sweep[(1e-2, 1e-1)] == pytest.approx(sweep[(1e-2, 1e-8)], rel=1e-3)  # "the same at 0.01"


def test_at_eta_1_the_final_loss_depends_on_eps_already_at_0_1(sweep):
    """The counter-case the page quotes (0.202, 0.203, 0.268): the iterate keeps jumping,
    the last loss is one sample of a wide spread, and ε = 0.1 ends elsewhere."""
    for eps, quoted in ((1e-8, 0.202), (1e-3, 0.203), (1e-1, 0.268)):
        assert sweep[(1.0, eps)] == pytest.approx(quoted, abs=0.005), eps
    assert sweep[(1.0, 1e-3)] == pytest.approx(sweep[(1.0, 1e-8)], rel=0.01)
    assert sweep[(1.0, 1e-1)] > 1.2 * sweep[(1.0, 1e-8)]
    late = {eps: ex.train_yogi(lr=1.0, eps=eps)[0][15:] for eps in (1e-8, 1e-1)}  # steps 800..1500
    assert min(late[1e-8]) == pytest.approx(0.2, abs=0.05)  # "between about 0.2 and 1.7"
    assert max(late[1e-8]) == pytest.approx(1.7, abs=0.2)
    assert max(late[1e-1]) > 4 * min(late[1e-1])
    # averaged over the second half, the larger ε even lowers the loss a little: it damps the jumps
    mean = {eps: sum(losses) / len(losses) for eps, losses in late.items()}
    assert mean[1e-1] < mean[1e-8]


def test_eps_far_above_sqrt_s_hat_turns_yogi_into_momentum_sgd_with_rate_lr_over_eps(sweep):
    assert sweep[(1e-2, 10.0)] > 5 * sweep[(1e-2, 1e-3)]  # η/ε = 1e-3: too slow
    assert sweep[(1.0, 10.0)] < sweep[(1.0, 1e-3)]  # η/ε = 0.1: the jitter is gone
    _, w1, b1 = ex.train_yogi(lr=10.0, eps=1e3, steps=600)
    _, w2, b2 = ex.train_yogi(lr=100.0, eps=1e4, steps=600)
    assert torch.allclose(w1, w2, rtol=0, atol=1e-4) and torch.allclose(b1, b2, rtol=0, atol=1e-4)


# --- exercise 3: the bias correction is a heuristic for Yogi ------------------------------------


def test_bias_correction_is_exact_for_adam_and_overshoots_for_yogi():
    beta2, c, steps = 0.999, 2.5, 3000
    adam, yogi = ex.corrected_second_moments(c=c, beta2=beta2, steps=steps)
    assert adam == pytest.approx([c] * steps, rel=1e-12)
    assert yogi[0] == pytest.approx(c, rel=1e-12)
    t_star = round(1 / (1 - beta2))
    for t in (2, 10, 500, t_star):
        assert yogi[t - 1] == pytest.approx(t * (1 - beta2) * c / (1 - beta2**t), rel=1e-9)
    peak = max(range(steps), key=yogi.__getitem__) + 1
    assert abs(peak - t_star) <= 1
    assert yogi[peak - 1] / c == pytest.approx(1 / (1 - math.exp(-1)), rel=1e-3)
    assert yogi[-1] == pytest.approx(c / (1 - beta2**steps), rel=1e-6)  # back toward c as 1 − β2ᵗ → 1
