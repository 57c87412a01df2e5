"""snippets/optim.py under torch.compile: ``torch.compile(opt.step)`` and a compiled training step
that calls ``opt.step()``, for both classes on every path, equal to eager.

Dynamo never traces ``step()`` (``snippets/tools/stepping.py``; ``tests/test_optim_stepping.py``
counts the frames and graph breaks): compiled code runs the optimizer's kernels as they are, so the
numbers are eager's, bit for bit. The compiled training step compiles the forward and backward pass
around it.
"""
import pytest
import torch

from optim_support import ADAM_PATHS, YOGI_PATHS, initial_params, make, one_thread, params_on, random_grads
from optim_support import skip_unless_available
from snippets.optim import Adam, Yogi

CASES = [(Adam, impl) for impl in ADAM_PATHS] + [(Yogi, impl) for impl in YOGI_PATHS]
IDS = [f"{cls.__name__}-{impl}" for cls, impl in CASES]
SHAPES = [(4, 3), (3,), ()]


@pytest.fixture(autouse=True)
def fresh_dynamo():
    torch._dynamo.reset()
    yield
    torch._dynamo.reset()


@pytest.mark.parametrize("cls, impl", CASES, ids=IDS)
def test_compiled_step_equals_eager_bit_for_bit(cls, impl):
    skip_unless_available(impl, "cpu")
    p0, grads = initial_params(SHAPES), random_grads(6, SHAPES)
    eager, compiled = params_on(p0, "cpu", torch.float32), params_on(p0, "cpu", torch.float32)
    kwargs = dict(weight_decay=0.01, amsgrad=True, maximize=True)
    opt_eager, opt_compiled = make(cls, eager, impl, **kwargs), make(cls, compiled, impl, **kwargs)
    step = torch.compile(opt_compiled.step, fullgraph=False)
    for step_grads in grads:
        for a, b, g in zip(eager, compiled, step_grads):
            a.grad, b.grad = g.float(), g.float().clone()
        opt_eager.step()
        step()
    assert all(torch.equal(a, b) for a, b in zip(eager, compiled))
    assert opt_compiled.state[compiled[0]]["step"] == 6


@pytest.mark.parametrize("cls", [Adam, Yogi])
def test_compiled_step_with_a_closure_equals_eager(cls):
    """``torch.compile(opt.step)(closure)``: the closure (forward and backward) runs, as in eager,
    and its loss comes back."""
    models = [_model(), _model()]
    opts = [cls(m.parameters(), lr=0.01) for m in models]
    gen = torch.Generator().manual_seed(2)
    X, y = torch.randn(16, 6, generator=gen), torch.randn(16, 1, generator=gen)

    def closure_for(model, opt):
        def closure():
            opt.zero_grad()
            loss = torch.nn.functional.mse_loss(model(X), y)
            loss.backward()
            return loss
        return closure

    steps = [opts[0].step, torch.compile(opts[1].step)]
    for _ in range(4):
        losses = [step(closure_for(m, o)) for step, m, o in zip(steps, models, opts)]
        assert losses[0].item() == losses[1].item()
    assert all(torch.equal(a, b) for a, b in zip(models[0].parameters(), models[1].parameters()))


def _model():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))


def _train(model, opt, steps, compile_it):
    gen = torch.Generator().manual_seed(1)
    X, y = torch.randn(32, 6, generator=gen), torch.randn(32, 1, generator=gen)

    def train_step():
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(model(X), y)
        loss.backward()
        opt.step()
        return loss

    step = torch.compile(train_step) if compile_it else train_step
    return [step().item() for _ in range(steps)]


@pytest.mark.slow
@pytest.mark.parametrize("cls, impl", CASES, ids=IDS)
def test_compiled_training_step_calls_step_and_matches_eager(cls, impl):
    """A compiled step that calls opt.step(): it runs, and matches the eager loop. For Adam on the
    fused path, also bit for bit torch's fused Adam in the same compiled step (the same compiled
    gradients go in)."""
    skip_unless_available(impl, "cpu")
    eager_model, compiled_model = _model(), _model()
    eager = _train(eager_model, make(cls, eager_model.parameters(), impl, lr=0.01), 8, False)
    compiled = _train(compiled_model, make(cls, compiled_model.parameters(), impl, lr=0.01), 8, True)
    assert compiled[-1] < compiled[0]
    # inductor's forward and backward round differently from eager's: close, not equal
    assert compiled == pytest.approx(eager, rel=1e-4)
    for a, b in zip(eager_model.parameters(), compiled_model.parameters()):
        assert torch.allclose(a, b, rtol=1e-4, atol=1e-6)
    if cls is Adam and impl in ("torch-fused", "auto"):
        torch_model = _model()
        _train(torch_model, torch.optim.Adam(torch_model.parameters(), lr=0.01, fused=True), 8, True)
        assert all(torch.equal(a, b) for a, b in zip(torch_model.parameters(), compiled_model.parameters()))
