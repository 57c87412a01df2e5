"""The exercise solutions of "When Adam does not converge" (snippets/exercises_convergence.py): each
runs where the page puts it, is shown by both language versions of the page inside its collapsed
solution with its output, and shows what the solution says it shows."""
import contextlib
import io
import math
import re
from pathlib import Path

import pytest
import torch

from snippets import exercises_convergence as ex
from snippets.counterexample import run

from test_snippet_sections import sections

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "snippets" / "exercises_convergence.py"
DEFINED = ["amsgrad-period", "bias-correction"]
RUNS = ["amsgrad-period-run", "bias-correction-run", "theorem-2-run"]
# what each solution box includes, in page order: exercise 3 uses exercise 2's play_adam
BOXES = [["amsgrad-period", "amsgrad-period-run"], ["bias-correction", "bias-correction-run"], ["theorem-2-run"]]


# --- the sections and the pages -----------------------------------------------------------------


def test_the_sections_and_what_they_import():
    found = sections(SOURCE)
    assert list(found) == DEFINED + RUNS
    for name, body in found.items():
        assert re.findall(r"^import (\w+)", body, re.M) == (["math"] if name in DEFINED else [])
        assert "from " not in body


def _boxes(lang):
    page = (ROOT / "docs" / lang / "convergence.md").read_text(encoding="utf-8")
    assert page.index("{ #summary }") < page.index("{ #exercises }")
    exercises = page[page.index("{ #exercises }"):]
    return exercises, exercises.split("??? question")[1:]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_both_pages_show_and_run_every_solution_collapsed(lang):
    exercises, questions = _boxes(lang)
    assert len(questions) == len(BOXES) == exercises.count("    ??? success")
    for box, names in zip(questions, BOXES):
        inside = box[box.index("    ??? success"):]  # the solution, indented 8 columns
        shown = re.findall(r'^        --8<-- "snippets/exercises_convergence\.py:([a-z0-9-]+)"$', inside, re.M)
        assert shown == names
        run_block = (f'        ```python\n        --8<-- "snippets/exercises_convergence.py:{names[-1]}"\n'
                     "        ```\n\n        <!-- output -->\n")
        assert run_block in inside, f"{lang}: {names[-1]} and its output inside the solution"


@pytest.fixture(scope="module")
def printed():
    """What each run prints, the sections run in page order after the page's play (as the build
    runs them)."""
    namespace = {"__name__": "convergence_page"}
    exec(sections(ROOT / "snippets" / "counterexample.py")["counterexample"], namespace)
    found, out = sections(SOURCE), {}
    for names in BOXES:
        for name in names:
            buffer = io.StringIO()
            with contextlib.redirect_stdout(buffer):
                exec(found[name], namespace)
            out[name] = buffer.getvalue().splitlines()
    return out


# --- exercise 1: AMSGrad's move per period --------------------------------------------------------


def _s_max_by_step(C=3.0, steps=200):
    """s_t^max of the page's AMSGrad, written out again."""
    beta2, s, s_max, out = 1 / (1 + C**2), 0.0, 0.0, []
    for t in range(1, steps + 1):
        g = C if t % 3 == 1 else -1.0
        s = beta2 * s + (1 - beta2) * g * g
        s_max = max(s_max, s)
        out.append(s_max)
    return out


@pytest.mark.parametrize("C", [2.5, 3.0, 5.0, 10.0])
def test_s_star_is_the_repeating_maximum(C):
    s_star, _ = ex.amsgrad_periods(C=C, periods=2)
    s_max = _s_max_by_step(C)
    assert s_max[-1] == pytest.approx(s_star, rel=1e-12)
    assert max(abs(m / s_star - 1) for m in s_max[3:]) < 1e-4  # from the second period on
    if C == 3.0:
        assert max(abs(m - s_star) for m in s_max[3:]) < 0.0002  # "to within 0.0002"
    assert s_max[0] == s_max[2] == pytest.approx((1 - 1 / (1 + C**2)) * C**2)  # the first period: (1 − β2)·C²


def test_the_prediction_holds_until_x_is_clamped_at_minus_1():
    C, lr, alpha = 3.0, 0.5, lambda t: 0.5 / math.sqrt(t)
    s_star, rows = ex.amsgrad_periods(C=C, lr=lr, periods=16)
    assert s_star == pytest.approx(8.207, abs=5e-4)
    xs = run("amsgrad", C=C, lr=lr, steps=3000).xs
    assert xs.index(-1.0) + 1 == 44  # x_44 = −1, the first time
    for t, x, move, predicted in rows:
        assert x == xs[t - 1] and move == pytest.approx(xs[t + 2] - xs[t - 1], abs=1e-15)
        assert predicted < -(C - 2) * alpha(t) / math.sqrt(s_star)  # always down, by more than (C − 2)α_t/√s*
        if 4 <= t <= 40:
            assert move == pytest.approx(predicted, abs=1e-6)
    t, _, move, predicted = rows[0]  # the first period: s^max is still (1 − β2)·C² = 8.1
    assert move < predicted and move == pytest.approx(-(C * alpha(1) - alpha(2) - alpha(3)) / math.sqrt(8.1), abs=1e-6)
    assert rows[14][0] == 43 and rows[14][2] > rows[14][3] + 0.01  # clamped: it moves less
    # from then on every period ends above −1 by the two small steps (α_{t+1} + α_{t+2})/√s*
    for t in range(43, 2998, 3):
        assert xs[t] == -1.0
        assert xs[t + 2] == pytest.approx(-1 + (alpha(t + 1) + alpha(t + 2)) / math.sqrt(s_star), abs=1e-9)


def test_what_exercise_1_prints(printed):
    lines = printed["amsgrad-period-run"]
    assert lines[0] == "s* = 8.207" and lines[1].split() == ["t", "x_t", "move", "predicted"]
    assert lines[6] == " ..." and len(lines) == 11
    _, rows = ex.amsgrad_periods(C=3.0, lr=0.5, periods=16)
    shown = [[float(v) for v in line.split()] for line in lines[2:6] + lines[7:]]
    assert [int(r[0]) for r in shown] == [1, 4, 7, 10, 37, 40, 43, 46]
    for values, row in zip(shown, rows[:4] + rows[-4:]):
        assert values == pytest.approx(list(row), abs=1e-4)


# --- exercise 2: bias correction ----------------------------------------------------------------


def test_play_adam_is_the_pages_adam_without_correction():
    for C in (3.0, 5.0):
        assert ex.play_adam(C=C, steps=600) == run("adam", C=C, steps=600)


def _torch_adam(C, steps, betas, lr=0.5):
    """torch.optim.Adam (bias correction on) with α_t = lr/√t and the projection."""
    p = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.Adam([p], lr=lr, betas=betas, eps=1e-8)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda k: 1 / math.sqrt(k + 1))
    xs = []
    for t in range(1, steps + 1):
        xs.append(p.item())
        p.grad = torch.full_like(p, C if t % 3 == 1 else -1.0)
        optimizer.step()
        schedule.step()
        with torch.no_grad():
            p.clamp_(-1, 1)
    return xs


@pytest.mark.parametrize("betas", [(0.0, 0.1), (0.0, 0.999), (0.9, 0.999)])
def test_the_bias_corrected_play_adam_is_torchs_adam(betas):
    ours = ex.play_adam(C=3.0, steps=600, beta1=betas[0], beta2=betas[1], bias_correction=True).xs
    assert max(abs(a - b) for a, b in zip(ours, _torch_adam(3.0, 600, betas))) < 1e-12


def test_at_the_pages_beta2_the_correction_moves_the_first_steps_only():
    plain, corrected = (ex.play_adam(bias_correction=c).xs for c in (False, True))
    assert plain[-1] == corrected[-1]  # "the end point not at all"
    gaps = [abs(a - b) for a, b in zip(plain[1:7], corrected[1:7])]
    assert max(gaps) == pytest.approx(0.03, abs=0.006) and min(gaps) > 0.02  # "about 0.03"


def test_at_beta2_0_999_the_uncorrected_steps_throw_x_between_the_bounds():
    plain, corrected = (ex.play_adam(beta2=0.999, bias_correction=c).xs for c in (False, True))
    beta2, C, lr = 0.999, 3.0, 0.5
    assert lr * C / math.sqrt((1 - beta2) * C**2) == pytest.approx(15.8, abs=0.05)  # the first step alone
    assert 1 / math.sqrt(1 - beta2) == pytest.approx(31.6, abs=0.05)
    assert plain[1] == -1.0 and sum(abs(x) == 1.0 for x in plain[1:8]) >= 5
    assert [t for t, x in enumerate(plain, 1) if x == 1.0] == [3, 4, 7]  # at +1 at t = 3, 4 and 7
    assert corrected[1] == pytest.approx(-lr, abs=1e-8)  # the first step is α (ε aside)
    assert 1.0 not in corrected and corrected.index(-1.0) + 1 == 35
    # corrected, the steps are of order α_t
    assert max(abs(b - a) * math.sqrt(t) / lr for t, (a, b) in enumerate(zip(corrected, corrected[1:]), 1)) < 2
    assert plain[-1] < -0.99 and corrected[-1] < -0.99  # both end near −1


def test_what_exercise_2_prints(printed):
    lines = printed["bias-correction-run"]
    assert len(lines) == 4
    line = re.compile(r"β2 = (1/\(1\+C²\)|0\.999) +(uncorrected|corrected) +x_2\.\.x_7 = ((?:[-+]\d\.\d\d ?){6}) +"
                      r"x_T = ([-+]\d\.\d{4})")
    for text, beta2, correct in zip(lines, (None, None, 0.999, 0.999), (False, True, False, True)):
        m = line.fullmatch(text)
        assert m and (m.group(2) == "corrected") == correct
        xs = ex.play_adam(beta2=beta2, bias_correction=correct).xs
        assert [float(v) for v in m.group(3).split()] == pytest.approx(xs[1:7], abs=0.005)
        assert float(m.group(4)) == pytest.approx(xs[-1], abs=5e-5)


# --- exercise 3: Theorem 2's β's on this problem -------------------------------------------------


@pytest.mark.parametrize("C", [3.0, 10.0, 100.0])
def test_with_beta_0_9_0_999_adam_reaches_minus_1(C):
    trajectory = ex.play_adam(C=C, steps=3000, beta1=0.9, beta2=0.999, bias_correction=True)
    assert trajectory.xs[-1] == -1.0
    assert trajectory.avg_regret[-1] < 0.001 * C**2 / 2 < 2 * (C - 2) / 3 / 10  # far below the +1 player's
    # why: s averages g² over ~1000 steps and stays near (C² + 2)/3 (corrected, late in the run)
    beta2, s = 0.999, 0.0
    late = []
    for t in range(1, 3001):
        g = C if t % 3 == 1 else -1.0
        s = beta2 * s + (1 - beta2) * g * g
        if t > 1500:
            late.append(s / (1 - beta2**t))
    assert max(abs(v / ((C**2 + 2) / 3) - 1) for v in late) < 0.01


def test_what_exercise_3_prints(printed):
    lines = printed["theorem-2-run"]
    assert [line.split(":")[0] for line in lines] == ["C =   3.0", "C =  10.0", "C = 100.0"]
    for line, C in zip(lines, (3.0, 10.0, 100.0)):
        assert "x_T = -1.0000" in line and f"2(C − 2)/3 = {2 * (C - 2) / 3:.3f}" in line
        regret = float(re.search(r"R_T/T = (\d\.\d{4})", line).group(1))
        assert regret < 2 * (C - 2) / 3 / 100
