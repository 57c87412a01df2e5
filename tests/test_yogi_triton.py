"""snippets/tools/yogi_triton.py: the one-pass Triton Yogi step against a float64 reference.

On CPU the kernel runs under Triton's interpreter. ``yogi_triton`` loads its kernel in the
flavor the tensors' device asks for (interpreted for CPU, compiled for CUDA) whatever
TRITON_INTERPRET said when triton was imported, so the order in which pytest collects and
imports modules does not matter; the autouse fixture below only sets TRITON_INTERPRET=1, which
``yogi_triton`` requires before it runs CPU tensors. The CUDA variants skip without a GPU.

Tolerances: |kernel − reference| ≤ k·ulp·(|reference| + max |reference of that tensor|) per
element, ulp = the dtype's machine epsilon (2⁻²³, 2⁻¹⁰, 2⁻⁷):

* float32, k = 4: the kernel computes in float32, the reference in float64. Each equation
  rounds two or three float32 operations (½ ulp each) and the errors carry into the next step
  through v and s. Where v or p passes near zero its terms cancel, so the error is a few ulp of
  the terms, not of the result: hence the second, tensor-wide term. Measured over these tests
  (3 steps): at most 3.6e-7 absolute on O(1) values, about 3 ulp.
* float16 and bfloat16, k = 2: p and the state are stored in the dtype, so the reference rounds
  them to the dtype after each step too (the kernel's storage rule). The two then differ only
  where the float32 and float64 values fall on either side of a rounding boundary, by one ulp of
  the dtype, and rarely twice over the steps. Such a boundary is rarely met (measured: ≤ 3 of 348
  elements, all in v, one ulp each), so the test also requires ≥ 99% of the elements to equal
  the rounded reference bit for bit, which a kernel that truncated instead of rounding to
  nearest would fail (about half of them would differ).
"""
import math
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch

from snippets.tools import yogi_triton

ROOT = Path(__file__).resolve().parents[1]
_TRITON = yogi_triton._triton()
pytestmark = pytest.mark.skipif(isinstance(_TRITON, BaseException),
                                reason=f"triton is not importable here: {_TRITON}")

DTYPES = [torch.float32, torch.float16, torch.bfloat16]
ULP = {dtype: torch.finfo(dtype).eps for dtype in DTYPES}
K = {torch.float32: 4, torch.float16: 2, torch.bfloat16: 2}  # ulps allowed; see the module docstring
MIN_EXACT = 0.99  # float16/bfloat16: share of elements equal to the rounded reference
# shapes: a 0-dim tensor, an empty one, one element, a matrix, and sizes around the small block
# the tests launch with (BLOCK = 64): one full block, one block and one element, several blocks
# and a partial one
SHAPES = [(), (0,), (1,), (3, 5), (64,), (65,), (2, 101)]
BLOCK = 64
HYPER = dict(lr=0.05, beta1=0.9, beta2=0.999, eps=1e-3, weight_decay=0.0)
S0 = 1e-6  # Yogi's initial_accumulator: s₀

VARIANTS = {
    "plain": {},
    "l2": dict(weight_decay=0.1),
    "decoupled": dict(weight_decay=0.1, decoupled_weight_decay=True),
    "maximize": dict(maximize=True),
    "amsgrad": dict(amsgrad=True),
    "everything": dict(weight_decay=0.1, decoupled_weight_decay=True, maximize=True, amsgrad=True),
}
CUDA = pytest.mark.skipif(not torch.cuda.is_available(),
                          reason="CUDA is not available on this machine (torch.cuda.is_available() is False)")
DEVICES = ["cpu", pytest.param("cuda", marks=CUDA)]


@pytest.fixture(autouse=True)
def interpreter(monkeypatch):
    """CPU tensors run only under the interpreter, which ``yogi_triton`` requires to be asked for."""
    monkeypatch.setenv("TRITON_INTERPRET", "1")


# --- the reference, written from the equations (float64) --------------------------------------


def reference(params, grads_per_step, *, lr, beta1, beta2, eps, weight_decay, decoupled_weight_decay=False,
              maximize=False, amsgrad=False, dtype=torch.float64, s0=S0):
    """Yogi in float64; p, v, s and s_max are rounded to ``dtype`` after each step (stored)."""

    def stored(x):
        return x.to(dtype).double()

    p = [stored(x.double()) for x in params]
    v = [torch.zeros_like(x) for x in p]
    s = [stored(torch.full_like(x, s0)) for x in p]
    m = [torch.zeros_like(x) for x in p]
    for t, grads in enumerate(grads_per_step, start=1):
        for i, g in enumerate(grads):
            g = stored(g.double())
            if maximize:
                g = -g  # g ← −g
            if weight_decay and decoupled_weight_decay:
                p[i] = p[i] * (1 - lr * weight_decay)  # p ← p·(1 − ηλ)
            elif weight_decay:
                g = g + weight_decay * p[i]  # g ← g + λ·p
            v[i] = beta1 * v[i] + (1 - beta1) * g  # v ← β1·v + (1−β1)·g
            s[i] = s[i] + (1 - beta2) * torch.sign(g * g - s[i]) * g * g  # s ← s + (1−β2)·sign(g² − s)·g²
            denominator = s[i]
            if amsgrad:
                m[i] = torch.maximum(m[i], s[i])  # s_max ← max(s_max, s)
                denominator = m[i]
            v_hat = v[i] / (1 - beta1**t)  # v̂ = v/(1−β1ᵗ)
            s_hat = denominator / (1 - beta2**t)  # ŝ = s/(1−β2ᵗ)
            p[i] = p[i] - lr * v_hat / (torch.sqrt(s_hat) + eps)  # p ← p − η·v̂/(√ŝ + ε)
            p[i], v[i], s[i], m[i] = stored(p[i]), stored(v[i]), stored(s[i]), stored(m[i])
    return p, v, s, m


def data(shapes=SHAPES, steps=3, seed=0):
    """float64 parameters and one list of gradients per step (scales 0.01 to 10, so sign(g² − s) flips)."""
    gen = torch.Generator().manual_seed(seed)
    # parameters of the size of a few steps (lr = 0.05), so an error in the step shows in p
    params = [0.1 * torch.randn(shape, generator=gen, dtype=torch.float64) for shape in shapes]
    grads = []
    for k in range(steps):
        scale = (10.0, 0.01, 1.0, 0.1)[k % 4]
        grads.append([torch.randn(shape, generator=gen, dtype=torch.float64) * scale for shape in shapes])
    return params, grads


class Run:
    """The kernel's tensors for one parameter list: p, g, v, s (, s_max) in ``dtype`` on ``device``."""

    def __init__(self, params, dtype, device, amsgrad=False, s0=S0):
        self.p = [x.to(device=device, dtype=dtype) for x in params]
        self.g = [torch.zeros_like(x) for x in self.p]
        self.v = [torch.zeros_like(x) for x in self.p]
        self.s = [torch.full_like(x, s0) for x in self.p]
        self.m = [torch.zeros_like(x) for x in self.p] if amsgrad else []

    def step(self, grads, state_steps, **kwargs):
        for g, new in zip(self.g, grads):
            g.copy_(new)
        kwargs.setdefault("block_size", BLOCK)
        yogi_triton.yogi_step(self.p, self.g, self.v, self.s, self.m, state_steps, **kwargs)

    def state(self):
        return [[x.detach().double().cpu() for x in xs] for xs in (self.p, self.v, self.s, self.m)]


def assert_close_ulps(x, y, dtype, what, k=None):
    """|x − y| ≤ k·ulp·(|y| + max |y|), elementwise (k from K by default)."""
    tol = (K[dtype] if k is None else k) * ULP[dtype]
    scale = y.abs().max().item() if y.numel() else 0.0
    torch.testing.assert_close(x, y, rtol=tol, atol=tol * scale, equal_nan=True, msg=lambda m: f"{what}: {m}")


def assert_matches(actual, expected, dtype, what=""):
    exact = total = 0
    for name, xs, ys in zip(("p", "v", "s", "s_max"), actual, expected):
        for i, (x, y) in enumerate(zip(xs, ys)):
            assert_close_ulps(x, y, dtype, f"{what} {name}[{i}] ({dtype})")
            exact += int((x == y).sum())
            total += x.numel()
    if dtype != torch.float32 and total:
        assert exact / total >= MIN_EXACT, f"{what}: only {exact}/{total} elements equal the rounded reference"


def run_steps(params, grads, dtype, device, state_steps="int", **options):
    """The kernel over every step of ``grads``; ``state_steps``: "int", "tensor" (one per parameter), "shared"."""
    options = {**HYPER, **options}
    run = Run(params, dtype, device, amsgrad=options.get("amsgrad", False))
    tensors = shared = None
    if state_steps == "tensor":
        tensors = [torch.zeros((), device=device) for _ in params]
    elif state_steps == "shared":
        shared = torch.zeros((), device=device)
        tensors = [shared] * len(params)
    for t, step_grads in enumerate(grads, start=1):
        run.step(step_grads, t if tensors is None else tensors, **options)
    return run, tensors


# --- correctness ----------------------------------------------------------------------------


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("variant", VARIANTS)
def test_matches_the_float64_reference(device, dtype, variant):
    params, grads = data()
    run, _ = run_steps(params, grads, dtype, device, **VARIANTS[variant])
    expected = reference(params, grads, dtype=dtype, **{**HYPER, **VARIANTS[variant]})
    assert_matches(run.state(), expected, dtype, variant)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("variant", ["plain", "l2", "amsgrad"])
def test_matches_snippets_optim_reference_path(device, dtype, variant):
    """The same steps as ``snippets.optim.Yogi`` with ``_impl = "reference"`` (what the pages show).

    That path computes in the parameters' dtype op by op, so in float16/bfloat16 each equation
    carries a few roundings of its largest term (β1·v against (1−β1)·g, say), and where those
    terms cancel the error is large relative to the result: there each tensor is held to
    max |kernel − path| ≤ 4 ulp · max |path| (the dtype's ulp). float32 (where torch's CPU sqrt
    is not always correctly rounded) is held to the usual per-element tolerance.
    It does not take 0-dim parameters (its ``v[:] = …`` fails on them), so they are left out.
    """
    from snippets.optim import Yogi

    options = VARIANTS[variant]
    shapes = [shape for shape in SHAPES if shape != ()]
    params, grads = data(shapes)
    run, _ = run_steps(params, grads, dtype, device, **options)
    group = {"params": [torch.nn.Parameter(x.to(device=device, dtype=dtype)) for x in params],
             "amsgrad": options.get("amsgrad", False)}
    optimizer = Yogi([group], lr=HYPER["lr"], betas=(HYPER["beta1"], HYPER["beta2"]), eps=HYPER["eps"],
                     initial_accumulator=S0, weight_decay=options.get("weight_decay", 0.0))
    optimizer._impl = "reference"
    for step_grads in grads:
        for p, g in zip(group["params"], step_grads):
            p.grad = g.to(device=device, dtype=dtype)
        optimizer.step()
    states = [optimizer.state[p] for p in group["params"]]
    expected = [[x.detach().double().cpu() for x in xs] for xs in (
        group["params"], [st["exp_avg"] for st in states], [st["exp_avg_sq"] for st in states],
        [st["max_exp_avg_sq"] for st in states] if options.get("amsgrad") else [])]
    for name, xs, ys in zip(("p", "v", "s", "s_max"), run.state(), expected):
        for i, (x, y) in enumerate(zip(xs, ys)):
            if dtype == torch.float32:
                assert_close_ulps(x, y, dtype, f"{name}[{i}]")
            elif x.numel():
                error = ((x - y).abs().max() / y.abs().max()).item()
                assert error <= 4 * ULP[dtype], f"{name}[{i}] ({dtype}): {error:.3g} of its largest value"


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_the_optimizer_runs_it_when_forced(device, dtype, variant):
    """``snippets.optim.Yogi`` with ``_impl = "triton"`` (the path ``"auto"`` takes on CUDA): the
    fast paths' buckets, step counting and flags end in the same numbers as the kernel's own
    float64 reference, 0-dim and empty parameters included."""
    from snippets.optim import Yogi

    options = VARIANTS[variant]
    params, grads = data()
    ps = [torch.nn.Parameter(x.to(device=device, dtype=dtype)) for x in params]
    optimizer = Yogi(ps, lr=HYPER["lr"], betas=(HYPER["beta1"], HYPER["beta2"]), eps=HYPER["eps"],
                     initial_accumulator=S0, **options)
    optimizer._impl = "triton"
    for step_grads in grads:
        for p, g in zip(ps, step_grads):
            p.grad = g.to(device=device, dtype=dtype)
        optimizer.step()
    states = [optimizer.state[p] for p in ps]
    assert all(int(st["step"]) == len(grads) for st in states)
    actual = [[x.detach().double().cpu() for x in xs] for xs in (
        ps, [st["exp_avg"] for st in states], [st["exp_avg_sq"] for st in states],
        [st["max_exp_avg_sq"] for st in states] if options.get("amsgrad") else [])]
    expected = reference(params, grads, dtype=dtype, **{**HYPER, **options})
    assert_matches(actual, expected, dtype, f"optim.Yogi {variant}")


def test_counted_step_tensors_are_read_not_incremented():
    """``counted=True`` (the fast paths advance the counts first): one step, read as t."""
    params, grads = data(steps=1)
    counted = [torch.ones(()) for _ in params]  # already advanced to t = 1
    run = Run(params, torch.float32, "cpu")
    run.step(grads[0], counted, counted=True, **HYPER)
    assert all(st.item() == 1 for st in counted)
    assert_matches(run.state(), reference(params, grads, dtype=torch.float32, **HYPER), torch.float32, "counted")


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("kind", ["tensor", "shared"])
def test_step_tensors_counted_and_read_on_the_device(device, kind):
    """``capturable=True``: one step tensor per parameter, or one shared by the group (counted once)."""
    params, grads = data(steps=4)
    run, steps = run_steps(params, grads, torch.float32, device, state_steps=kind, capturable=True, amsgrad=True)
    assert all(st.item() == 4 for st in steps)
    assert_matches(run.state(), reference(params, grads, amsgrad=True, dtype=torch.float32, **HYPER),
                   torch.float32, kind)


@pytest.mark.parametrize("device", DEVICES)
def test_tensor_hyperparameters(device):
    """lr, β1 and β2 as 0-dim tensors (read by the kernel) give the steps of the same numbers."""
    params, grads = data()
    lr, beta1, beta2 = (torch.tensor(x, device=device) for x in (0.05, 0.9, 0.999))
    run = Run(params, torch.float32, device)
    steps = [torch.zeros((), device=device) for _ in params]
    for step_grads in grads:
        run.step(step_grads, steps, lr=lr, beta1=beta1, beta2=beta2, eps=1e-3, weight_decay=0.1,
                 decoupled_weight_decay=True)
    # the reference takes the float32 values the tensors hold
    expected = reference(params, grads, lr=lr.item(), beta1=beta1.item(), beta2=beta2.item(), eps=1e-3,
                         weight_decay=0.1, decoupled_weight_decay=True, dtype=torch.float32)
    assert_matches(run.state(), expected, torch.float32, "tensor hyperparameters")


@pytest.mark.parametrize("device", DEVICES)
def test_host_and_device_step_counts_agree(device):
    """Bias corrections from an int t (host, float64) and from step tensors (kernel, float64)."""
    params, grads = data(steps=4)
    by_int, _ = run_steps(params, grads, torch.float32, device, state_steps="int")
    by_tensor, _ = run_steps(params, grads, torch.float32, device, state_steps="tensor")
    for xs, ys in zip(by_int.state(), by_tensor.state()):
        for x, y in zip(xs, ys):
            assert_close_ulps(x, y, torch.float32, "int against tensor steps", k=1)


def check_counts_2_1_1(device, step_device, launches):
    """Parameter 0 takes one step alone (the others have no gradient yet); then all three step
    together, with counts 2, 1, 1, in ``launches`` launches."""
    params, grads = data(shapes=[(5,), (70,), (3,)], steps=2)
    run = Run(params, torch.float32, device)
    steps = [torch.zeros((), device=step_device) for _ in params]
    yogi_triton.yogi_step(run.p[:1], [grads[0][0].float().to(device)], run.v[:1], run.s[:1], [], steps[:1],
                          **HYPER, block_size=BLOCK)
    yogi_triton.reset_stats()
    run.step(grads[1], steps, **HYPER)
    assert [st.item() for st in steps] == [2.0, 1.0, 1.0] and yogi_triton.stats()["launches"] == launches
    first = reference(params[:1], [grads[0][:1], grads[1][:1]], dtype=torch.float32, **HYPER)
    rest = reference(params[1:], [grads[1][1:]], dtype=torch.float32, **HYPER)
    assert_matches(run.state(), [a + b for a, b in zip(first, rest)], torch.float32, "counts 2, 1, 1")


@pytest.mark.parametrize("device", DEVICES)
def test_step_counts_may_differ_between_tensors(device):
    """Step tensors on the parameters' device: each tensor's count read by the kernel, one launch."""
    check_counts_2_1_1(device, device, launches=1)


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # the interpreter's ∞ − ∞
@pytest.mark.parametrize("device", DEVICES)
def test_sign_zero_nan_and_inf_follow_torch_sign(device):
    """g² = s leaves s alone (sign 0); a NaN gradient gives NaN; g² = s = ∞ gives NaN (torch.sign)."""
    p = torch.tensor([1.0, 1.0, 1.0, 1.0, 1.0], device=device)
    g = torch.tensor([0.5, 0.0, float("nan"), float("inf"), 2.0], device=device)
    v = torch.zeros_like(p)
    s = torch.tensor([0.25, 0.25, 0.25, float("inf"), 0.0], device=device)
    expected_s = [0.25, 0.25, float("nan"), float("nan"), 0.004]  # s + (1−β2)·sign(g² − s)·g²
    yogi_triton.yogi_step([p], [g], [v], [s], [], 1, **HYPER)
    torch.testing.assert_close(s.cpu(), torch.tensor(expected_s), equal_nan=True)
    assert torch.isnan(p[2]) and torch.isnan(p[3]) and torch.isfinite(p[[0, 1, 4]]).all()


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16], ids=str)
def test_stores_round_ties_to_even(device, dtype):
    """With β1 = ½, two steps leave v = ¼·g₁ + ½·g₂, exact in float32; g₁ is chosen so that v
    lies halfway between two values of the dtype, and the stored v must be the even one."""
    half = ULP[dtype] / 2  # v = 1 + k·half lies halfway between two neighbours for odd k
    g1 = torch.tensor([4 * half, 12 * half, -4 * half, -12 * half, 20 * half], dtype=torch.float64)
    g2 = torch.tensor([2.0, 2.0, -2.0, -2.0, 2.0], dtype=torch.float64)
    run = Run([torch.zeros(5, dtype=torch.float64)], dtype, device)
    options = {**HYPER, "lr": 0.0, "beta1": 0.5}
    run.step([g1], 1, **options)
    run.step([g2], 2, **options)
    v = 0.25 * g1 + 0.5 * g2  # 1 ± half, 1 ± 3·half, 1 + 5·half: all ties
    assert torch.equal(run.v[0].cpu(), v.to(dtype)), (run.v[0], v.to(dtype))


@pytest.mark.parametrize("device", DEVICES)
def test_default_block_size_spans_blocks(device):
    """The default BLOCK_SIZE, on a tensor of three full blocks and a partial one, and a small one."""
    shapes = [(3 * yogi_triton.BLOCK_SIZE + 5,), (3,)]
    params, grads = data(shapes, steps=2)
    run = Run(params, torch.float32, device)
    for t, step_grads in enumerate(grads, start=1):
        run.step(step_grads, t, block_size=None, **HYPER)
    assert_matches(run.state(), reference(params, grads, dtype=torch.float32, **HYPER), torch.float32)


# --- many tensors, one launch; the table cache ---------------------------------------------


def gpt2_like_small(count=150, seed=3):
    """``count`` shapes of mixed sizes (0-dim, empty, 1 to 300 elements), as a model's list has."""
    gen = torch.Generator().manual_seed(seed)
    shapes = [(), (0,)]
    while len(shapes) < count:
        shapes.append((int(torch.randint(1, 301, (1,), generator=gen)),))
    return shapes


@pytest.fixture
def count_launches(monkeypatch):
    """Count the interpreter's kernel launches and the programs each runs, independently of
    ``yogi_triton.stats()``: wraps the launch of the interpreted kernel."""
    kernel = yogi_triton._kernel(interpret=True).yogi_kernel
    launches = []
    original = type(kernel).run

    def run(self, *args, grid, **kwargs):
        if self is kernel:
            launches.append(grid)
        return original(self, *args, grid=grid, **kwargs)

    monkeypatch.setattr(type(kernel), "run", run)
    return launches


def test_many_tensors_one_launch_per_step(count_launches):
    shapes = gpt2_like_small()
    params, grads = data(shapes, steps=2)
    run = Run(params, torch.float32, "cpu")
    yogi_triton.reset_stats()
    for t, step_grads in enumerate(grads, start=1):
        run.step(step_grads, t, block_size=256, **HYPER)
    blocks = sum(-(-math.prod(shape) // 256) for shape in shapes)
    assert count_launches == [(blocks,), (blocks,)]  # one launch per step, one program per block
    assert yogi_triton.stats() == {"launches": 2, "table_uploads": 1}
    assert_matches(run.state(), reference(params, grads, dtype=torch.float32, **HYPER), torch.float32)


def test_table_cache_is_reused_and_invalidated():
    """The same tensors reuse their table. A gradient in new memory (as ``zero_grad`` with
    ``set_to_none=True`` leaves), a parameter's storage replaced, or another list builds a new
    one, and the step then reads and writes the new memory, not the old (kept alive here, so a
    stale table would silently use it)."""
    params, grads = data([(5,), (70,), (3, 3)], steps=4)
    run = Run(params, torch.float32, "cpu")
    yogi_triton.clear_cache()
    yogi_triton.reset_stats()
    run.step(grads[0], 1, **HYPER)
    run.step(grads[1], 2, **HYPER)
    assert yogi_triton.stats()["table_uploads"] == 1
    old_grad = run.g[1]
    run.g[1] = torch.full_like(old_grad, float("nan"))  # new memory; Run.step fills it with grads[2][1]
    run.step(grads[2], 3, **HYPER)
    assert yogi_triton.stats()["table_uploads"] == 2
    old_param = run.p[0]
    run.p[0] = old_param.clone()  # the parameter's storage replaced
    before = old_param.clone()
    run.step(grads[3], 4, **HYPER)
    assert yogi_triton.stats()["table_uploads"] == 3
    assert torch.equal(old_param, before), "the step wrote to the old parameter's memory"
    assert_matches(run.state(), reference(params, grads, dtype=torch.float32, **HYPER), torch.float32, "moved")
    # another list (the first parameter alone) is another table; the first list's is still cached
    yogi_triton.yogi_step(run.p[:1], run.g[:1], run.v[:1], run.s[:1], [], 5, **HYPER, block_size=BLOCK)
    assert yogi_triton.stats()["table_uploads"] == 4
    run.step(grads[3], 5, **HYPER)
    assert yogi_triton.stats() == {"table_uploads": 4, "launches": 6}


def test_autograd_is_told_of_the_in_place_write():
    p = torch.nn.Parameter(torch.ones(4))
    version = p._version
    yogi_triton.yogi_step([p], [torch.ones(4)], [torch.zeros(4)], [torch.zeros(4)], [], 1, **HYPER)
    assert p._version > version and not torch.equal(p.detach(), torch.ones(4))


def test_empty_list_and_empty_tensors_launch_nothing(count_launches):
    yogi_triton.yogi_step([], [], [], [], [], 1, **HYPER)
    steps = [torch.zeros(())]
    x = torch.zeros(0)
    yogi_triton.yogi_step([x], [x.clone()], [x.clone()], [x.clone()], [], steps, **HYPER)
    assert count_launches == [] and steps[0].item() == 1.0


# --- arguments, availability ----------------------------------------------------------------


def quad(n=3, dtype=torch.float32):
    return [torch.zeros(n, dtype=dtype)], [torch.ones(n, dtype=dtype)], [torch.zeros(n, dtype=dtype)], \
        [torch.zeros(n, dtype=dtype)]


@pytest.mark.parametrize("change, message", [
    (dict(lr=-1.0), "Invalid learning rate: -1.0"),
    (dict(lr=torch.tensor(-1.0)), "Invalid learning rate: -1.0"),
    (dict(lr=torch.ones(2)), "Invalid learning rate: a tensor of shape (2,)"),
    (dict(beta1=1.0), "Invalid beta parameter at index 0: 1.0"),
    (dict(beta2=-0.1), "Invalid beta parameter at index 1: -0.1"),
    (dict(eps=float("nan")), "Invalid epsilon value: nan"),
    (dict(weight_decay=-1), "Invalid weight_decay value: -1"),
    (dict(maximize=1), "Invalid maximize: 1 (expected True or False)"),
    (dict(block_size=100), "Invalid block_size: 100"),
    (dict(num_warps=3), "Invalid num_warps: 3"),
    (dict(state_steps=0), "Invalid state_steps: 0"),
    (dict(state_steps=1, capturable=True), "Invalid state_steps: an int with capturable=True"),
    (dict(state_steps=[torch.zeros((), dtype=torch.int64)]), "Invalid state_steps[0]"),
    (dict(amsgrad=True), "Invalid max_exp_avg_sqs: 0 tensors for 1 parameters"),
    (dict(max_exp_avg_sqs=[torch.zeros(3)]), "Invalid max_exp_avg_sqs: 1 tensors with amsgrad=False"),
])
def test_invalid_arguments_are_named(change, message):
    p, g, v, s = quad()
    kwargs = {**HYPER, "max_exp_avg_sqs": [], "state_steps": 1, **change}
    with pytest.raises(ValueError, match=re.escape(message)):
        yogi_triton.yogi_step(p, g, v, s, kwargs.pop("max_exp_avg_sqs"), kwargs.pop("state_steps"), **kwargs)


@pytest.mark.parametrize("break_it, message", [
    (lambda t: t[1].__setitem__(0, torch.ones(3, dtype=torch.float16)), "Invalid grads[0]: torch.float16 on cpu"),
    (lambda t: t[2].__setitem__(0, torch.zeros(6)[::2]), "Invalid exp_avgs[0]: not a contiguous dense tensor"),
    (lambda t: t[3].__setitem__(0, torch.zeros(4)), "Invalid exp_avg_sqs[0]: 4 elements, not the parameter's 3"),
    (lambda t: t[1].pop(), "Invalid grads: 0 tensors for 1 parameters"),
])
def test_invalid_tensors_are_named(break_it, message):
    tensors = quad()
    break_it(tensors)
    with pytest.raises(ValueError, match=re.escape(message)):
        yogi_triton.yogi_step(*tensors, [], 1, **HYPER)


def test_float64_is_refused():
    with pytest.raises(ValueError, match=re.escape("Invalid dtype: torch.float64")):
        yogi_triton.yogi_step(*quad(dtype=torch.float64), [], 1, **HYPER)


def test_cpu_needs_the_interpreter(monkeypatch):
    monkeypatch.delenv("TRITON_INTERPRET")
    reason = yogi_triton.unavailable_reason("cpu")
    assert "TRITON_INTERPRET=1" in reason and not yogi_triton.available("cpu")
    with pytest.raises(RuntimeError, match="cannot run on cpu: CPU tensors run only under Triton's interpreter"):
        yogi_triton.yogi_step(*quad(), [], 1, **HYPER)
    monkeypatch.setenv("TRITON_INTERPRET", "1")
    assert yogi_triton.available("cpu") and yogi_triton.unavailable_reason("cpu") is None


def test_unavailable_reasons(monkeypatch):
    if not torch.cuda.is_available():
        assert yogi_triton.unavailable_reason("cuda") == "CUDA is not available (torch.cuda.is_available() is False)"
    assert "not on meta" in yogi_triton.unavailable_reason("meta")
    monkeypatch.setattr(yogi_triton, "_triton", lambda: ImportError("No module named 'triton'"))
    assert yogi_triton.unavailable_reason("cpu") == "triton is not importable (ImportError: No module named 'triton')"
    assert not yogi_triton.available()


def test_the_cpu_path_never_needs_triton():
    """Importing this module imports no triton (torch's own compiler stack, which any
    torch.optim optimizer loads, may import it when installed); with triton missing
    snippets.optim still imports and steps, and the module says why it is unavailable."""
    code = textwrap.dedent("""
        import sys
        import snippets.tools.yogi_triton as yt
        assert "triton" not in sys.modules, "imported triton"
        sys.modules["triton"] = None  # what a machine without triton has: import triton fails
        import torch
        import snippets.optim
        net = torch.nn.Linear(3, 1)
        opt = snippets.optim.Yogi(net.parameters())
        net(torch.ones(2, 3)).sum().backward()
        opt.step()
        print(yt.available("cpu"), yt.unavailable_reason("cpu"))
    """)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env={**os.environ, "TRITON_INTERPRET": "1"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("False triton is not importable ("), out.stdout


# --- the compiled kernel, built for a Hopper GPU without one -----------------------------------


def test_compiled_kernel_builds_for_sm90_with_vector_loads():
    """The compiled flavor (what CUDA runs) compiles for sm_90 here, no GPU needed: the full
    blocks use 16-byte vector loads and stores, and the math uses IEEE division and square root
    and no fused multiply-add (as the interpreter computes)."""
    from triton.backends.compiler import GPUTarget
    from triton.compiler import ASTSource, compile

    module = yogi_triton._kernel(interpret=False)
    tl = module.tl
    assert type(module.yogi_kernel).__name__ == "JITFunction"
    constants = dict(ELEM=tl.float32, BF16=False, STEP_ELEM=tl.float32, STEP_MODE=2, LR_PTR=True, BETA1_PTR=False,
                     BETA2_PTR=False, WD_MODE=2, MAXIMIZE=True, AMSGRAD=True, ALIGNED=True, ROW=8, BLOCK=2048)
    signature = {"table": "*i64", "blocks": "*i32", "lr": "*fp32"}
    for name in ("beta1", "beta1_lo", "c1", "beta2", "beta2_lo", "c2", "eps", "weight_decay", "decay", "bc1", "bc2",
                 "t_host"):
        signature[name] = "fp32"
    signature.update({name: "constexpr" for name in constants})
    compiled = compile(ASTSource(fn=module.yogi_kernel, signature=signature, constexprs=constants),
                       target=GPUTarget("cuda", 90, 32), options={"num_warps": 4, "enable_fp_fusion": False})
    ptx = compiled.asm["ptx"]
    assert "ld.global.v4.b32" in ptx and "st.global.v4.b32" in ptx
    assert "div.rn.f32" in ptx and "sqrt.rn.f32" in ptx
    assert "fma.rn.f32" not in ptx and "sqrt.approx.f32" not in ptx


# --- CUDA only: graph capture ---------------------------------------------------------------


@CUDA
def test_cuda_graph_capture_replays_the_steps():
    """A captured capturable step, replayed, gives the steps of eager calls (counts on the device)."""
    params, grads = data(steps=4)
    eager, _ = run_steps(params, grads, torch.float32, "cuda", state_steps="tensor", capturable=True)
    run = Run(params, torch.float32, "cuda")
    steps = [torch.zeros((), device="cuda") for _ in params]
    lr = torch.tensor(HYPER["lr"], device="cuda")
    options = {**HYPER, "lr": lr, "capturable": True}
    run.step(grads[0], steps, **options)  # the first step outside the graph builds the table
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        yogi_triton.yogi_step(run.p, run.g, run.v, run.s, [], steps, block_size=BLOCK, **options)
    for step_grads in grads[1:]:
        for g, new in zip(run.g, step_grads):
            g.copy_(new)
        graph.replay()
    torch.cuda.synchronize()
    # capturing ran nothing, so the counts are 1 + three replays; the state matches eager steps
    assert all(st.item() == 4 for st in steps)
    for xs, ys in zip(run.state(), eager.state()):
        for x, y in zip(xs, ys):
            torch.testing.assert_close(x, y, rtol=0, atol=0)


@CUDA
def test_cuda_capture_refuses_a_new_table():
    run = Run([torch.ones(5)], torch.float32, "cuda")
    steps = [torch.zeros((), device="cuda")]
    yogi_triton.clear_cache()
    graph = torch.cuda.CUDAGraph()
    with pytest.raises(RuntimeError, match="while a CUDA graph is being captured"):
        with torch.cuda.graph(graph):
            yogi_triton.yogi_step(run.p, run.g, run.v, run.s, [], steps, **HYPER, capturable=True)


@CUDA
def test_cuda_refuses_cpu_step_tensors_when_capturable():
    run = Run([torch.ones(5)], torch.float32, "cuda")
    with pytest.raises(ValueError, match="capturable=True needs them on cuda"):
        yogi_triton.yogi_step(run.p, run.g, run.v, run.s, [], [torch.zeros(())], **HYPER, capturable=True)


@CUDA
def test_cuda_cpu_step_tensors_are_read_on_the_host():
    """CPU step tensors with CUDA parameters: read here, one launch per distinct count."""
    check_counts_2_1_1("cuda", "cpu", launches=2)


@CUDA
def test_cuda_step_on_another_stream_after_the_upload():
    """A table uploaded on one stream, used on another: the step waits for the upload."""
    params, grads = data(steps=2)
    run = Run(params, torch.float32, "cuda")
    yogi_triton.clear_cache()
    side = torch.cuda.Stream()
    with torch.cuda.stream(side):
        run.step(grads[0], 1, **HYPER)  # the table is uploaded on the side stream
    run.step(grads[1], 2, **HYPER)  # and used on the default one
    torch.cuda.synchronize()
    assert_matches(run.state(), reference(params, grads, dtype=torch.float32, **HYPER), torch.float32)
