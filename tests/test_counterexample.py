"""snippets/counterexample.py: Reddi, Kale & Kumar's online problem, where Adam goes to the worst
point x = +1 while AMSGrad and Yogi find the optimum x = −1."""
import math
import re
from pathlib import Path

import pytest
import torch

from snippets.counterexample import METHODS, Trajectory, limiting_regret, run

from test_snippet_sections import sections  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def _f(t, C, x):
    """f_t(x) = C·x when t mod 3 = 1, else −x — written out again, independently of the module."""
    return C * x if t % 3 == 1 else -x


def _tail_mean(xs, n=300):
    return sum(xs[-n:]) / n


@pytest.mark.parametrize("C", [3.0, 4.0, 6.0, 10.0])
def test_adam_drifts_to_the_worst_point_and_keeps_a_constant_regret(C):
    trajectory = run("adam", C=C)
    assert trajectory.xs[-1] > 0.99 and _tail_mean(trajectory.xs) > 0.99
    # sitting at +1 costs 2·(C − 2)/3 per step on average: R_T/T does not go to 0
    assert trajectory.avg_regret[-1] == pytest.approx(limiting_regret(C), rel=0.02)
    assert trajectory.avg_regret[-1] > 0.9 * trajectory.avg_regret[299]


@pytest.mark.parametrize("method", ["amsgrad", "yogi"])
@pytest.mark.parametrize("C", [3.0, 4.0, 6.0, 10.0])
def test_amsgrad_and_yogi_reach_the_optimum_and_their_regret_vanishes(method, C):
    trajectory = run(method, C=C)
    assert trajectory.xs[-1] < -0.98 and _tail_mean(trajectory.xs) < -0.98
    r = trajectory.avg_regret
    assert r[299] > r[999] > r[2999]  # R_T/T keeps falling ...
    assert r[2999] < 0.03  # ... towards 0
    assert r[2999] < limiting_regret(C) / 20


def test_with_the_defaults_the_three_end_apart():
    ends = {m: run(m).xs[-1] for m in METHODS}
    assert ends["adam"] > 0.99 and ends["amsgrad"] < -0.99 and ends["yogi"] < -0.98


def test_yogi_is_not_a_fix_for_every_C_at_this_beta2():
    """Measured, and said in the module docstring: at C = 2.2 Yogi drifts to +1 like Adam."""
    assert run("yogi", C=2.2).xs[-1] > 0.99
    assert run("amsgrad", C=2.2).xs[-1] < -0.99


# (C, steps, where Yogi's final x must be) for α = 0.5, as the convergence page and the module
# docstring quote them: C ≥ 2.6 ends near −1 within 3000 steps, C = 2.5 needs 30000, C ≤ 2.4
# drifts to +1 like Adam.
YOGI_THRESHOLDS = [
    (2.6, 3000, "near -1"),
    (3.0, 3000, "near -1"),
    (5.0, 3000, "near -1"),
    (2.5, 3000, "not yet near -1"),
    (2.5, 30000, "near -1"),
    (2.4, 3000, "near +1"),
    (2.2, 3000, "near +1"),
]


@pytest.mark.parametrize("C, steps, where", YOGI_THRESHOLDS, ids=lambda x: str(x))
def test_yogi_thresholds_the_convergence_page_quotes(C, steps, where):
    x = run("yogi", C=C, steps=steps, lr=0.5).xs[-1]
    if where == "near -1":
        assert x <= -0.9
    elif where == "not yet near -1":
        assert x > -0.9
    else:
        assert x >= 0.9


@pytest.mark.parametrize("C, steps", [(2.05, 30000), (2.2, 3000), (10.0, 3000)])
def test_amsgrad_thresholds_the_convergence_page_quotes(C, steps):
    """AMSGrad heads for −1 for every C tried (2.05 to 10), and within 3000 steps for C ≥ 2.2."""
    assert run("amsgrad", C=C, steps=steps, lr=0.5).xs[-1] <= -0.9


@pytest.mark.parametrize("method", METHODS)
def test_regret_is_the_definition_and_x_stays_in_the_box(method):
    C, steps = 3.0, 600
    trajectory = run(method, C=C, steps=steps, x0=0.25)
    assert isinstance(trajectory, Trajectory)
    assert len(trajectory.xs) == len(trajectory.avg_regret) == steps
    assert trajectory.xs[0] == 0.25
    assert all(-1.0 <= x <= 1.0 for x in trajectory.xs)
    total = 0.0
    for t, (x, avg) in enumerate(zip(trajectory.xs, trajectory.avg_regret), start=1):
        total += _f(t, C, x) - _f(t, C, -1.0)  # R_t = Σ f_τ(x_τ) − f_τ(−1)
        assert avg == pytest.approx(total / t, abs=1e-12)


def test_first_two_steps_by_hand():
    C, lr, x0, eps = 3.0, 0.5, 0.0, 1e-8
    beta2 = 1 / (1 + C**2)
    xs = {m: run(m, C=C, lr=lr, x0=x0, eps=eps, steps=3).xs for m in METHODS}
    # t = 1: g = C, s₁ = (1 − β2)·C² for all three (Yogi: sign(C² − 0) = 1); α₁ = α
    x2 = x0 - lr * C / (math.sqrt((1 - beta2) * C**2) + eps)
    for m in METHODS:
        assert xs[m][1] == pytest.approx(x2, abs=1e-15)
    # t = 2: g = −1, α₂ = α/√2
    s_adam = beta2 * (1 - beta2) * C**2 + (1 - beta2)  # s₂ = β2·s₁ + (1 − β2)·1
    s_yogi = (1 - beta2) * C**2 - (1 - beta2)  # 1 < s₁, so s₂ = s₁ − (1 − β2)·1
    s_ams = max((1 - beta2) * C**2, s_adam)
    for m, s in (("adam", s_adam), ("yogi", s_yogi), ("amsgrad", s_ams)):
        assert xs[m][2] == pytest.approx(x2 + lr / math.sqrt(2) / (math.sqrt(s) + eps), abs=1e-15)


def test_projection_clips_at_the_boundary():
    xs = run("adam", C=3.0, lr=10.0, x0=1.0, steps=2).xs  # a huge first step
    assert xs[1] == -1.0


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(method="sgd"), "Invalid method: 'sgd'"),
        (dict(C=2.0), "Invalid C: 2.0"),
        (dict(C=1.5), "Invalid C: 1.5"),
        (dict(C=float("nan")), "Invalid C: nan"),
        (dict(C=float("inf")), "Invalid C: inf"),
        (dict(steps=0), "Invalid steps: 0"),
        (dict(steps=2.5), "Invalid steps: 2.5"),
        (dict(lr=0.0), "Invalid learning rate: 0.0"),
        (dict(lr=-0.1), "Invalid learning rate: -0.1"),
        (dict(x0=1.5), "Invalid x0: 1.5"),
        (dict(eps=-1e-8), "Invalid epsilon value: -1e-08"),
    ],
)
def test_invalid_arguments_are_named(kwargs, message):
    method = kwargs.pop("method", "adam")
    with pytest.raises(ValueError, match=message.replace(".", r"\.").replace("(", r"\(")):
        run(method, **kwargs)


@pytest.mark.parametrize("C", [2.0, 1.0, 0.0, -3.0, float("nan"), float("inf"), "3"])
def test_limiting_regret_needs_the_counterexamples_C(C):
    with pytest.raises(ValueError, match=re.escape(f"Invalid C: {C!r} (the counterexample needs a finite C > 2)")):
        limiting_regret(C)


def test_limiting_regret_is_positive_and_two_thirds_of_C_minus_2():
    assert limiting_regret(3.0) == pytest.approx(2 / 3)
    assert limiting_regret(2.0001) > 0


def test_page_section_runs_on_its_own():
    section = sections(ROOT / "snippets" / "counterexample.py")["counterexample"]
    namespace = {}
    exec(section, namespace)
    for m in METHODS:
        assert namespace["play"](m, 3.0, 300, 0.5, 0.0, 1e-8) == run(m, steps=300)
    # the section checks its method itself: an unknown one is an error, not a silent Adam run
    for bad in ("sgd", "Yogi", "", None):
        message = f"Invalid method: {bad!r} (expected one of {', '.join(METHODS)})"
        with pytest.raises(ValueError, match=re.escape(message)):
            namespace["play"](bad, 3.0, 10)
        with pytest.raises(ValueError, match=re.escape(message)):
            run(bad, steps=10)


# --- what the convergence page adds about the paper ------------------------------------------


def test_the_code_starts_at_0_with_eps_1e_8_and_neither_matters():
    """The page: x₁ = 0 and ε = 1e-8 in the code; started at −1, 0 or +1, with ε = 0, 1e-8 or
    1e-3, each method ends at the same point to within 0.005."""
    import inspect

    from hooks.pages import chapters
    from snippets import counterexample

    defaults = inspect.signature(counterexample.play).parameters
    assert defaults["x0"].default == 0.0 and defaults["eps"].default == 1e-8
    page_run = chapters.section("snippets/run_convergence.py:counterexample")
    assert "play(" in page_run and not re.search(r"\b(x0|eps)\b", page_run)  # defaults pass through
    for method in METHODS:
        reference = run(method).xs[-1]
        for x0 in (-1.0, 0.0, 1.0):
            for eps in (0.0, 1e-8, 1e-3):
                assert run(method, x0=x0, eps=eps).xs[-1] == pytest.approx(reference, abs=0.005), (method, x0, eps)
    assert run("adam", x0=-1.0).xs[-1] > 0.99  # started at the optimum, Adam still leaves it


def _gamma(method, C=3.0, steps=3000, lr=0.5):
    """Γ_{t+1} = √s_{t+1}/α_{t+1} − √s_t/α_t (the denominator each method divides by), written
    out again from the page's equations."""
    beta2 = 1 / (1 + C**2)
    s = s_max = 0.0
    inverse_rates = []
    for t in range(1, steps + 1):
        g = C if t % 3 == 1 else -1.0
        if method == "yogi":
            s = s + (1 - beta2) * ((g * g > s) - (g * g < s)) * g * g
        else:
            s = beta2 * s + (1 - beta2) * g * g
        s_max = max(s_max, s)
        inverse_rates.append(math.sqrt(s_max if method == "amsgrad" else s) / (lr / math.sqrt(t)))
    return [b - a for a, b in zip(inverse_rates, inverse_rates[1:])]


def test_gamma_is_negative_for_adam_twice_a_period_and_never_for_amsgrad():
    adam, amsgrad, yogi = (_gamma(m) for m in ("adam", "amsgrad", "yogi"))
    assert sum(g < 0 for g in adam) / len(adam) == pytest.approx(2 / 3, abs=0.01)
    assert min(amsgrad) >= 0
    # Yogi's Γ_t is negative at most steps, yet Yogi reaches −1: Γ_t < 0 breaks the proof, not
    # necessarily the method.
    assert sum(g < 0 for g in yogi) / len(yogi) == pytest.approx(3 / 4, abs=0.03)  # "about three quarters"
    assert run("yogi").xs[-1] < -0.98


def _amsgrad_steps(make, gradients):
    p = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = make([p])
    steps, last = [], 0.0
    for g in gradients:
        p.grad = torch.full_like(p, g)
        opt.step()
        steps.append(last - p.item())
        last = p.item()
    return steps


@pytest.mark.slow  # a long run: the full suite runs it, the quick loop does not
def test_amsgrad_in_torch_divides_the_running_max_by_1_minus_beta2_t():
    """The page's example: g₁ = 100, then g = 1 (β1 = 0, β2 = 0.999, η = 1, ε = 0). s^max stays
    at s₁ = 10, yet torch's step grows from about 0.014 at t = 2 to about 0.32 by t = 5000,
    because ŝ_t = s^max/(1 − β2ᵗ); the paper's AMSGrad (no correction) steps 1/√10 ≈ 0.316
    from t = 2 on, and its first step is 1/√(1 − β2) ≈ 31.6 times torch's first step."""
    from snippets.optim import Adam

    beta2, gradients = 0.999, [100.0] + [1.0] * 4999
    for make in (lambda p: torch.optim.Adam(p, lr=1.0, betas=(0.0, beta2), eps=0.0, amsgrad=True),
                 lambda p: Adam(p, lr=1.0, betas=(0.0, beta2), eps=0.0, amsgrad=True)):
        steps = _amsgrad_steps(make, gradients)
        assert steps[1] == pytest.approx(math.sqrt(1 - beta2**2) / math.sqrt(10), rel=1e-9)
        assert steps[1] == pytest.approx(0.014, abs=0.0005) and steps[-1] == pytest.approx(0.32, abs=0.01)
        assert all(a < b for a, b in zip(steps[1:], steps[2:]))  # the effective rate keeps growing
    # the paper's form, written out: s^max = max(s^max, s), step α·g/√s^max, no correction
    s = s_max = 0.0
    paper = []
    for g in gradients:
        s = beta2 * s + (1 - beta2) * g * g
        s_max = max(s_max, s)
        paper.append(g / math.sqrt(s_max))
    assert paper[1] == pytest.approx(1 / math.sqrt(10), rel=1e-12) and paper[-1] == paper[1]
    assert paper[0] / steps[0] == pytest.approx(1 / math.sqrt(1 - beta2), rel=1e-9)
