"""A raw pointer is a promise: before the C kernel touches memory every tensor is checked, and
misuse raises a clear error; nothing is half-written."""
import pytest
import torch

from torch_yogi import Yogi, cpu_kernel


def _param(*shape, dtype=torch.float32):
    p = torch.nn.Parameter(torch.randn(*shape, dtype=dtype))
    p.grad = torch.randn(*shape, dtype=dtype)
    return p


def _snapshot(opt, params):
    return [p.detach().clone() for p in params], {k: {n: t.clone() for n, t in v.items()} for k, v in opt.state.items()}


def _unchanged(before, opt, params):
    values, state = before
    assert all(torch.equal(a, b) for a, b in zip(values, params))
    for p, entry in state.items():
        assert all(torch.equal(t, opt.state[p][n]) for n, t in entry.items())




def _after_one_step(**kwargs):
    params = [_param(100), _param(3, 4)]
    opt = Yogi(params, fused=True, **kwargs)
    opt.step()
    for p in params:
        p.grad = torch.randn_like(p)
    return opt, params


def test_a_float64_gradient_on_a_float32_parameter_is_refused_not_read_as_float32():
    opt, params = _after_one_step()
    before = _snapshot(opt, params)
    params[0].grad.data = params[0].grad.data.double()
    with pytest.raises(RuntimeError, match=r"grads\[0\] has dtype torch.float64, expected torch.float32"):
        opt.step()
    _unchanged(before, opt, params)


def test_a_gradient_resized_with_set_is_refused_not_a_crash():
    opt, params = _after_one_step()
    params[1].grad.set_(torch.randn(2))
    with pytest.raises(RuntimeError, match=r"grads\[1\] has 2 elements, expected 12"):
        opt.step()


def test_state_resized_or_replaced_in_place_is_caught_after_it_was_checked():
    opt, params = _after_one_step()
    opt.step()  # now the state is known and its check is cached
    opt.state[params[0]]["exp_avg_sq"].set_(torch.zeros(10))
    with pytest.raises(RuntimeError, match=r"exp_avg_sqs\[0\] has 10 elements, expected 100"):
        opt.step()
    opt, params = _after_one_step()
    opt.step()
    opt.state[params[1]]["exp_avg"] = torch.zeros(3, 4, dtype=torch.float64)
    with pytest.raises(RuntimeError, match=r"exp_avgs\[1\] has dtype torch.float64"):
        opt.step()


def test_a_state_step_that_is_not_a_cpu_scalar_is_refused():
    opt, params = _after_one_step()
    opt.state[params[0]]["step"] = torch.tensor([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"state_steps\[0\] has 2 elements, expected 1"):
        opt.step()


def test_a_parameter_given_twice_is_refused_instead_of_racing():
    p = _param(50_000)
    with pytest.warns(UserWarning, match="duplicate"):  # torch's own warning when the group is made
        opt = Yogi([p, p], fused=True)
    with pytest.raises(RuntimeError, match=r"share memory \(is a parameter given twice\?\)"):
        opt.step()
    a = torch.nn.Parameter(torch.randn(10))
    views = [torch.nn.Parameter(a.detach()[:6]), torch.nn.Parameter(a.detach()[4:])]  # overlapping memory
    for v in views:
        v.grad = torch.randn_like(v)
    with pytest.raises(RuntimeError, match="share memory"):
        Yogi(views, fused=True).step()


def test_tensor_subclasses_and_other_devices_never_reach_the_kernel():
    class Marked(torch.Tensor):
        pass

    p = _param(4)
    p.grad = p.grad.as_subclass(Marked)
    with pytest.raises(RuntimeError, match=r"grads\[0\] is a Marked; the kernel takes plain tensors"):
        Yogi([p], fused=True).step()
    q = torch.nn.Parameter(torch.randn(4, device="meta"))
    q.grad = torch.randn(4, device="meta")
    with pytest.raises(RuntimeError, match="fused=True"):
        Yogi([q], fused=True).step()
    Yogi([_param(4)], fused=None).step()  # sanity: plain CPU tensors pass


def test_calling_the_kernel_with_mismatched_lists_raises_what_it_means():
    p, g = torch.zeros(3), torch.zeros(3)
    with pytest.raises(ValueError, match="exp_avgs: expected 1 tensors, got 0"):
        cpu_kernel.step([p], [g], [], [torch.zeros(3)], [], [torch.zeros(())], 0.1, 0.9, 0.999, 0.0, 1e-3,
                        False, False, False)


def test_non_contiguous_parameters_and_gradients_are_updated_through_copies():
    base = torch.randn(8, 6)
    ref = torch.nn.Parameter(base.t().contiguous())
    odd = torch.nn.Parameter(base.t())  # a transposed view: not contiguous
    g = torch.randn(6, 8)
    ref.grad, odd.grad = g.clone(), g.t().contiguous().t()  # odd's gradient is not contiguous either
    for opt in (Yogi([ref], fused=True), Yogi([odd], fused=True)):
        opt.step()
    assert torch.equal(ref, odd)


def test_the_parameter_version_is_bumped_so_autograd_refuses_a_stale_graph():
    p = _param(5)
    y = (p * p).sum()  # saves p
    Yogi([p], fused=True).step()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_a_sparse_gradient_after_checked_steps_is_refused_by_name():
    opt, params = _after_one_step()
    opt.step()  # the repeat of a checked call: the next one may skip the kinds of its tensors
    params[1].grad = params[1].grad.to_sparse()
    before = _snapshot(opt, params)
    with pytest.raises(RuntimeError, match="Yogi does not support sparse gradients"):
        opt.step()
    _unchanged(before, opt, params)


def test_a_step_repeats_the_kernel_call_only_for_the_tensors_checked_last():
    params = [_param(100), _param(3, 4)]
    opt = Yogi(params)  # fused=None: the default path takes the kernel on CPU float32
    opt.step()
    group = opt.param_groups[0]
    lists = opt._gather(group)
    args = (0.01, 0.9, 0.999, 0.0, 1e-3, False, False, False)
    assert cpu_kernel.step_again(*lists, *args)  # the default path checked these tensors last step
    assert not cpu_kernel.step_again(*lists[:5], [t.clone() for t in lists[5]], *args)  # other step counts
    assert not cpu_kernel.step_again(lists[0], [g.double() for g in lists[1]], *lists[2:], *args)
    steps = [t.item() for t in lists[5]]
    opt.state[params[0]]["exp_avg"] = torch.zeros(100)  # replaced: the record dies with the old tensor
    assert not cpu_kernel.step_again(*opt._gather(group), *args)
    assert [t.item() for t in opt._gather(group)[5]] == steps  # the refusals stepped nothing
