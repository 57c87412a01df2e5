"""snippets/optim.py: Adam against torch.optim.Adam, every Yogi path against NumPy, the API."""
import io
import re
from pathlib import Path

import numpy as np
import pytest
import torch

from snippets import _fast, _yogi_kernel, optim, scratch
from snippets.optim import Adam, Yogi
from test_snippet_sections import sections

OPTIM_PATH = Path(optim.__file__)
SOURCE = OPTIM_PATH.read_text()
DTYPES = [torch.float32, torch.float64]
TOLERANCE = {torch.float64: 1e-10, torch.float32: 1e-5}
YOGI_PATHS = ["reference", "torch-fused", "c-kernel", "auto"]
ADAM_PATHS = ["reference", "torch-fused", "auto"]
# shapes: the regression's weight and bias, a matrix, a 3-d tensor, and one larger than a CPU
# chunk of the torch-fused Yogi path, so that path splits it into views
SHAPES = [(5, 1), (1,), (33, 17), (4, 3, 2), (_fast.CPU_CHUNK + 1000,)]


def rel_err(actual, expected):
    """max |actual − expected| / max |expected|, on CPU float64."""
    actual = torch.as_tensor(actual).detach().double().cpu()
    expected = torch.as_tensor(expected).detach().double().cpu()
    return ((actual - expected).abs().max() / expected.abs().max()).item()


def skip_unless_available(impl, device):
    if impl == "c-kernel":
        if device.type != "cpu":
            pytest.skip("the c-kernel path runs on CPU only")
        if _yogi_kernel.load() is None:
            pytest.skip(f"the Yogi C kernel cannot be built here: {_yogi_kernel.unavailable_reason()}")


def make(cls, params, impl="auto", **kwargs):
    optimizer = cls(params, **kwargs)
    optimizer._impl = impl
    return optimizer


# --- float64 NumPy references, written from the equations ---


def numpy_yogi(p, grads, lr=1e-2, betas=(0.9, 0.999), eps=1e-3, initial_accumulator=1e-6, weight_decay=0.0):
    beta1, beta2 = betas
    p = np.array(p, dtype=np.float64)
    v, s = np.zeros_like(p), np.full_like(p, initial_accumulator)
    for t, g in enumerate(grads, start=1):
        g = np.asarray(g, dtype=np.float64) + weight_decay * p  # g ← g + λ·p
        v = beta1 * v + (1 - beta1) * g  # v ← β1·v + (1−β1)·g
        s = s + (1 - beta2) * np.sign(g * g - s) * g * g  # s ← s + (1−β2)·sign(g² − s)·g²
        v_hat, s_hat = v / (1 - beta1**t), s / (1 - beta2**t)
        p = p - lr * v_hat / (np.sqrt(s_hat) + eps)  # p ← p − η·v̂/(√ŝ + ε)
    return p


def random_grads(steps, shapes=SHAPES, seed=0):
    """Gradients spanning five orders of magnitude, so sign(g² − s) flips often."""
    gen = torch.Generator().manual_seed(seed)
    out = []
    for _ in range(steps):
        scale = 10.0 ** torch.randint(-3, 2, (1,), generator=gen).item()
        out.append([torch.randn(shape, generator=gen, dtype=torch.float64) * scale for shape in shapes])
    return out


def initial_params(shapes=SHAPES, seed=1):
    gen = torch.Generator().manual_seed(seed)
    return [torch.randn(shape, generator=gen, dtype=torch.float64) for shape in shapes]


def run(optimizer, params, grads, device, dtype):
    for step_grads in grads:
        for p, g in zip(params, step_grads):
            p.grad = g.to(device, dtype, copy=True)
        optimizer.step()


def params_on(p0, device, dtype):
    return [torch.nn.Parameter(p.to(device, dtype, copy=True)) for p in p0]


# --- Yogi: every path against NumPy ---


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("impl", YOGI_PATHS)
@pytest.mark.parametrize(
    "hyper",
    [{}, {"weight_decay": 0.1, "lr": 0.05, "initial_accumulator": 0.0}, {"betas": (0.5, 0.9), "eps": 1e-6}],
    ids=["defaults", "weight-decay", "betas-eps"],
)
def test_yogi_path_equals_numpy_reference(device, dtype, impl, hyper):
    skip_unless_available(impl, device)
    p0, grads = initial_params(), random_grads(40)
    params = params_on(p0, device, dtype)
    run(make(Yogi, params, impl, **hyper), params, grads, device, dtype)
    for k, p in enumerate(params):
        expected = numpy_yogi(p0[k].numpy(), [g[k].numpy() for g in grads], **hyper)
        assert rel_err(p, expected) <= TOLERANCE[dtype], f"tensor {k} {tuple(p.shape)}"
        assert rel_err(p, p0[k]) > 1e-4  # it moved


@pytest.mark.parametrize("dtype", DTYPES)
def test_yogi_torch_fused_chunking_matches_reference(device, dtype, monkeypatch):
    """Tiny chunks: large tensors split into many views, small ones grouped across tensors."""
    monkeypatch.setattr(_fast, "CPU_CHUNK", 64)
    shapes = [(5, 1), (1,), (7, 30), (3,), (250,), (64,), (65,)]
    p0, grads = initial_params(shapes), random_grads(25, shapes)
    params = params_on(p0, device, dtype)
    run(make(Yogi, params, "torch-fused", weight_decay=0.01), params, grads, device, dtype)
    for k, p in enumerate(params):
        expected = numpy_yogi(p0[k].numpy(), [g[k].numpy() for g in grads], weight_decay=0.01)
        assert rel_err(p, expected) <= TOLERANCE[dtype]


def test_yogi_ties_use_sign_zero(device):
    """g² = s exactly leaves s unchanged (torch.sign(0) = 0) on every path; so does g = 0."""
    for impl in YOGI_PATHS:
        if impl == "c-kernel" and (device.type != "cpu" or _yogi_kernel.load() is None):
            continue
        p = torch.nn.Parameter(torch.ones(4, device=device, dtype=torch.float64))
        opt = make(Yogi, [p], impl, initial_accumulator=0.25)
        p.grad = torch.tensor([0.5, -0.5, 0.0, 2.0], device=device, dtype=torch.float64)  # g² = s, s, 0, 16·s
        opt.step()
        s = opt.state[p]["exp_avg_sq"].cpu()
        expected = torch.tensor([0.25, 0.25, 0.25 - 0.0, 0.25 + 0.001 * 4.0], dtype=torch.float64)
        assert torch.allclose(s, expected, rtol=1e-14, atol=0), impl


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("impl", YOGI_PATHS)
def test_yogi_step_one_with_zero_accumulator_equals_adam_step_one(device, dtype, impl):
    """sign(g² − 0) = 1, so s₁ = (1−β2)·g² for both: the first steps agree for the same ε."""
    skip_unless_available(impl, device)
    p0, grads = initial_params(), random_grads(1)
    yogi_params, adam_params = params_on(p0, device, dtype), params_on(p0, device, dtype)
    yogi = make(Yogi, yogi_params, impl, lr=0.01, eps=1e-3, initial_accumulator=0.0)
    adam = make(Adam, adam_params, "reference" if impl == "c-kernel" else impl, lr=0.01, eps=1e-3)
    run(yogi, yogi_params, grads, device, dtype)
    run(adam, adam_params, grads, device, dtype)
    for a, b in zip(yogi_params, adam_params):
        if impl == "reference":
            assert torch.equal(a, b)
        else:
            assert rel_err(a, b) <= TOLERANCE[dtype]
    for a, b in zip(yogi_params, adam_params):
        assert torch.equal(yogi.state[a]["exp_avg"], adam.state[b]["exp_avg"]) or impl != "reference"


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("impl", YOGI_PATHS)
def test_yogi_with_zero_accumulator_matches_scratch_yogi(device, dtype, impl):
    """Yogi(initial_accumulator=0, eps=1e-3) takes the same steps as scratch.yogi on a real loss."""
    skip_unless_available(impl, device)
    gen = torch.Generator().manual_seed(3)
    X = torch.randn(100, 5, generator=gen).to(device, dtype)
    y = (X @ torch.tensor([[2.0], [-3.4], [1.5], [0.5], [-1.0]]).to(device, dtype) + 4.2)
    ours = [torch.nn.Parameter(torch.zeros(5, 1, device=device, dtype=dtype)),
            torch.nn.Parameter(torch.zeros(1, device=device, dtype=dtype))]
    theirs = [p.detach().clone().requires_grad_() for p in ours]
    states = [(v.to(device, dtype), s.to(device, dtype)) for v, s in scratch.init_adam_states(5)]
    hyperparams = {"lr": 0.1, "t": 1}
    opt = make(Yogi, ours, impl, lr=0.1, eps=1e-3, initial_accumulator=0.0)
    for step in range(60):
        rows = slice(step % 10 * 10, step % 10 * 10 + 10)
        opt.zero_grad()
        ((X[rows] @ ours[0] + ours[1] - y[rows]) ** 2).mean().backward()
        opt.step()
        ((X[rows] @ theirs[0] + theirs[1] - y[rows]) ** 2).mean().backward()
        scratch.yogi(theirs, states, hyperparams)
    for a, b in zip(ours, theirs):
        if impl == "reference":
            assert torch.equal(a, b)  # the same torch ops in the same order
        else:
            assert rel_err(a, b) <= TOLERANCE[dtype] * 10  # 60 steps of a loss that feeds back


# --- Adam: every path against torch.optim.Adam, for every option ---

ADAM_OPTIONS = [
    {},
    {"lr": 0.05, "betas": (0.8, 0.99), "eps": 1e-6},
    {"weight_decay": 0.1},
    {"amsgrad": True},
    {"amsgrad": True, "weight_decay": 0.05, "lr": 0.02},
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("impl", ADAM_PATHS)
@pytest.mark.parametrize("options", ADAM_OPTIONS, ids=lambda o: "-".join(f"{k}={v}" for k, v in o.items()) or "defaults")
def test_adam_equals_torch_adam(device, dtype, impl, options):
    p0, grads = initial_params(), random_grads(40)
    ours, theirs = params_on(p0, device, dtype), params_on(p0, device, dtype)
    run(make(Adam, ours, impl, **options), ours, grads, device, dtype)
    run(torch.optim.Adam(theirs, foreach=False, **options), theirs, grads, device, dtype)
    for a, b in zip(ours, theirs):
        assert rel_err(a, b) <= TOLERANCE[dtype]
    if impl != "reference":  # the fused path runs torch's fused kernel: bit-identical to fused=True
        fused = params_on(p0, device, dtype)
        run(torch.optim.Adam(fused, fused=True, **options), fused, grads, device, dtype)
        for a, b in zip(ours, fused):
            assert torch.equal(a, b)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_low_precision_runs_and_tracks_float64(device, dtype):
    """Half precision: Adam takes torch's fused kernel, Yogi the reference loop; both track float64."""
    p0, grads = initial_params([(5, 1), (1,), (40,)]), random_grads(20, [(5, 1), (1,), (40,)])
    for cls, hyper in [(Adam, {"lr": 0.01}), (Yogi, {})]:
        low, high = params_on(p0, device, dtype), params_on(p0, device, torch.float64)
        run(cls(low, **hyper), low, grads, device, dtype)
        run(cls(high, **hyper), high, grads, device, torch.float64)
        for a, b in zip(low, high):
            assert a.dtype == dtype
            assert rel_err(a, b) <= 0.05


# --- state_dict, groups, grads, closures ---


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "cls, impl", [(Adam, i) for i in ADAM_PATHS] + [(Yogi, i) for i in YOGI_PATHS],
    ids=lambda x: x if isinstance(x, str) else x.__name__,
)
def test_state_dict_round_trip_continues_bit_identically(device, dtype, cls, impl):
    skip_unless_available(impl, device)
    p0, grads = initial_params(), random_grads(12)
    kwargs = {"amsgrad": True} if cls is Adam else {"initial_accumulator": 1e-4}
    params = params_on(p0, device, dtype)
    opt = make(cls, params, impl, weight_decay=0.01, **kwargs)
    run(opt, params, grads[:5], device, dtype)
    buffer = io.BytesIO()
    torch.save({"model": [p.detach() for p in params], "optimizer": opt.state_dict()}, buffer)
    buffer.seek(0)
    saved = torch.load(buffer)
    run(opt, params, grads[5:], device, dtype)  # the original keeps going

    fresh_params = [torch.nn.Parameter(p.clone()) for p in saved["model"]]
    fresh = make(cls, fresh_params, impl, weight_decay=0.5, **kwargs)  # hyperparameters come from the state
    fresh.load_state_dict(saved["optimizer"])
    assert fresh.param_groups[0]["weight_decay"] == 0.01
    run(fresh, fresh_params, grads[5:], device, dtype)
    for a, b in zip(params, fresh_params):
        assert torch.equal(a, b)
        for key, value in opt.state[a].items():
            assert (torch.equal(value, fresh.state[b][key]) if torch.is_tensor(value) else value == fresh.state[b][key])
    assert opt.state[params[0]]["step"] == 12


@pytest.mark.parametrize("cls", [Adam, Yogi])
def test_param_groups_each_use_their_own_hyperparameters(device, cls):
    p0, grads = initial_params(), random_grads(10)
    together = params_on(p0, device, torch.float64)
    opt = cls([{"params": together[:2], "lr": 0.05, "weight_decay": 0.1}, {"params": together[2:]}], lr=0.01)
    run(opt, together, grads, device, torch.float64)
    apart = params_on(p0, device, torch.float64)
    first, second = cls(apart[:2], lr=0.05, weight_decay=0.1), cls(apart[2:], lr=0.01)
    for step_grads in grads:
        for p, g in zip(apart, step_grads):
            p.grad = g.to(device, copy=True)
        first.step()
        second.step()
    for a, b in zip(together, apart):
        assert torch.equal(a, b)


@pytest.mark.parametrize("cls", [Adam, Yogi])
def test_group_added_later_gets_the_defaults(cls):
    a, b = torch.nn.Parameter(torch.ones(3)), torch.nn.Parameter(torch.ones(2))
    opt = cls([a], lr=0.02)
    opt.add_param_group({"params": [b]})
    assert opt.param_groups[1]["lr"] == 0.02
    b.grad = torch.ones(2)
    opt.step()
    assert torch.all(b < 1)
    if cls is Yogi:
        assert opt.param_groups[1]["initial_accumulator"] == 1e-6


@pytest.mark.parametrize("cls", [Adam, Yogi])
@pytest.mark.parametrize("impl", ["reference", "auto"])
def test_params_without_grad_are_skipped(device, cls, impl):
    used, unused = torch.nn.Parameter(torch.ones(3, device=device)), torch.nn.Parameter(torch.ones(3, device=device))
    opt = make(cls, [used, unused], impl)
    for step in range(3):
        used.grad = torch.full((3,), 0.5, device=device)
        opt.step()
    assert torch.equal(unused, torch.ones(3, device=device)) and unused not in opt.state
    assert opt.state[used]["step"] == 3
    unused.grad = torch.ones(3, device=device)  # its own count starts now: t = 1
    opt.step()
    assert opt.state[unused]["step"] == 1 and opt.state[used]["step"] == 4
    assert torch.all(unused < 1)


@pytest.mark.parametrize("cls", [Adam, Yogi])
def test_step_with_closure_returns_its_loss(device, cls):
    w = torch.nn.Parameter(torch.tensor([3.0], device=device))
    opt = cls([w], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (w**2).sum()
        loss.backward()
        return loss

    losses = [opt.step(closure).item() for _ in range(20)]
    assert losses[0] == 9.0 and losses[-1] < losses[0]
    opt.zero_grad()
    assert w.grad is None


@pytest.mark.parametrize("cls", [Adam, Yogi])
def test_fused_paths_bump_the_autograd_version(cls):
    """Writing through data pointers must still invalidate graphs that saved p."""
    w = torch.nn.Parameter(torch.ones(4))
    opt = cls([w])
    loss = (w**3).sum()  # saves w for backward
    w.grad = torch.ones(4)
    opt.step()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


def test_non_contiguous_params_take_the_reference_path(device):
    p0, grads = initial_params([(6, 4)]), random_grads(10, [(4, 6)])
    strided = [torch.nn.Parameter(p0[0].to(device).t().contiguous().t())]  # (6, 4) with column-major strides
    assert not strided[0].is_contiguous()
    opt = Yogi(strided)
    for step_grads in grads:
        strided[0].grad = step_grads[0].to(device).t()
        opt.step()
    expected = numpy_yogi(p0[0].numpy(), [g[0].t().numpy() for g in grads])
    assert rel_err(strided[0], expected) <= 1e-10
    opt._impl = "torch-fused"
    with pytest.raises(RuntimeError, match="cannot take 1 parameter"):
        opt.step()


def test_subclass_with_its_own_second_moment_runs_the_reference_path():
    class Adagradish(Adam):
        def _second_moment(self, s, g, beta2):
            return s + torch.square(g)

    w = torch.nn.Parameter(torch.ones(3, dtype=torch.float64))
    opt = Adagradish([w], lr=0.1, betas=(0.0, 0.5))
    w.grad = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)
    opt.step()
    assert torch.equal(opt.state[w]["exp_avg_sq"], torch.tensor([1.0, 4.0, 9.0], dtype=torch.float64))
    opt._impl = "torch-fused"
    with pytest.raises(RuntimeError, match="has its own _second_moment"):
        opt.step()


def test_invalid_impl_is_rejected():
    w = torch.nn.Parameter(torch.ones(2))
    w.grad = torch.ones(2)
    for cls, impl, error in [(Yogi, "fast", "Invalid _impl: 'fast'"), (Adam, "c-kernel", "computes Yogi only")]:
        opt = make(cls, [w], impl)
        with pytest.raises(ValueError, match=error):
            opt.step()


def test_yogi_falls_back_to_torch_fused_without_a_c_compiler(monkeypatch):
    monkeypatch.setattr(_yogi_kernel, "_tried", True)
    monkeypatch.setattr(_yogi_kernel, "_lib", None)
    monkeypatch.setattr(_yogi_kernel, "_reason", "RuntimeError: no compiler in this test")
    calls = []
    monkeypatch.setattr(_fast, "_yogi_torch_fused", lambda *args: calls.append(args) or _real_torch_fused(*args))
    p0, grads = initial_params([(5, 1), (1,)]), random_grads(5, [(5, 1), (1,)])
    params = params_on(p0, "cpu", torch.float64)
    run(Yogi(params), params, grads, "cpu", torch.float64)
    assert len(calls) == 5
    for k, p in enumerate(params):
        assert rel_err(p, numpy_yogi(p0[k].numpy(), [g[k].numpy() for g in grads])) <= 1e-10
    opt = make(Yogi, params, "c-kernel")
    with pytest.raises(RuntimeError, match="unavailable: RuntimeError: no compiler in this test"):
        opt.step()


_real_torch_fused = _fast._yogi_torch_fused


def test_yogi_amsgrad_group_takes_the_reference_path():
    w = torch.nn.Parameter(torch.ones(3, dtype=torch.float64))
    opt = Yogi([{"params": [w], "amsgrad": True}])
    w.grad = torch.tensor([1.0, 0.1, 0.0], dtype=torch.float64)
    opt.step()
    assert "max_exp_avg_sq" in opt.state[w]
    opt._impl = "c-kernel"
    with pytest.raises(RuntimeError, match="does not compute amsgrad"):
        opt.step()


def test_yogi_with_beta2_zero_skips_the_torch_fused_path():
    w = torch.nn.Parameter(torch.ones(2, dtype=torch.float64))
    w.grad = torch.tensor([0.5, 2.0], dtype=torch.float64)
    opt = make(Yogi, [w], "torch-fused", betas=(0.9, 0.0))
    with pytest.raises(RuntimeError, match="needs β2 > 0"):
        opt.step()
    opt._impl = "auto"
    opt.step()
    expected = numpy_yogi(np.ones(2), [w.grad.numpy()], betas=(0.9, 0.0))
    assert rel_err(w, expected) <= 1e-12


# --- hyperparameter validation and sparse gradients ---

NAN = float("nan")
INVALID = [
    (Adam, {"lr": -1.0}, "Invalid learning rate: -1.0"),
    (Adam, {"lr": NAN}, "Invalid learning rate: nan"),
    (Adam, {"eps": -1e-8}, "Invalid epsilon value: -1e-08"),
    (Adam, {"eps": NAN}, "Invalid epsilon value: nan"),
    (Adam, {"betas": (1.0, 0.999)}, "Invalid beta parameter at index 0: 1.0"),
    (Adam, {"betas": (0.9, 1.0)}, "Invalid beta parameter at index 1: 1.0"),
    (Adam, {"betas": (-0.1, 0.999)}, "Invalid beta parameter at index 0: -0.1"),
    (Adam, {"betas": (0.9, NAN)}, "Invalid beta parameter at index 1: nan"),
    (Adam, {"betas": (0.9,)}, "Invalid betas: (0.9,)"),
    (Adam, {"weight_decay": -0.1}, "Invalid weight_decay value: -0.1"),
    (Adam, {"weight_decay": NAN}, "Invalid weight_decay value: nan"),
    (Yogi, {"lr": -1.0}, "Invalid learning rate: -1.0"),
    (Yogi, {"lr": NAN}, "Invalid learning rate: nan"),
    (Yogi, {"eps": -1e-3}, "Invalid epsilon value: -0.001"),
    (Yogi, {"eps": NAN}, "Invalid epsilon value: nan"),
    (Yogi, {"betas": (0.9, 1.5)}, "Invalid beta parameter at index 1: 1.5"),
    (Yogi, {"betas": (NAN, 0.999)}, "Invalid beta parameter at index 0: nan"),
    (Yogi, {"weight_decay": -1.0}, "Invalid weight_decay value: -1.0"),
    (Yogi, {"weight_decay": NAN}, "Invalid weight_decay value: nan"),
    (Yogi, {"initial_accumulator": -1e-6}, "Invalid initial_accumulator value: -1e-06"),
    (Yogi, {"initial_accumulator": NAN}, "Invalid initial_accumulator value: nan"),
]


@pytest.mark.parametrize("cls, kwargs, message", INVALID, ids=lambda x: x if isinstance(x, str) else None)
def test_invalid_hyperparameter_raises_with_name_and_value(cls, kwargs, message):
    with pytest.raises(ValueError) as info:
        cls([torch.nn.Parameter(torch.ones(2))], **kwargs)
    assert str(info.value) == message


def test_invalid_initial_accumulator_in_a_param_group():
    with pytest.raises(ValueError, match=re.escape("Invalid initial_accumulator value: -1.0")):
        Yogi([{"params": [torch.nn.Parameter(torch.ones(2))], "initial_accumulator": -1.0}])


@pytest.mark.parametrize("cls", [Adam, Yogi])
@pytest.mark.parametrize("impl", ["reference", "auto"])
def test_sparse_gradients_are_rejected(device, cls, impl):
    embedding = torch.nn.Embedding(10, 3, sparse=True).to(device)
    opt = make(cls, embedding.parameters(), impl)
    embedding(torch.tensor([1, 2], device=device)).sum().backward()
    with pytest.raises(RuntimeError, match=f"{cls.__name__} does not support sparse gradients"):
        opt.step()


def test_complex_parameters_are_rejected():
    w = torch.nn.Parameter(torch.ones(2, dtype=torch.complex64))
    w.grad = torch.ones(2, dtype=torch.complex64)
    with pytest.raises(RuntimeError, match="does not support complex parameters"):
        Yogi([w]).step()


def test_yogi_defaults_are_the_documented_ones():
    import inspect

    defaults = {k: v.default for k, v in inspect.signature(Yogi).parameters.items() if k != "params"}
    assert defaults == {"lr": 1e-2, "betas": (0.9, 0.999), "eps": 1e-3, "initial_accumulator": 1e-6, "weight_decay": 0}
    adam = {k: v.default for k, v in inspect.signature(Adam).parameters.items() if k != "params"}
    assert adam == {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0, "amsgrad": False}
    doc = Yogi.__doc__
    for source in ("NeurIPS 2018", "tfa.optimizers.Yogi", "optax.yogi", "heuristic carried over from Adam"):
        assert source in doc


@pytest.mark.parametrize("cls", [Adam, Yogi])
def test_usage_example_fits_the_regression(cls):
    loss = optim.fit_linear_regression(cls, steps=300, lr=0.1)
    assert loss < 1e-3


# --- the page sections ---

def test_sections_are_the_ones_the_pages_use():
    assert list(sections(OPTIM_PATH)) == ["adam", "yogi", "usage"]


def test_each_section_runs_alone_with_torch():
    """Copied alone (no snippets package), the classes run their reference path and still work."""
    public = {}
    for name, body in sections(OPTIM_PATH).items():
        namespace = {"__name__": f"section_{name}", **public}
        exec(compile(body, f"optim.py:{name}", "exec"), namespace)
        public.update({k: v for k, v in namespace.items() if not k.startswith("_") and k != "torch"})
    assert public["fit_linear_regression"](public["Yogi"], steps=300, lr=0.1) < 1e-3
    p0, grads = initial_params([(5, 1), (1,)]), random_grads(20, [(5, 1), (1,)])
    params = params_on(p0, "cpu", torch.float64)
    run(public["Yogi"](params), params, grads, "cpu", torch.float64)
    for k, p in enumerate(params):
        assert rel_err(p, numpy_yogi(p0[k].numpy(), [g[k].numpy() for g in grads])) <= 1e-10


def test_yogi_overrides_one_method_of_adam():
    overridden = {name for name, value in vars(Yogi).items()
                  if callable(value) and name in vars(Adam) and value.__qualname__.startswith("Yogi.")}
    assert overridden == {"__init__", "_second_moment"}
    import inspect

    body = inspect.getsource(Yogi._second_moment).strip().splitlines()[1:]
    assert len(body) == 2 and "sign(g² − s)" in body[1]  # a docstring and the one changed line


def test_every_update_line_carries_its_formula():
    for name, body in sections(OPTIM_PATH).items():
        for line in body.splitlines():
            if re.match(r"\s+(v\[:\]|s\[:\]|p -=|v_hat =|s_hat =|return .*beta2)", line):
                assert "  # " in line and ("←" in line or "one line Yogi changes" in line), line.strip()
