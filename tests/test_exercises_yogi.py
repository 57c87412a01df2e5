"""The exercise solutions of the Yogi chapter (snippets/exercises_yogi.py): each section runs on its
own, is shown by both language versions of the page, and shows what the page says it shows."""
import contextlib
import io
import math
import re
from pathlib import Path

import pytest
import torch

from snippets import exercises_yogi as ex

from test_snippet_sections import sections

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "snippets" / "exercises_yogi.py"
SOLUTIONS = ["rare-gradient", "lr-eps", "bias-correction-heuristic"]
# each solution, then the run the page shows after it (the build runs it and shows its output)
SECTIONS = [name for solution in SOLUTIONS for name in (solution, f"{solution}-run")]
NUMBER = r"([-+]?\d+(?:\.\d+)?)"


# --- the sections and the pages -----------------------------------------------------------------


def test_sections_run_alone_when_copied():
    """Each solution is self-contained: it defines its functions with nothing but its own imports;
    its run needs only what the solution defines."""
    found = sections(SOURCE)
    assert list(found) == SOLUTIONS + [f"{name}-run" for name in SOLUTIONS]  # the runs under __main__
    for name in SOLUTIONS:
        body = found[name]
        namespace = {"__name__": f"copied_{name}"}
        exec(compile(body, f"exercises_yogi.py:{name}", "exec"), namespace)
        assert all(imported in ("math", "torch") for imported in re.findall(r"^import (\w+)", body, re.MULTILINE))
        assert "import" not in found[f"{name}-run"]
    namespace = {}
    exec(found["bias-correction-heuristic"], namespace)
    assert namespace["corrected_second_moments"](steps=3)[0] == pytest.approx([1.0, 1.0, 1.0])


def _solution_boxes(lang):
    page = (ROOT / "docs" / lang / "yogi.md").read_text(encoding="utf-8")
    exercises = page[page.index("{ #exercises }"):]
    return exercises, exercises.split("??? question")[1:]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_both_pages_show_and_run_every_solution_under_exercises(lang):
    exercises, questions = _solution_boxes(lang)
    shown = re.findall(r'--8<-- "snippets/exercises_yogi\.py:([a-z0-9-]+)"', exercises)
    assert shown == SECTIONS
    assert len(questions) == len(SOLUTIONS) == exercises.count("??? success")
    for solution, box in zip(SOLUTIONS, questions):
        inside = box[box.index("    ??? success"):]  # the collapsed solution, indented 8 columns
        run = (f'        ```python\n        --8<-- "snippets/exercises_yogi.py:{solution}-run"\n'
               "        ```\n\n        <!-- output -->\n")
        assert run in inside, f"{lang}: {solution}-run and its output inside the solution box"
        assert inside.index(f'exercises_yogi.py:{solution}"') < inside.index(run)


@pytest.fixture(scope="module")
def printed():
    """What each run prints when the page runs it: after its solution, in page order."""
    found = sections(SOURCE)
    namespace, out = {"__name__": "yogi_page"}, {}
    for name in SOLUTIONS:
        exec(found[name], namespace)
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            exec(found[f"{name}-run"], namespace)
        out[name] = buffer.getvalue().splitlines()
    return out


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


@pytest.mark.slow  # a long run: the full suite runs it, the quick loop does not
def test_what_exercise_1_prints_is_what_its_solution_says(printed):
    """The page: the sample mean of the gradients is positive; over the last 2000 steps Adam's x is
    never below 0.88 and Yogi's within 0.02 of −1; Adam's s falls back to about 1, Yogi's stays
    within about 10% of C² = 400."""
    lines = printed["rare-gradient"]
    assert len(lines) == 4
    mean = float(re.fullmatch(rf"mean gradient {NUMBER}", lines[0]).group(1))
    run = ex.rare_gradient_problem()
    assert mean == pytest.approx(sum(run["g"]) / len(run["g"]), abs=5e-4) and mean > 0
    row = re.compile(rf"(adam|yogi): last 2000 steps x in \[{NUMBER}, {NUMBER}\], s in \[{NUMBER}, {NUMBER}\]")
    values = {m.group(1): [float(v) for v in m.groups()[1:]] for m in map(row.fullmatch, lines[1:3])}
    (x_lo, x_hi, s_lo, s_hi), tail = values["adam"], slice(-2000, None)
    assert (x_lo, x_hi, s_lo, s_hi) == (
        pytest.approx(min(run["x_adam"][tail]), abs=5e-4), pytest.approx(max(run["x_adam"][tail]), abs=5e-4),
        pytest.approx(min(run["s_adam"][tail]), abs=0.05), pytest.approx(max(run["s_adam"][tail]), abs=0.05))
    assert x_lo >= 0.88 and x_hi <= 1.0 and 0.9 < s_lo < 1.2
    x_lo, x_hi, s_lo, s_hi = values["yogi"]
    assert x_lo == -1.0 and -1 < x_hi < -0.98
    assert max(abs(min(run["x_yogi"][tail]) + 1), abs(max(run["x_yogi"][tail]) + 1)) < 0.02
    assert 0.88 * 400 < s_lo and s_hi < 1.12 * 400 and s_lo < 0.92 * 400  # "within about 10%"
    # The Yogi page's experiment: with each gradient a mean of 4 draws Adam ends near −1, not +1.
    x_lo, x_hi = map(float, re.fullmatch(rf"adam, batch 4: last 2000 steps x in \[{NUMBER}, {NUMBER}\]", lines[3]).groups())
    four = ex.rare_gradient_problem(batch=4)["x_adam"][tail]
    assert (x_lo, x_hi) == (pytest.approx(min(four), abs=5e-4), pytest.approx(max(four), abs=5e-4))
    assert x_hi < -0.9


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


@pytest.mark.slow  # a long run: the full suite runs it, the quick loop does not
def test_a_tiny_learning_rate_cannot_travel_far_enough(sweep):
    assert sweep[(1e-3, 1e-3)] > 10 * sweep[(1e-2, 1e-3)]
    _, _, b = ex.train_yogi(lr=1e-3, eps=1e-3)
    assert 0 < b.item() < 1e-3 * 1500 < 4.2  # about η per step at most: the intercept 4.2 is out of reach


@pytest.mark.slow  # a long run: the full suite runs it, the quick loop does not
def test_the_shortened_run_is_a_corner_of_the_full_sweep(printed, sweep):
    """The page runs 6 of the 16 pairs (η ∈ {1e-2, 1}, ε ∈ {1e-3, 1e-1, 10}), 1500 steps each; the
    numbers match the full sweep, which the defaults of yogi_lr_eps_sweep run."""
    import inspect

    defaults = {k: p.default for k, p in inspect.signature(ex.yogi_lr_eps_sweep).parameters.items()}
    assert defaults == {"lrs": (1e-3, 1e-2, 1e-1, 1.0), "epss": (1e-8, 1e-3, 1e-1, 10.0), "steps": 1500, "seed": 0}
    assert inspect.signature(ex.train_yogi).parameters["steps"].default == 1500
    header, *rows = printed["lr-eps"]
    assert header.split() == ["final", "loss", "ε", "=", "0.001", "ε", "=", "0.1", "ε", "=", "10"]
    table = {}
    for row, lr in zip(rows, (1e-2, 1.0), strict=True):
        label, *losses = row.split("=")[1].split()
        assert float(label) == lr
        table.update({(lr, eps): float(v) for eps, v in zip((1e-3, 1e-1, 10.0), losses, strict=True)})
    assert table == {pair: pytest.approx(sweep[pair], abs=5e-4) for pair in table}
    # what the list under the output reads off it
    assert table[1e-2, 1e-3] == table[1e-2, 1e-1] == 0.131  # ε below √ŝ: the same at η = 0.01
    assert table[1.0, 1e-3] > table[1e-2, 1e-3]  # η = 1 ends higher
    assert (table[1.0, 1e-3], table[1.0, 1e-1]) == (0.203, 0.268)  # the counter-case at η = 1
    assert table[1e-2, 10.0] > 10 * table[1e-2, 1e-3] and table[1.0, 10.0] < table[1.0, 1e-3]


@pytest.mark.slow  # a long run: the full suite runs it, the quick loop does not
def test_eta_1e_3_ends_near_8_7_against_0_13_at_1e_2(sweep):
    assert sweep[(1e-3, 1e-3)] == pytest.approx(8.7, abs=0.05)
    assert sweep[(1e-2, 1e-3)] == pytest.approx(0.13, abs=0.005)


@pytest.mark.slow  # a long run: the full suite runs it, the quick loop does not
def test_a_large_learning_rate_keeps_jittering(sweep):
    assert sweep[(1.0, 1e-3)] > 1.2 * sweep[(1e-2, 1e-3)]
    def late_spread(lr):  # how much the loss still moves over the second half of the run
        losses, _, _ = ex.train_yogi(lr=lr, eps=1e-3)
        late = losses[len(losses) // 2 :]
        return max(late) - min(late)

    assert late_spread(1.0) > 10 * late_spread(1e-2)  # normalized steps of size ~η never settle down


@pytest.mark.slow  # a long run: the full suite runs it, the quick loop does not
def test_eps_below_sqrt_s_hat_changes_little_while_the_iterate_settles(sweep):
    """The page: for η ≤ 0.1, ε = 1e-8, 1e-3 and 1e-1 end within 3% of each other."""
    for lr in (1e-3, 1e-2, 1e-1):
        for eps in (1e-3, 1e-1):
            assert sweep[(lr, eps)] == pytest.approx(sweep[(lr, 1e-8)], rel=0.03), (lr, eps)
    assert sweep[(1e-2, 1e-1)] == pytest.approx(sweep[(1e-2, 1e-8)], rel=1e-3)  # "the same at 0.01"


@pytest.mark.slow  # a long run: the full suite runs it, the quick loop does not
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


@pytest.mark.slow  # a long run: the full suite runs it, the quick loop does not
def test_eps_far_above_sqrt_s_hat_turns_yogi_into_momentum_sgd_with_rate_lr_over_eps(sweep):
    assert sweep[(1e-2, 10.0)] > 5 * sweep[(1e-2, 1e-3)]  # η/ε = 1e-3: too slow
    assert sweep[(1.0, 10.0)] < sweep[(1.0, 1e-3)]  # η/ε = 0.1: the jitter is gone
    # "over the second half of the run the loss moves by less than 0.01, against about 1.5 with ε = 1e-3"
    late = {eps: ex.train_yogi(lr=1.0, eps=eps)[0][15:] for eps in (10.0, 1e-3)}
    assert max(late[10.0]) - min(late[10.0]) < 0.01
    assert max(late[1e-3]) - min(late[1e-3]) == pytest.approx(1.5, abs=0.1)
    _, w1, b1 = ex.train_yogi(lr=10.0, eps=1e3)  # the page's train_yogi(10, 1e3), 1500 steps
    _, w2, b2 = ex.train_yogi(lr=100.0, eps=1e4)
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


@pytest.mark.slow  # a long run: the full suite runs it, the quick loop does not
def test_what_exercise_3_prints(printed):
    """Adam's ŝ is c = 1 at every step shown; Yogi's starts at 1, peaks at about 1.58 at t = 1000
    (1/(1 − e⁻¹) at t = 1/(1 − β2)), is back near 1.05 at t = 3000; the steps are up to about 20%
    too short."""
    *rows, last = printed["bias-correction-heuristic"]
    row = re.compile(rf"t = +(\d+) +Adam ŝ = {NUMBER} +Yogi ŝ = {NUMBER}")
    table = {int(t): (float(a), float(y)) for t, a, y in (row.fullmatch(r).groups() for r in rows)}
    assert list(table) == [1, 10, 100, 1000, 3000]
    assert all(a == 1.0 for a, _ in table.values())
    yogi = {t: y for t, (_, y) in table.items()}
    assert yogi[1] == 1.0 and yogi[10] < yogi[100] < yogi[1000] and yogi[3000] < yogi[1000]
    assert yogi[1000] == pytest.approx(1 / (1 - math.exp(-1)), abs=1e-3) and yogi[3000] == pytest.approx(1.05, abs=0.01)
    assert last == f"Yogi's largest ŝ: {yogi[1000]:.4f} at t = 1000, steps 20% too short"
    assert 1 - (1 - math.exp(-1)) ** 0.5 == pytest.approx(0.20, abs=0.01)
