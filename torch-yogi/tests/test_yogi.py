"""torch_yogi.Yogi: every path against the float64 reference, the flags, the state and its
checkpoints, and the errors torch.optim.Adam raises for the same misuse."""
import copy
import inspect

import pytest
import torch

import torch_yogi
from yogi_support import initial_params, random_grads, reference, rel_err, train
from torch_yogi import Yogi, cpu_kernel

PATHS = {"for-loop": dict(foreach=False), "foreach": dict(foreach=True), "fused": dict(fused=True),
         "default": {}}
TOLERANCE = {torch.float64: 1e-10, torch.float32: 2e-5}
HYPER = [dict(), dict(amsgrad=True), dict(maximize=True, weight_decay=0.1),
         dict(weight_decay=0.1, decoupled_weight_decay=True), dict(initial_accumulator=0.0, betas=(0.0, 0.5))]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("hyper", HYPER, ids=str)
def test_every_path_follows_the_float64_reference(device, dtype, path, hyper):
    p0, grads = initial_params(), random_grads(12)
    params = [torch.nn.Parameter(p.to(device, dtype, copy=True)) for p in p0]
    train(Yogi(params, lr=0.05, **PATHS[path], **hyper), params, grads)
    for p, start, k in zip(params, p0, range(len(p0))):
        expected = reference(start, [g[k] for g in grads], lr=0.05, **hyper)
        assert rel_err(p, expected) < TOLERANCE[dtype], (path, k)


def test_the_default_on_cpu_is_the_fused_kernel_and_fused_matches_the_loop_to_rounding():
    p0, grads = initial_params(), random_grads(20)
    runs = {}
    for path in ("default", "fused", "for-loop"):
        params = [torch.nn.Parameter(p.float()) for p in p0]
        train(Yogi(params, **PATHS[path]), params, grads)
        runs[path] = params
    assert all(torch.equal(a, b) for a, b in zip(runs["default"], runs["fused"]))
    assert all(rel_err(a, b) < 1e-5 for a, b in zip(runs["fused"], runs["for-loop"]))


def test_the_threaded_kernel_equals_one_thread():
    p0, grads = initial_params(), random_grads(5)
    out = []
    for threads in (1, 2):
        torch.set_num_threads(threads)
        params = [torch.nn.Parameter(p.float()) for p in p0]
        train(Yogi(params, fused=True), params, grads)
        out.append(params)
    assert all(torch.equal(a, b) for a, b in zip(*out))


@pytest.mark.parametrize("path", ["for-loop", "foreach"])
def test_complex_parameters_are_updated_as_their_real_and_imaginary_parts(path):
    gen = torch.Generator().manual_seed(3)
    z0 = torch.randn(7, dtype=torch.complex128, generator=gen)
    grads = [[torch.randn(7, dtype=torch.complex128, generator=gen)] for _ in range(6)]
    z = torch.nn.Parameter(z0.clone())
    train(Yogi([z], **PATHS[path]), [z], grads)
    expected = reference(torch.view_as_real(z0), [torch.view_as_real(g[0]) for g in grads])
    assert rel_err(torch.view_as_real(z.detach()), expected) < 1e-10


def test_yogi_changes_only_the_second_moment_of_adam():
    """With the same s₀ = 0 and β2 small enough that sign(g² − s) = 1 at step 1, the first step
    equals torch.optim.Adam's; afterwards they differ."""
    p0, grads = initial_params([(50,)]), random_grads(3, [(50,)])
    runs = []
    for cls, kwargs in ((Yogi, dict(initial_accumulator=0.0)), (torch.optim.Adam, {})):
        p = torch.nn.Parameter(p0[0].clone())
        opt = cls([p], lr=0.01, eps=1e-3, **kwargs)
        out = []
        for g in grads:
            p.grad = g[0].clone()
            opt.step()
            out.append(p.detach().clone())
        runs.append(out)
    assert torch.allclose(runs[0][0], runs[1][0], rtol=1e-12, atol=1e-15)
    assert not torch.allclose(runs[0][2], runs[1][2], rtol=1e-9, atol=0)


def test_state_has_torch_adams_keys_and_types():
    p = torch.nn.Parameter(torch.randn(3, 2))
    for kwargs in ({}, dict(fused=True), dict(foreach=False), dict(amsgrad=True)):
        opt = Yogi([p], **kwargs)
        p.grad = torch.randn(3, 2)
        opt.step()
        state = opt.state[p]
        assert set(state) == {"step", "exp_avg", "exp_avg_sq"} | ({"max_exp_avg_sq"} if "amsgrad" in kwargs else set())
        assert torch.is_tensor(state["step"]) and state["step"].shape == () and state["step"].item() == 1.0
        assert state["step"].dtype == torch.float32
        assert state["exp_avg"].shape == p.shape and state["exp_avg_sq"].dtype == p.dtype


@pytest.mark.parametrize("path", ["default", "fused", "foreach", "for-loop"])
def test_a_state_dict_saved_mid_run_continues_bit_for_bit(path, tmp_path):
    p0, grads = initial_params(), random_grads(10)
    whole = [torch.nn.Parameter(p.float()) for p in p0]
    train(Yogi(whole, amsgrad=True, **PATHS[path]), whole, grads)
    half = [torch.nn.Parameter(p.float()) for p in p0]
    opt = Yogi(half, amsgrad=True, **PATHS[path])
    train(opt, half, grads[:5])
    torch.save({"params": half, "opt": opt.state_dict()}, tmp_path / "ckpt.pt")
    saved = torch.load(tmp_path / "ckpt.pt")
    resumed = [torch.nn.Parameter(p.detach()) for p in saved["params"]]
    opt = Yogi(resumed, amsgrad=True, **PATHS[path])
    opt.load_state_dict(saved["opt"])
    train(opt, resumed, grads[5:])
    assert all(torch.equal(a, b) for a, b in zip(whole, resumed))


@pytest.mark.parametrize("torch_cls", [torch.optim.Adam, torch.optim.AdamW])
def test_checkpoints_load_both_ways_with_torch_adam(torch_cls):
    p0, grads = initial_params(), random_grads(4)
    donor_params = [torch.nn.Parameter(p.float()) for p in p0]
    donor = torch_cls(donor_params, lr=0.01, fused=True)
    train(donor, donor_params, grads[:2])
    params = [torch.nn.Parameter(p.detach().clone()) for p in donor_params]
    yogi = Yogi(params, lr=0.01)
    yogi.load_state_dict(donor.state_dict())  # torch's groups lack initial_accumulator: the default fills in
    assert yogi.param_groups[0]["initial_accumulator"] == 1e-6
    assert yogi.param_groups[0]["fused"] is True  # the loaded group's flags are honoured, as in torch
    train(yogi, params, grads[2:])
    back = torch_cls([torch.nn.Parameter(p.detach().clone()) for p in params], lr=0.01)
    back.load_state_dict(yogi.state_dict())
    assert back.state[back.param_groups[0]["params"][0]]["step"].item() == 4.0


def test_param_groups_keep_their_own_hyperparameters_and_skip_params_without_grad():
    a, b, c = (torch.nn.Parameter(torch.ones(3)) for _ in range(3))
    opt = Yogi([{"params": [a]}, {"params": [b, c], "lr": 0.1}], lr=0.01)
    a.grad, b.grad = torch.ones(3), torch.ones(3)
    opt.step()
    assert torch.allclose(1 - a, torch.full((3,), 0.01), rtol=3e-3)
    assert torch.allclose(1 - b, torch.full((3,), 0.1), rtol=3e-3)
    assert torch.equal(c.detach(), torch.ones(3)) and c not in opt.state


def test_closure_loss_is_returned_and_zero_grad_works():
    p = torch.nn.Parameter(torch.tensor([2.0]))
    opt = Yogi([p])

    def closure():
        opt.zero_grad()
        loss = (p**2).sum()
        loss.backward()
        return loss

    assert opt.step(closure).item() == 4.0
    opt.zero_grad()
    assert p.grad is None


def test_differentiable_step_lets_autograd_reach_the_learning_rate():
    lr = torch.tensor(0.1, dtype=torch.float64, requires_grad=True)
    p = torch.randn(4, dtype=torch.float64, requires_grad=True)
    w = p.clone()
    opt = Yogi([w], lr=lr, differentiable=True)
    w.grad = torch.randn(4, dtype=torch.float64)
    opt.step()
    w.sum().backward()
    assert lr.grad is not None and torch.isfinite(lr.grad) and lr.grad.item() != 0.0
    assert torch.autograd.gradcheck(lambda x: _one_step(x), (torch.tensor(0.1, dtype=torch.float64,
                                                                             requires_grad=True),))


def _one_step(lr):
    w = torch.ones(3, dtype=torch.float64, requires_grad=True).clone()
    opt = Yogi([w], lr=lr, differentiable=True)
    w.grad = torch.tensor([1.0, -2.0, 3.0], dtype=torch.float64)
    opt.step()
    return w


def test_a_shaped_tensor_lr_is_one_number_on_every_path():
    for kwargs in (dict(foreach=False), dict(fused=True), dict(capturable=False)):
        results = []
        for lr in (0.05, torch.tensor(0.05), torch.tensor([[0.05]])):
            p = torch.nn.Parameter(torch.ones(4))
            opt = Yogi([p], lr=lr, **kwargs)
            p.grad = torch.arange(4.0)
            opt.step()
            results.append(p.detach().clone())
        assert all(torch.allclose(r, results[0], rtol=1e-6) for r in results), kwargs


def test_the_signature_is_torch_adams_plus_initial_accumulator():
    ours = inspect.signature(Yogi).parameters
    theirs = inspect.signature(torch.optim.Adam).parameters
    assert set(ours) == set(theirs) | {"initial_accumulator"}
    assert [ours[k].kind for k in theirs] == [theirs[k].kind for k in theirs]
    assert {k: v.default for k, v in ours.items() if k in ("lr", "eps", "initial_accumulator")} == {
        "lr": 1e-2, "eps": 1e-3, "initial_accumulator": 1e-6}


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(lr=-1.0), ValueError, "Invalid learning rate: -1.0"),
    (dict(eps=-1e-3), ValueError, "Invalid epsilon value: -0.001"),
    (dict(betas=(1.0, 0.9)), ValueError, "Invalid beta parameter at index 0: 1.0"),
    (dict(betas=(0.9, -0.1)), ValueError, "Invalid beta parameter at index 1: -0.1"),
    (dict(weight_decay=-1.0), ValueError, "Invalid weight_decay value: -1.0"),
    (dict(initial_accumulator=-1.0), ValueError, "Invalid initial_accumulator value: -1.0"),
    (dict(betas=(torch.tensor(0.9), 0.99)), ValueError, "betas must be either both floats or both Tensors"),
    (dict(lr=torch.tensor([0.1, 0.2])), ValueError, "Tensor lr must be 1-element"),
    (dict(lr=torch.tensor(0.1), foreach=True), ValueError, "lr as a Tensor is not supported"),
    (dict(fused=True, foreach=True), RuntimeError, "`fused` and `foreach` cannot be `True` together."),
    (dict(fused=True, differentiable=True), RuntimeError, "`fused` does not support `differentiable`"),
])
def test_misuse_raises_what_torch_adam_raises(kwargs, error, message):
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        Yogi([torch.nn.Parameter(torch.ones(2))], **kwargs)
    if "initial_accumulator" not in kwargs:  # the same misuse, the same exception from torch
        with pytest.raises(error):
            torch.optim.Adam([torch.nn.Parameter(torch.ones(2))], **kwargs)


def test_sparse_gradients_and_capturable_on_cpu_are_refused():
    p = torch.nn.Parameter(torch.ones(3))
    p.grad = torch.ones(3).to_sparse()
    with pytest.raises(RuntimeError, match="sparse"):
        Yogi([p]).step()
    p.grad = torch.ones(3)
    with pytest.raises(AssertionError, match="capturable=True"):
        Yogi([p], capturable=True, foreach=False).step()


def test_fused_refuses_dtypes_it_has_no_kernel_for_by_name():
    p = torch.nn.Parameter(torch.ones(3, dtype=torch.complex64))
    p.grad = torch.ones(3, dtype=torch.complex64)
    with pytest.raises(RuntimeError, match="`fused=True` requires all the params to be floating point"):
        Yogi([p], fused=True).step()
    q = torch.nn.Parameter(torch.ones(3, dtype=torch.int32), requires_grad=False)
    q.grad = torch.ones(3, dtype=torch.int32)
    with pytest.raises(RuntimeError, match="float16, bfloat16, float32 and float64, but torch.int32"):
        Yogi([q], fused=True).step()


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_fused_half_precision_on_cpu_computes_in_float32_and_rounds_back(dtype):
    p0, grads = initial_params([(40,), (3, 5)]), random_grads(6, [(40,), (3, 5)])
    runs = []
    for flags in (dict(fused=True), dict(foreach=False)):
        params = [torch.nn.Parameter(p.to(dtype, copy=True)) for p in p0]
        train(Yogi(params, lr=0.01, **flags), params, grads)
        runs.append(params)
        assert all(p.dtype == dtype for p in params)
    for fused, loop, start in zip(*runs, p0):
        assert torch.allclose(fused.float(), loop.float(), rtol=5e-3, atol=5e-3)
        assert not torch.equal(fused.float(), start.to(dtype).float())


def test_deepcopy_and_the_public_names():
    opt = Yogi([torch.nn.Parameter(torch.ones(2))])
    assert copy.deepcopy(opt).defaults == opt.defaults
    assert torch_yogi.__all__ == ["Yogi", "yogi"] and callable(torch_yogi.yogi)
    assert cpu_kernel.available()  # this machine has a C compiler: the tests above ran the kernel
