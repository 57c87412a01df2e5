"""snippets/moments.py: how fast Adam's and Yogi's second moments forget a spike, and what bias
correction does to the moment estimates in the first steps."""
import math
from pathlib import Path

import pytest
import torch

from snippets.moments import bias_correction, spike_traces

from test_snippet_sections import sections  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


# --- experiment 1: spikes -------------------------------------------------------------------


def test_stream_is_deterministic_has_its_spikes_and_leaves_the_global_rng_alone():
    state = torch.get_rng_state()
    first, second = spike_traces(), spike_traces()
    assert torch.equal(state, torch.get_rng_state())
    assert first == second
    assert spike_traces(seed=1).g != first.g
    assert first.spikes == [150, 450, 750] and len(first.g) == 1000
    for i in first.spikes:
        assert abs(first.g[i]) == 20.0
    others = [abs(g) for i, g in enumerate(first.g) if i not in first.spikes]
    assert max(others) < 5  # the rest is N(0, 1) noise


def test_yogi_changes_s_by_exactly_one_minus_beta2_times_g2_or_not_at_all():
    traces = spike_traces()
    previous = [traces.s0] + traces.s_yogi[:-1]
    for s_prev, s, g in zip(previous, traces.s_yogi, traces.g):
        bound = (1 - traces.beta2) * g * g  # |s_t − s_{t−1}| ≤ (1 − β2)·g_t²
        step = abs(s - s_prev)
        assert step <= bound * (1 + 1e-12) + 1e-15
        assert step == pytest.approx(bound, rel=1e-9) or step == 0.0


def test_adam_matches_its_closed_form():
    traces = spike_traces(steps=300, spikes=(100,))
    b2 = traces.beta2
    for t in (1, 50, 101, 300):  # s_t = β2ᵗ·s₀ + (1 − β2)·Σ_k β2^{t−k}·g_k²
        expected = b2**t * traces.s0 + (1 - b2) * sum(b2 ** (t - k) * traces.g[k - 1] ** 2 for k in range(1, t + 1))
        assert traces.s_adam[t - 1] == pytest.approx(expected, rel=1e-12)


def test_without_noise_adam_decays_geometrically_and_yogi_does_not_move():
    traces = spike_traces(steps=400, spikes=(10,), std=0.0, s0=0.0)
    b2, peak = traces.beta2, (1 - traces.beta2) * 20.0**2
    assert traces.s_adam[10] == pytest.approx(peak) and traces.s_yogi[10] == pytest.approx(peak)
    for k in (1, 10, 100, 389):
        assert traces.s_adam[10 + k] == pytest.approx(peak * b2**k, rel=1e-10)  # s_{i+k} = β2ᵏ·s_i
        assert traces.s_yogi[10 + k] == peak  # g = 0: sign(0 − s)·0 = 0, s never changes


def test_with_noise_adam_forgets_each_spike_and_yogi_remembers():
    traces = spike_traces()
    b2 = traces.beta2
    g2 = [g * g for g in traces.g]
    for i in traces.spikes:
        before_a, peak_a = traces.s_adam[i - 1], traces.s_adam[i]
        before_y, peak_y = traces.s_yogi[i - 1], traces.s_yogi[i]
        # Adam: after k steps the spike's contribution has the weight β2ᵏ, the rest is fresh g²
        for k in (50, 100, 200):
            window = max(g2[i + 1 : i + k + 1])
            assert b2**k * peak_a <= traces.s_adam[i + k] <= b2**k * peak_a + (1 - b2**k) * window
        # 200 steps on, Adam's s is under a third of its peak and has lost ≥ 85 % of the jump;
        # Yogi's is still above 70 % of its peak and has kept ≥ 45 % of the jump
        assert traces.s_adam[i + 200] < 0.35 * peak_a
        assert (traces.s_adam[i + 200] - before_a) / (peak_a - before_a) < 0.15
        assert traces.s_yogi[i + 200] > 0.7 * peak_y
        assert (traces.s_yogi[i + 200] - before_y) / (peak_y - before_y) > 0.45
        # Yogi comes down by (1 − β2)·g² per step at most: it cannot lose the jump faster
        assert peak_y - traces.s_yogi[i + 200] <= (1 - b2) * sum(g2[i + 1 : i + 201]) + 1e-9


def test_yogi_settles_above_the_mean_square_for_gaussian_gradients():
    """The docstring's claim: Yogi's s balances the g² above it against those below (≈ 2.4·σ²)."""
    traces = spike_traces(steps=40000, spikes=(), beta2=0.99)
    tail_yogi = sum(traces.s_yogi[10000:]) / 30000
    tail_adam = sum(traces.s_adam[10000:]) / 30000
    assert tail_adam == pytest.approx(1.0, abs=0.05)
    assert tail_yogi == pytest.approx(2.37, abs=0.15)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(steps=0), "Invalid steps: 0"),
        (dict(spike=0.0), "Invalid spike: 0.0"),
        (dict(std=-1.0), "Invalid std: -1.0"),
        (dict(beta2=1.0), "Invalid beta2: 1.0"),
        (dict(spikes=(5, 2000)), r"Invalid spikes: \[5, 2000\]"),
        (dict(s0=-1.0), "Invalid s0: -1.0"),
    ],
)
def test_spike_arguments_are_checked(kwargs, message):
    with pytest.raises(ValueError, match=message):
        spike_traces(**kwargs)


# --- experiment 2: bias correction ------------------------------------------------------------


@pytest.fixture(scope="module")
def many():
    return bias_correction(steps=50, streams=4000, mean=1.0, std=1.0)


def test_shapes_identities_and_determinism(many):
    assert many.v.shape == many.s.shape == many.v_hat.shape == many.s_hat.shape == (4000, 50)
    assert many.t == list(range(1, 51))
    t = torch.tensor(many.t, dtype=torch.float64)
    assert torch.allclose(many.v_hat, many.v / (1 - 0.9**t), rtol=1e-15)  # v̂_t = v_t/(1 − β1ᵗ)
    assert torch.allclose(many.s_hat, many.s / (1 - 0.999**t), rtol=1e-15)  # ŝ_t = s_t/(1 − β2ᵗ)
    assert (many.mean_g, many.mean_g2) == (1.0, 2.0)
    again = bias_correction(steps=50, streams=4000, mean=1.0, std=1.0)
    assert torch.equal(again.v, many.v) and torch.equal(again.s, many.s)


def test_moments_match_the_weighted_sums(many):
    """v_t = (1 − β1)·Σ_k β1^{t−k}·g_k, s_t = (1 − β2)·Σ_k β2^{t−k}·g_k² — with g recovered from v."""
    v = many.v
    g = torch.empty_like(v)
    g[:, 0] = v[:, 0] / 0.1
    g[:, 1:] = (v[:, 1:] - 0.9 * v[:, :-1]) / 0.1
    for t in (1, 7, 50):
        k = torch.arange(1, t + 1, dtype=torch.float64)
        assert torch.allclose(v[:, t - 1], 0.1 * (0.9 ** (t - k) * g[:, :t]).sum(1), atol=1e-12)
        assert torch.allclose(many.s[:, t - 1], 0.001 * (0.999 ** (t - k) * g[:, :t] ** 2).sum(1), atol=1e-12)


def test_raw_moments_are_biased_towards_zero_and_the_corrected_ones_are_not(many):
    v_mean, s_mean = many.v.mean(0), many.s.mean(0)
    v_hat_mean, s_hat_mean = many.v_hat.mean(0), many.s_hat.mean(0)
    for i, t in enumerate(many.t):
        # Monte Carlo means agree with E[v_t] = (1 − β1ᵗ)·E[g] and E[s_t] = (1 − β2ᵗ)·E[g²]
        assert v_mean[i].item() == pytest.approx(many.expected_v[i], abs=0.02)
        assert s_mean[i].item() == pytest.approx(many.expected_s[i], rel=0.05)
        assert v_hat_mean[i].item() == pytest.approx(many.mean_g, abs=0.04)
        assert s_hat_mean[i].item() == pytest.approx(many.mean_g2, rel=0.05)
        if t <= 10:  # the first steps: the corrected estimates are the closer ones
            assert abs(v_hat_mean[i] - many.mean_g) < abs(v_mean[i] - many.mean_g)
            assert abs(s_hat_mean[i] - many.mean_g2) < abs(s_mean[i] - many.mean_g2)
    assert s_mean[-1] < 0.06 * many.mean_g2  # after 50 steps raw s still holds < 6 % of E[g²]


def test_first_step_sizes(many):
    sign = torch.sign(many.v[:, 0])
    assert torch.allclose(many.step_hat[:, 0], sign)  # v̂₁/√ŝ₁ = g₁/|g₁|
    assert torch.allclose(many.step_raw[:, 0], 0.1 / math.sqrt(0.001) * sign)  # (1 − β1)/√(1 − β2)·sign(g₁)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(steps=0), "Invalid steps: 0"),
        (dict(streams=0), "Invalid streams: 0"),
        (dict(std=0.0), "Invalid std: 0.0"),
        (dict(mean=float("nan")), "Invalid mean: nan"),
        (dict(beta1=1.0), "Invalid beta1: 1.0"),
        (dict(beta2=-0.1), "Invalid beta2: -0.1"),
    ],
)
def test_bias_correction_arguments_are_checked(kwargs, message):
    with pytest.raises(ValueError, match=message):
        bias_correction(**kwargs)


# --- the page sections ------------------------------------------------------------------------


def test_page_sections_run_on_their_own():
    namespace = {}
    exec(sections(ROOT / "snippets" / "moments.py")["spikes"], namespace)
    g = namespace["spiky_gradients"]()
    assert namespace["second_moments"](g, 0.99, 1.0) == (spike_traces().s_adam, spike_traces().s_yogi)
    exec(sections(ROOT / "snippets" / "moments.py")["bias-correction"], namespace)
    result = bias_correction(steps=10, streams=3)
    g = 1.0 + torch.randn(3, 10, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    v, s, v_hat, s_hat = namespace["moment_estimates"](g)
    assert torch.equal(v, result.v) and torch.equal(s_hat, result.s_hat)


def test_yogis_resting_level_for_zero_mean_gaussian_gradients_is_about_2_37_e_g2():
    """The Yogi page: s settles where E[g²; g² > s] = E[g²; g² < s], about 2.37·E[g²] for g ~ N(0, σ²),
    so √s is about 1.5 times Adam's √E[g²]; and s does not move while g = 0."""
    phi = lambda a: math.exp(-a * a / 2) / math.sqrt(2 * math.pi)
    below = lambda a: math.erf(a / math.sqrt(2)) - 2 * a * phi(a)  # E[g²; |g| < a] for σ = 1
    lo, hi = 0.5, 3.0
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if below(mid) < 0.5 else (lo, mid)
    level = lo * lo
    assert level == pytest.approx(2.37, abs=0.005) and math.sqrt(level) == pytest.approx(1.54, abs=0.01)
    g = torch.randn(200_000, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    s = 1.0
    for x in (g * g)[:200_000].tolist():  # Yogi with β2 = 0.999, from s = E[g²]
        s += 0.001 * ((x > s) - (x < s)) * x
    assert s == pytest.approx(level, rel=0.1)
    s_before = s
    s += 0.001 * ((0.0 > s) - (0.0 < s)) * 0.0  # g = 0: no change
    assert s == s_before
