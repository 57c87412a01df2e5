"""snippets/scratch.py: the from-scratch Adam and Yogi, against torch.optim.Adam and NumPy."""
from pathlib import Path

import numpy as np
import pytest
import torch

from optim_support import formula_check, long_lines
from snippets import scratch
from test_snippet_sections import sections

SCRATCH_PATH = Path(scratch.__file__)
SOURCE = SCRATCH_PATH.read_text()
TOLERANCE = {torch.float64: 1e-10, torch.float32: 1e-5}


def rel_err(actual, expected):
    """max |actual − expected| / max |expected|, on CPU float64."""
    actual = torch.as_tensor(actual).detach().double().cpu()
    expected = torch.as_tensor(expected).detach().double().cpu()
    return ((actual - expected).abs().max() / expected.abs().max()).item()


def numpy_yogi(p, grads, lr, beta1=0.9, beta2=0.999, eps=1e-3, s0=0.0):
    """Yogi from the equations, in float64 NumPy: v₀ = 0, s₀ = s0, t = 1, 2, …"""
    p, v, s = np.array(p, dtype=np.float64), 0.0, s0
    for t, g in enumerate(grads, start=1):
        g = np.asarray(g, dtype=np.float64)
        v = beta1 * v + (1 - beta1) * g
        s = s + (1 - beta2) * np.sign(g * g - s) * g * g
        p = p - lr * (v / (1 - beta1**t)) / (np.sqrt(s / (1 - beta2**t)) + eps)
    return p


def regression_problem(device, dtype, seed=0, n=200, d=5):
    gen = torch.Generator().manual_seed(seed)
    X = torch.randn(n, d, generator=gen, dtype=torch.float64)
    y = X @ torch.randn(d, 1, generator=gen, dtype=torch.float64) + 0.3 * torch.randn(n, 1, generator=gen, dtype=torch.float64)
    w = torch.randn(d, 1, generator=gen, dtype=torch.float64) * 0.1
    return X.to(device, dtype), y.to(device, dtype), w.to(device, dtype)


def minibatch_loss(params, X, y, step, batch=10):
    w, b = params
    rows = slice((step * batch) % len(X), (step * batch) % len(X) + batch)
    return ((X[rows] @ w + b - y[rows]) ** 2).mean() / 2


def states_on(device, dtype, feature_dim):
    return [(v.to(device, dtype), s.to(device, dtype)) for v, s in scratch.init_adam_states(feature_dim)]


def test_init_adam_states_are_zero_moments_for_weight_and_bias():
    states = scratch.init_adam_states(7)
    (v_w, s_w), (v_b, s_b) = states
    assert v_w.shape == s_w.shape == (7, 1)
    assert v_b.shape == s_b.shape == (1,)
    for x in (v_w, s_w, v_b, s_b):
        assert x.dtype == torch.get_default_dtype() and not x.any()
    assert len({id(x) for x in (v_w, s_w, v_b, s_b)}) == 4  # four separate buffers


def test_constants_are_the_book_values():
    assert (scratch.BETA1, scratch.BETA2) == (0.9, 0.999)
    assert (scratch.ADAM_EPS, scratch.YOGI_EPS) == (1e-6, 1e-3)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_adam_equals_torch_adam_over_200_steps(device, dtype):
    X, y, w0 = regression_problem(device, dtype)
    ours = [w0.clone().requires_grad_(), torch.zeros(1, device=device, dtype=dtype, requires_grad=True)]
    theirs = [p.detach().clone().requires_grad_() for p in ours]
    states = states_on(device, dtype, X.shape[1])
    hyperparams = {"lr": 0.03, "t": 1}
    reference = torch.optim.Adam(theirs, lr=0.03, eps=1e-6)
    for step in range(250):
        minibatch_loss(ours, X, y, step).backward()
        scratch.adam(ours, states, hyperparams)
        reference.zero_grad()
        minibatch_loss(theirs, X, y, step).backward()
        reference.step()
    assert hyperparams["t"] == 251
    for a, b in zip(ours, theirs):
        assert rel_err(a, b) <= TOLERANCE[dtype]
    assert not torch.equal(ours[0], w0)  # it moved


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_yogi_equals_numpy_reference(device, dtype):
    gen = torch.Generator().manual_seed(1)
    shapes = [(5, 1), (1,)]
    p0 = [torch.randn(shape, generator=gen, dtype=torch.float64) for shape in shapes]
    # gradients of very different scales, so sign(g² − s) takes both signs often
    grads = [[torch.randn(shape, generator=gen, dtype=torch.float64) * 10 ** torch.randint(-3, 2, (1,), generator=gen).item()
              for shape in shapes] for _ in range(200)]
    params = [p.to(device, dtype, copy=True).requires_grad_() for p in p0]
    states = states_on(device, dtype, 5)
    hyperparams = {"lr": 0.01, "t": 1}
    for step_grads in grads:
        for p, g in zip(params, step_grads):
            p.grad = g.to(device, dtype, copy=True)  # the step zeroes it
        scratch.yogi(params, states, hyperparams)
    for k, p in enumerate(params):
        expected = numpy_yogi(p0[k].numpy(), [step_grads[k].numpy() for step_grads in grads], lr=0.01)
        assert rel_err(p, expected) <= TOLERANCE[dtype]


@pytest.mark.parametrize("optimizer", [scratch.adam, scratch.yogi])
def test_step_zeroes_grads_and_advances_t(device, optimizer):
    params = [torch.ones(3, 1, device=device, requires_grad=True), torch.ones(1, device=device, requires_grad=True)]
    for p in params:
        p.grad = torch.full_like(p, 2.0)
    hyperparams = {"lr": 0.1, "t": 4}
    optimizer(params, states_on(device, torch.float32, 3), hyperparams)
    assert hyperparams == {"lr": 0.1, "t": 5}
    for p in params:
        assert not p.grad.any()
        assert not p.requires_grad or p.grad_fn is None  # updated in place, outside autograd


def test_yogi_first_step_has_adams_second_moment(device):
    """With s₀ = 0, sign(g² − 0) = 1: s₁ = (1−β2)·g² for both; only ε tells the steps apart."""
    g = torch.tensor([[0.5], [-2.0], [0.0]], device=device)
    states = {}
    for name, optimizer in [("adam", scratch.adam), ("yogi", scratch.yogi)]:
        params = [torch.ones(3, 1, device=device, requires_grad=True), torch.zeros(1, device=device, requires_grad=True)]
        params[0].grad, params[1].grad = g.clone(), torch.ones(1, device=device)
        states[name] = states_on(device, torch.float32, 3)
        optimizer(params, states[name], {"lr": 0.1, "t": 1})
    for (v_a, s_a), (v_y, s_y) in zip(states["adam"], states["yogi"]):
        assert torch.equal(v_a, v_y) and torch.equal(s_a, s_y)
    assert torch.equal(states["yogi"][0][1], (1 - scratch.BETA2) * g**2)


# --- the page sections: marked, balanced, and each runs on its own with torch alone ---

def test_sections_are_the_ones_the_pages_use():
    assert list(sections(SCRATCH_PATH)) == ["constants", "init-states", "adam", "yogi"]


def test_each_section_runs_alone_with_torch():
    """Exec each section in a fresh namespace holding only earlier sections' public names."""
    public = {}
    for name, body in sections(SCRATCH_PATH).items():
        namespace = {"__name__": f"section_{name}", **public}
        exec(compile(body, f"scratch.py:{name}", "exec"), namespace)
        public.update({k: v for k, v in namespace.items() if not k.startswith("_") and k != "torch"})
    states = public["init_adam_states"](2)
    for optimizer in (public["adam"], public["yogi"]):
        params = [torch.ones(2, 1, requires_grad=True), torch.zeros(1, requires_grad=True)]
        for p in params:
            p.grad = torch.ones_like(p)
        optimizer(params, states, {"lr": 0.1, "t": 1})
        assert torch.all(params[0] < 1)


def test_every_update_line_carries_its_formula():
    """Beside each update line, or on the line above where the line would pass 79 columns."""
    update = r"\s+(v\.copy_|s\.copy_|p -= |v_hat = |s_hat = |hyperparams\[\"t\"\] \+= )"
    checked, missing = formula_check(sections(SCRATCH_PATH), update)
    assert missing == [] and checked == 12  # 6 update lines in each of adam and yogi


def test_page_sections_fit_79_columns():
    assert long_lines(sections(SCRATCH_PATH)) == []


@pytest.mark.parametrize("optimizer", [scratch.adam, scratch.yogi])
def test_a_learnable_scalar_and_an_empty_tensor_are_updated(optimizer):
    """0-d tensors (a temperature, a logit scale) and empty ones: the book's ``v[:] = …`` fails on
    the former; ``copy_`` and ``-=`` take both."""
    params = [torch.tensor(2.0, requires_grad=True), torch.zeros(0, 3, requires_grad=True)]
    states = [(torch.zeros(()), torch.zeros(())), (torch.zeros(0, 3), torch.zeros(0, 3))]
    reference = [torch.tensor(2.0, requires_grad=True)]
    ref_states = [(torch.zeros(1), torch.zeros(1))]
    hyperparams, ref_hyper = {"lr": 0.1, "t": 1}, {"lr": 0.1, "t": 1}
    for step in range(5):
        for p in params:
            p.grad = torch.full_like(p, 0.5 * (step + 1))
        optimizer(params, states, hyperparams)
        ref = reference[0].detach().reshape(1).requires_grad_()  # the same scalar as a (1,) tensor
        ref.grad = torch.full((1,), 0.5 * (step + 1))
        optimizer([ref], ref_states, ref_hyper)
        reference = [ref.detach().reshape(()).requires_grad_()]
    assert params[0].shape == () and torch.equal(params[0].detach(), reference[0].detach())
    assert params[0].item() < 2.0
