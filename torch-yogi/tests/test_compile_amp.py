"""torch.compile traces a whole training step with Yogi (fullgraph), and GradScaler drives the
fused step as it drives torch's fused Adam."""
import pytest
import torch

from torch_yogi import Yogi


def _model_and_data(seed=0):
    torch.manual_seed(seed)
    model = torch.nn.Linear(5, 1)
    X, y = torch.randn(10, 5), torch.randn(10, 1)
    return model, X, y


@pytest.mark.slow
@pytest.mark.parametrize("flags", [dict(), dict(fused=True), dict(foreach=True), dict(foreach=False)], ids=str)
def test_a_compiled_training_step_with_a_fullgraph_step_equals_eager(flags):
    """The model compiled, backward, and Yogi's whole step compiled as one graph (fullgraph=True;
    torch's own optimizers break their step's graph on purpose and cannot)."""
    torch._dynamo.reset()
    results = []
    for compiled in (False, True):
        model, X, y = _model_and_data()
        opt = Yogi(model.parameters(), lr=0.05, **flags)
        forward = torch.compile(model) if compiled else model
        step = torch.compile(opt.step, fullgraph=True) if compiled else opt.step
        losses = []
        for _ in range(5):
            opt.zero_grad()
            loss = torch.nn.functional.mse_loss(forward(X), y)
            loss.backward()
            step()
            losses.append(loss.item())
        results.append((losses, [p.detach().clone() for p in model.parameters()]))
    (eager_losses, eager_params), (compiled_losses, compiled_params) = results
    assert compiled_losses == pytest.approx(eager_losses, rel=1e-5)
    # compiled, the loops compute 1 − βᵗ from the float32 step tensor (eagerly from a Python float)
    assert all(torch.allclose(a, b, rtol=1e-4, atol=1e-6) for a, b in zip(eager_params, compiled_params))


@pytest.mark.slow
def test_the_fused_step_is_one_operator_in_the_compiled_graph():
    torch._dynamo.reset()
    model, X, y = _model_and_data()
    opt = Yogi(model.parameters(), fused=True)
    for p in model.parameters():
        p.grad = torch.ones_like(p)
    graphs = []

    def backend(gm, example_inputs):
        graphs.append(gm)
        return gm.forward

    torch.compile(opt.step, backend=backend, fullgraph=True)()
    ops = [str(n.target) for g in graphs for n in g.graph.nodes if n.op == "call_function"]
    assert ops.count("torch_yogi.fused_yogi_cpu_") == 1, ops  # the kernel, once, for the whole list


def test_gradscaler_hands_the_fused_step_its_scale_and_inf_check():
    model, X, y = _model_and_data()
    ours = Yogi(model.parameters(), fused=True)
    assert getattr(ours, "_step_supports_amp_scaling") is True
    scaler = torch.amp.GradScaler("cpu", init_scale=1024.0)
    before = [p.detach().clone() for p in model.parameters()]
    loss = torch.nn.functional.mse_loss(model(X), y)
    scaler.scale(loss).backward()
    model.weight.grad[0, 0] = float("inf")
    scaler.step(ours)  # found_inf: nothing changes, the step count included
    scaler.update()
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))
    assert ours.state[model.weight]["step"].item() == 0.0
    assert scaler.get_scale() == 512.0


def test_gradscaler_unscales_inside_the_fused_step_like_unscaled_training():
    runs = []
    for scaled in (False, True):
        model, X, y = _model_and_data()
        opt = Yogi(model.parameters(), fused=True)
        scaler = torch.amp.GradScaler("cpu", init_scale=256.0, enabled=scaled)
        for _ in range(3):
            opt.zero_grad()
            scaler.scale(torch.nn.functional.mse_loss(model(X), y)).backward()
            scaler.step(opt)
            scaler.update()
        runs.append([p.detach().clone() for p in model.parameters()])
        if scaled:  # the unscaled gradient is written back, as torch's fused Adam does
            plain = model.weight.grad.clone()
    assert all(torch.allclose(a, b, rtol=1e-6, atol=1e-8) for a, b in zip(*runs))
    assert plain.abs().max() < 100  # not 256 times the gradient


@pytest.mark.slow
def test_a_tensor_lr_under_compile_takes_torchs_ops_by_default_and_fused_true_says_why():
    torch._dynamo.reset()
    model, X, y = _model_and_data()
    opt = Yogi(model.parameters(), lr=torch.tensor(0.01))
    torch.nn.functional.mse_loss(model(X), y).backward()
    torch.compile(opt.step, fullgraph=True)()
    assert opt.state[model.weight]["step"].item() == 1.0
    torch._dynamo.reset()
    fused = Yogi(model.parameters(), lr=torch.tensor(0.01), fused=True)
    with pytest.raises(Exception, match="fused=True on CPU reads lr on the host"):
        torch.compile(fused.step, fullgraph=True)()


def test_capturable_on_cpu_with_default_flags_gets_torchs_message():
    p = torch.nn.Parameter(torch.ones(3))
    p.grad = torch.ones(3)
    with pytest.raises(AssertionError, match="If capturable=True, params and state_steps must be on supported"):
        Yogi([p], capturable=True).step()


def test_under_fake_tensor_mode_the_fused_step_runs_its_fake_implementation():
    from torch._subclasses.fake_tensor import FakeTensorMode

    with FakeTensorMode():
        p = torch.nn.Parameter(torch.ones(3))
        p.grad = torch.ones(3)
        opt = Yogi([p], fused=True)
        opt.step()  # the operator's fake implementation: no kernel touches fake memory
        assert type(opt.state[p]["exp_avg"]).__name__ == "FakeTensor"
