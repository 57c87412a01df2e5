"""Claims of the Adam page (docs/*/adam.md) that no snippet computes: where ε goes, the
bound on the step, Kingma & Ba's ε̂ form, and decoupled weight decay. Each number the page
states is computed here from the equations, in float64, or checked against torch.optim."""
import math

import pytest
import torch

B1, B2 = 0.9, 0.999


def adam_ratios(gradients, beta1=B1, beta2=B2):
    """v̂_t/√ŝ_t for t = 1..T of one coordinate, written out from the page's equations."""
    v = s = 0.0
    out = []
    for t, g in enumerate(gradients, start=1):
        v = beta1 * v + (1 - beta1) * g  # v_t = β1·v_{t−1} + (1−β1)·g_t
        s = beta2 * s + (1 - beta2) * g * g  # s_t = β2·s_{t−1} + (1−β2)·g_t²
        s_hat = s / (1 - beta2**t)
        out.append((v / (1 - beta1**t)) / math.sqrt(s_hat) if s_hat > 0 else 0.0)  # 0/0: no step
    return out


# --- ε inside or outside the root (section "Compared with RMSProp") -------------------------


def test_eps_squared_inside_the_root_is_within_sqrt2_of_eps_outside():
    eps = 1e-3
    s = torch.logspace(-14, 2, 2001, dtype=torch.float64)
    ratio = (s.sqrt() + eps) / (s + eps**2).sqrt()  # (√s + ε) / √(s + ε²)
    assert ratio.min() >= 1 - 1e-15 and ratio.max() <= math.sqrt(2) * (1 + 1e-15)
    at = torch.tensor(eps**2, dtype=torch.float64)  # the largest gap, at s = ε²
    assert ((at.sqrt() + eps) / (at + eps**2).sqrt()).item() == pytest.approx(math.sqrt(2), rel=1e-12)


def test_the_same_number_inside_the_root_acts_like_its_square_root_outside():
    """ε = 1e-6 inside damps gradients near 1e-3 as much as ε = 1e-3 outside does (within √2),
    while ε = 1e-6 outside leaves them alone."""
    g = 1e-3
    s = g * g
    inside, outside_same, outside_root = 1 / math.sqrt(s + 1e-6), 1 / (math.sqrt(s) + 1e-6), 1 / (math.sqrt(s) + 1e-3)
    undamped = 1 / math.sqrt(s)
    assert inside < 0.75 * undamped and outside_root < 0.75 * undamped  # both damped
    assert outside_same > 0.99 * undamped  # the same number outside: no effect
    assert 1 <= inside / outside_root <= math.sqrt(2)


@pytest.mark.slow  # a long run: the full suite runs it, the quick loop does not
def test_torch_rmsprop_puts_eps_outside_the_root():
    g, lr, eps, alpha = 0.3, 0.01, 0.1, 0.99
    p = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.RMSprop([p], lr=lr, alpha=alpha, eps=eps)
    p.grad = torch.full_like(p, g)
    opt.step()
    s = (1 - alpha) * g * g  # s_1 from s_0 = 0
    assert p.item() == pytest.approx(-lr * g / (math.sqrt(s) + eps), rel=1e-12)
    assert p.item() != pytest.approx(-lr * g / math.sqrt(s + eps), rel=1e-3)


# --- the bound on the step (section "A bound on the step") ----------------------------------


def test_the_two_bounds_of_kingma_and_ba():
    assert (1 - B1) / math.sqrt(1 - B2) == pytest.approx(3.16, abs=0.005)  # "about 3.16 η"
    assert 1 - B1 > math.sqrt(1 - B2)  # the defaults fall in the first case


def test_the_sparse_case_approaches_3_16_and_only_after_thousands_of_steps():
    bound = (1 - B1) / math.sqrt(1 - B2)
    ratio = {T: adam_ratios([0.0] * (T - 1) + [1.0])[-1] for T in (100, 1000, 10_000)}
    assert ratio[10_000] == pytest.approx(bound, rel=1e-3)
    assert ratio[100] < 0.5 * bound < ratio[1000] < ratio[10_000] <= bound


def test_with_equal_decay_rates_the_ratio_never_exceeds_1():
    """Jensen: v̂ and ŝ with the same weights give |v̂/√ŝ| ≤ 1, whatever the gradients."""
    generator = torch.Generator().manual_seed(0)
    streams = [
        torch.randn(500, generator=generator, dtype=torch.float64).tolist(),
        (torch.randn(500, generator=generator, dtype=torch.float64) ** 3).tolist(),  # heavy tails
        [0.0] * 499 + [1.0],  # sparse
        [1.11**i for i in range(500)],  # growing
    ]
    for gradients in streams:
        for beta in (0.9, 0.999):
            assert max(abs(r) for r in adam_ratios(gradients, beta, beta)) <= 1 + 1e-12


def test_steady_gradients_give_about_1_and_noise_much_less():
    generator = torch.Generator().manual_seed(1)
    steady = (1 + 0.1 * torch.randn(3000, generator=generator, dtype=torch.float64)).tolist()
    noise = torch.randn(3000, generator=generator, dtype=torch.float64).tolist()
    late_steady = adam_ratios(steady)[1000:]
    assert sum(late_steady) / len(late_steady) == pytest.approx(1.0, abs=0.02)
    assert all(0.85 < r < 1.15 for r in late_steady)
    late = [abs(r) for r in adam_ratios(noise)[1000:]]
    assert sum(late) / len(late) < 0.35  # noise dominates: far below 1


def test_cauchy_schwarz_bound_7_3_reached_by_growth_over_the_last_few_dozen_steps():
    bound = (1 - B1) / math.sqrt((1 - B2) * (1 - B1**2 / B2))
    assert bound == pytest.approx(7.3, abs=0.05) and B2 / B1 == pytest.approx(1.11, abs=0.001)
    T = 20_000
    for k in (50, 100):  # zero, then growth by β2/β1 per step over the last k steps only
        ratio = adam_ratios([0.0] * (T - k) + [(B2 / B1) ** i for i in range(k)])[-1]
        assert ratio == pytest.approx(bound, rel=1e-3) and ratio <= bound * (1 + 1e-12)
    early = adam_ratios([0.0] * 950 + [(B2 / B1) ** i for i in range(50)])[-1]  # T = 1000
    assert early < 0.85 * bound  # before 1 − β2ᵗ is near 1 the correction keeps it lower
    generator = torch.Generator().manual_seed(2)
    for _ in range(20):  # no gradient sequence beats the bound
        gradients = torch.randn(3000, generator=generator, dtype=torch.float64).exp().tolist()
        assert max(abs(r) for r in adam_ratios(gradients)) <= bound


# --- Kingma & Ba's ε̂ form (section "The value of ε") --------------------------------------


def _algorithm_1(gradients, lr, eps_of_t):
    x, v, s, xs = 0.0, 0.0, 0.0, []
    for t, g in enumerate(gradients, start=1):
        v, s = B1 * v + (1 - B1) * g, B2 * s + (1 - B2) * g * g
        x -= lr * (v / (1 - B1**t)) / (math.sqrt(s / (1 - B2**t)) + eps_of_t(t))
        xs.append(x)
    return xs


def _eps_hat_form(gradients, lr, eps_hat):
    x, v, s, xs = 0.0, 0.0, 0.0, []
    for t, g in enumerate(gradients, start=1):
        v, s = B1 * v + (1 - B1) * g, B2 * s + (1 - B2) * g * g
        lr_t = lr * math.sqrt(1 - B2**t) / (1 - B1**t)  # η_t = η·√(1−β2ᵗ)/(1−β1ᵗ)
        x -= lr_t * v / (math.sqrt(s) + eps_hat)  # x_t = x_{t−1} − η_t·v_t/(√s_t + ε̂)
        xs.append(x)
    return xs


def test_eps_hat_form_is_algorithm_1_with_eps_hat_over_sqrt_1_minus_beta2_t():
    generator = torch.Generator().manual_seed(3)
    gradients = (1e-3 * torch.randn(2000, generator=generator, dtype=torch.float64)).tolist()
    eps_hat = 1e-4  # comparable to √ŝ here, so the difference shows
    fast = _eps_hat_form(gradients, 0.01, eps_hat)
    same = _algorithm_1(gradients, 0.01, lambda t: eps_hat / math.sqrt(1 - B2**t))
    plain = _algorithm_1(gradients, 0.01, lambda t: eps_hat)
    assert fast == pytest.approx(same, rel=1e-10, abs=1e-15)
    assert max(abs(a - b) for a, b in zip(fast, plain)) > 1e-3 * max(abs(a) for a in plain)
    assert 1 / math.sqrt(1 - B2) == pytest.approx(31.6, abs=0.05)  # the effective ε at t = 1


def test_torch_adam_eps_is_the_eps_of_algorithm_1():
    generator = torch.Generator().manual_seed(4)
    gradients = (1e-3 * torch.randn(300, generator=generator, dtype=torch.float64)).tolist()
    p = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([p], lr=0.01, eps=1e-4)
    xs = []
    for g in gradients:
        p.grad = torch.full_like(p, g)
        opt.step()
        xs.append(p.item())
    assert xs == pytest.approx(_algorithm_1(gradients, 0.01, lambda t: 1e-4), rel=1e-9, abs=1e-15)


# --- weight decay (section "Weight decay and AdamW") ---------------------------------------


def _run(make_optimizer, grad_scales, steps=3000, seed=5):
    """Many independent coordinates, each with gradient noise of its row's scale and a loss
    whose only pull toward 0 is the weight decay; returns the mean |x| per row at the end."""
    generator = torch.Generator().manual_seed(seed)
    x = torch.ones(len(grad_scales), 500, dtype=torch.float64, requires_grad=True)
    opt = make_optimizer([x])
    scales = torch.tensor(grad_scales, dtype=torch.float64)[:, None]
    for _ in range(steps):
        signs = torch.randint(0, 2, x.shape, generator=generator).double() * 2 - 1
        x.grad = scales * signs  # zero-mean noise: the loss itself does not pull x anywhere
        opt.step()
    return x.detach().abs().mean(dim=1).tolist()


@pytest.mark.slow  # a long run: the full suite runs it, the quick loop does not
def test_l2_in_adam_decays_coordinates_with_large_gradients_less():
    lr, lam = 1e-3, 0.5
    coupled = _run(lambda p: torch.optim.Adam(p, lr=lr, weight_decay=lam), [10.0, 0.1])
    decoupled = _run(lambda p: torch.optim.AdamW(p, lr=lr, weight_decay=lam), [10.0, 0.1])
    assert coupled[1] < 0.5 * coupled[0]  # L2: the small-gradient row shrinks much more
    assert decoupled[1] == pytest.approx(decoupled[0], rel=0.1)  # AdamW: both by (1 − ηλ)ᵗ
    assert decoupled[0] < 0.3  # ... which is a real decay: (1 − 5e-4)^3000 ≈ 0.22


def test_adamw_multiplies_by_1_minus_lr_lambda_then_takes_an_adam_step():
    lr, lam, g = 0.01, 0.1, 0.25
    for make in (lambda p: torch.optim.AdamW(p, lr=lr, weight_decay=lam),
                 lambda p: torch.optim.Adam(p, lr=lr, weight_decay=lam, decoupled_weight_decay=True)):
        p = torch.full((1,), 2.0, dtype=torch.float64, requires_grad=True)
        opt = make([p])
        p.grad = torch.full_like(p, g)
        opt.step()
        step = lr * ((1 - B1) * g / (1 - B1)) / (math.sqrt((1 - B2) * g * g / (1 - B2)) + 1e-8)
        assert p.item() == pytest.approx(2.0 * (1 - lr * lam) - step, rel=1e-12)


def test_for_sgd_the_l2_penalty_is_weight_decay():
    """The page: for plain SGD, adding the L2 penalty λ/2·‖x‖² to the loss is weight decay: the
    penalty's gradient λx joins g_t, and each step shrinks x by exactly ηλx. From the page's
    equations in float64, with autograd for the penalty's gradient (a penalty of λ·‖x‖², say,
    would shrink x twice as much)."""
    lr, lam = 0.1, 0.01
    x = torch.tensor([1.5, -0.25, 3.0], dtype=torch.float64, requires_grad=True)
    (penalty_grad,) = torch.autograd.grad(lam / 2 * x.pow(2).sum(), x)
    x = x.detach()
    torch.testing.assert_close(penalty_grad, lam * x, rtol=1e-15, atol=0)
    for g in (0.3, -0.2, 0.5):
        g = torch.full_like(x, g)
        l2_step = x - lr * (g + penalty_grad)  # SGD on the loss plus the penalty
        decayed = (1 - lr * lam) * x - lr * g  # x ← (1 − ηλ)·x, then the plain step
        torch.testing.assert_close(l2_step, decayed, rtol=1e-15, atol=0)
        torch.testing.assert_close(x - l2_step - lr * g, lr * lam * x, rtol=1e-12, atol=0)  # shrinks by ηλx
        x = l2_step
        penalty_grad = lam * x


def test_yogi_takes_decoupled_weight_decay_the_same_way():
    """The Yogi page points at ``snippets.optim.Yogi(..., decoupled_weight_decay=True)``."""
    from snippets.optim import Yogi

    lr, lam, g = 0.01, 0.1, 0.25
    p = torch.full((1,), 2.0, dtype=torch.float64, requires_grad=True)
    q = p.detach().clone().requires_grad_(True)
    decayed = Yogi([p], lr=lr, weight_decay=lam, decoupled_weight_decay=True)
    plain = Yogi([q], lr=lr)
    p.grad, q.grad = torch.full_like(p, g), torch.full_like(q, g)
    decayed.step()
    q.data.mul_(1 - lr * lam)
    plain.step()
    torch.testing.assert_close(p, q, rtol=1e-14, atol=0)
