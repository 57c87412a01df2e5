"""snippets/optim.py: torch.optim.Adam's flags, every memory layout on every path, and the
cached plans of tools/fast.py (what invalidates them)."""
from pathlib import Path

import pytest
import torch

from optim_support import (ADAM_PATHS, YOGI_PATHS, c_kernel_missing, initial_params, kernels_used, make,
                           numpy_yogi, one_thread, params_on, random_grads, rel_err, run, skip_unless_available)
from snippets import optim
from snippets.optim import Adam, Yogi
from snippets.tools import fast, options
from test_snippet_sections import sections

SMALL = [(5, 1), (1,), (7, 3)]
OPTIM_PATH = Path(optim.__file__)


def torch_adam_run(p0, grads, **kwargs):
    """torch.optim.Adam's for-loop on copies of p0 with these gradients; returns the parameters."""
    params = [torch.nn.Parameter(p.detach().clone()) for p in p0]
    run(torch.optim.Adam(params, foreach=False, **kwargs), params, grads, "cpu")
    return params


# --- flags: the same numbers as torch, on every path ---------------------------------------------

FLAG_CASES = [
    {"maximize": True},
    {"maximize": True, "weight_decay": 0.1},
    {"decoupled_weight_decay": True, "weight_decay": 0.3, "lr": 0.01},
    {"decoupled_weight_decay": True, "weight_decay": 0.3, "amsgrad": True, "maximize": True},
    {"lr": torch.tensor(0.01)},
    {"betas": (torch.tensor(0.8, dtype=torch.float64), torch.tensor(0.99, dtype=torch.float64)),
     "lr": torch.tensor(0.02, dtype=torch.float64)},
]


def _ids(case):
    return "-".join(f"{k}={'tensor' if torch.is_tensor(v) or isinstance(v, tuple) else v}" for k, v in case.items())


@pytest.mark.parametrize("impl", ADAM_PATHS)
@pytest.mark.parametrize("case", FLAG_CASES, ids=_ids)
def test_adam_flags_equal_torch(impl, case):
    p0, grads = initial_params(SMALL), random_grads(15, SMALL)
    ours = params_on(p0, "cpu", torch.float64)
    run(make(Adam, ours, impl, **case), ours, grads, "cpu")
    # a float32 tensor lr: torch's loop divides it by the bias correction in float32
    tol = 1e-6 if torch.is_tensor(case.get("lr")) and case["lr"].dtype == torch.float32 else 1e-10
    for a, b in zip(ours, torch_adam_run(p0, grads, **case)):
        assert rel_err(a, b) <= tol
    if impl in ("torch-fused", "auto"):  # torch's fused kernel: bit for bit with fused=True
        theirs = params_on(p0, "cpu", torch.float64)
        run(torch.optim.Adam(theirs, fused=True, **case), theirs, grads, "cpu")
        assert all(torch.equal(a, b) for a, b in zip(ours, theirs))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("options_", [{"maximize": True}, {"decoupled_weight_decay": True, "weight_decay": 0.1},
                                      {"maximize": True, "decoupled_weight_decay": True, "weight_decay": 0.1,
                                       "amsgrad": True}], ids=_ids)
def test_adam_maximize_and_adamw_are_bit_identical_to_torch_fused(dtype, options_):
    """The issue's promise: Adam(maximize=…) and Adam(decoupled_weight_decay=True) = torch's Adam/AdamW."""
    p0, grads = initial_params(SMALL), random_grads(25, SMALL)
    ours, theirs = params_on(p0, "cpu", dtype), params_on(p0, "cpu", dtype)
    opt = Adam(ours, fused=True, **options_)
    run(opt, ours, grads, "cpu")
    assert kernels_used(opt) == {"torch-fused": len(SMALL)}
    if options_.get("decoupled_weight_decay"):
        cls, kwargs = torch.optim.AdamW, {k: v for k, v in options_.items() if k != "decoupled_weight_decay"}
    else:
        cls, kwargs = torch.optim.Adam, options_
    run(cls(theirs, fused=True, **kwargs), theirs, grads, "cpu")
    assert all(torch.equal(a, b) for a, b in zip(ours, theirs))


@pytest.mark.parametrize("impl", YOGI_PATHS)
@pytest.mark.parametrize("case", FLAG_CASES, ids=_ids)
def test_yogi_flags_equal_numpy(impl, case):
    skip_unless_available(impl, "cpu")
    p0, grads = initial_params(SMALL), random_grads(15, SMALL)
    params = params_on(p0, "cpu", torch.float64)
    run(make(Yogi, params, impl, **case), params, grads, "cpu")
    hyper = {k: (tuple(float(b) for b in v) if k == "betas" else float(v) if torch.is_tensor(v) else v)
             for k, v in case.items()}
    for k, p in enumerate(params):
        assert rel_err(p, numpy_yogi(p0[k].numpy(), [g[k].numpy() for g in grads], **hyper)) <= 1e-10


def test_flags_choose_the_path_as_torch_does():
    p0 = initial_params(SMALL)
    cases = [({}, {"c-kernel"} if not c_kernel_missing("cpu") else {"torch-fused"}, {"torch-fused"}),
             ({"fused": True}, {"c-kernel"} if not c_kernel_missing("cpu") else {"torch-fused"}, {"torch-fused"}),
             ({"foreach": True}, {"foreach"}, {"foreach"}),
             ({"foreach": False}, {"reference"}, {"reference"}),
             ({"fused": False}, {"reference"}, {"reference"})]
    for flags, yogi_paths, adam_paths in cases:
        for cls, expected in ((Yogi, yogi_paths), (Adam, adam_paths)):
            params = params_on(p0, "cpu", torch.float64)
            opt = cls(params, **flags)
            run(opt, params, random_grads(1, SMALL), "cpu")
            assert set(kernels_used(opt)) == expected, (cls.__name__, flags)
    low = [torch.nn.Parameter(torch.ones(3, dtype=torch.bfloat16))]
    opt = Yogi(low)
    run(opt, low, random_grads(2, [(3,)]), "cpu")
    assert kernels_used(opt) == {"foreach": 1}  # no fused Yogi kernel takes bfloat16: multi-tensor ops
    group = Yogi(low, differentiable=True).param_groups[0]
    assert fast._want(Yogi(low), group) == ("reference", "differentiable=True")  # the loop alone


def test_a_tensor_lr_works_with_foreach_too():
    """torch refuses a tensor lr with foreach=True (capturable=False); the foreach path here takes it."""
    p0, grads = initial_params(SMALL), random_grads(8, SMALL)
    a, b = params_on(p0, "cpu", torch.float64), params_on(p0, "cpu", torch.float64)
    run(Yogi(a, foreach=True, lr=torch.tensor(0.05, dtype=torch.float64)), a, grads, "cpu")
    run(Yogi(b, foreach=True, lr=0.05), b, grads, "cpu")
    assert all(torch.equal(x, y) for x, y in zip(a, b))


# --- combinations no path can honour: a ValueError naming the flag -------------------------------

FLAG_ERRORS = [
    ({"fused": True, "foreach": True}, "fused=True and foreach=True cannot be used together"),
    ({"fused": True, "differentiable": True}, "fused=True does not support differentiable=True"),
    ({"foreach": True, "differentiable": True}, "foreach=True does not support differentiable=True"),
    ({"capturable": True}, "capturable=True needs parameters on cuda, not on cpu"),
    ({"maximize": "yes"}, "Invalid maximize: 'yes' (True or False)"),
    ({"fused": "auto"}, "Invalid fused: 'auto' (True, False or None)"),
    ({"betas": (torch.tensor(0.9), 0.999)}, "betas must be either both numbers or both tensors"),
    ({"betas": (torch.tensor([0.9, 0.8]), torch.tensor(0.9))}, "Invalid beta parameter at index 0"),
    ({"lr": torch.tensor([0.1, 0.2])}, "Invalid learning rate"),
]


@pytest.mark.parametrize("cls", [Adam, Yogi])
@pytest.mark.parametrize("flags, message", FLAG_ERRORS, ids=[m for _, m in FLAG_ERRORS])
def test_impossible_flags_are_refused_by_name(cls, flags, message):
    w = torch.nn.Parameter(torch.ones(2))
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        cls([w], **flags)
    opt = cls([torch.nn.Parameter(torch.ones(3))])
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        opt.add_param_group({"params": [w], **flags})
    assert len(opt.param_groups) == 1


def test_differentiable_through_betas_is_refused_by_name():
    betas = (torch.tensor(0.9, requires_grad=True), torch.tensor(0.999, requires_grad=True))
    with pytest.raises(ValueError, match="differentiable=True with betas that require grad"):
        Adam([torch.nn.Parameter(torch.ones(2))], betas=betas, differentiable=True)
    Adam([torch.nn.Parameter(torch.ones(2))], betas=tuple(b.detach() for b in betas), differentiable=True)


def test_capturable_with_foreach_is_refused(monkeypatch):
    monkeypatch.setattr(options, "CAPTURABLE_DEVICES", ("cuda", "cpu"))
    with pytest.raises(ValueError, match="foreach=True with capturable=True"):
        Yogi([torch.nn.Parameter(torch.ones(2))], capturable=True, foreach=True)


def test_fused_yogi_refuses_a_dtype_no_fused_kernel_takes():
    w = torch.nn.Parameter(torch.ones(3, dtype=torch.bfloat16))
    w.grad = torch.ones(3, dtype=torch.bfloat16)
    with pytest.raises(ValueError, match="fused=True cannot take a bfloat16 parameter on cpu"):
        Yogi([w], fused=True).step()
    Adam([w], fused=True).step()  # torch's fused Adam kernel takes bfloat16


def test_a_copied_section_refuses_what_it_cannot_do_and_honours_the_rest():
    """The page code alone: foreach/fused=True refused by name; maximize, AdamW decay, AMSGrad,
    complex parameters and a tensor lr computed as in snippets.optim."""
    namespace = {"__name__": "copy"}
    for name in ("adam", "yogi"):
        exec(compile(sections(OPTIM_PATH)[name], f"optim.py:{name}", "exec"), namespace)
    for flag in ("foreach", "fused"):
        with pytest.raises(ValueError, match=f"{flag}=True: this code has only the for-loop path"):
            namespace["Yogi"]([torch.nn.Parameter(torch.ones(2))], **{flag: True})
    shapes = [(3, 2), (4,)]
    p0, grads = initial_params(shapes), random_grads(10, shapes)
    p0 = [p0[0], torch.complex(p0[1], -p0[1])]  # a complex parameter too
    grads = [[g[0], torch.complex(g[1], 2 * g[1])] for g in grads]
    flags = dict(maximize=True, decoupled_weight_decay=True, weight_decay=0.1, amsgrad=True,
                 lr=torch.tensor(0.02, dtype=torch.float64))
    for name, cls in (("Yogi", Yogi), ("Adam", Adam)):
        copy, ours = [torch.nn.Parameter(p.clone()) for p in p0], [torch.nn.Parameter(p.clone()) for p in p0]
        run(namespace[name](copy, **flags), copy, grads, "cpu")
        run(make(cls, ours, "reference", **flags), ours, grads, "cpu")
        assert all(torch.equal(a, b) for a, b in zip(copy, ours))
        if cls is Adam:
            for a, b in zip(copy, torch_adam_run(p0, grads, **flags)):
                assert rel_err(a, b) <= 1e-10


# --- every layout on every path -------------------------------------------------------------------


def _layout(case, dtype, gen):
    """(parameter, gradients for 6 steps, shape for the NumPy reference) in the layout ``case``."""
    def randn(*shape):
        return torch.randn(*shape, generator=gen, dtype=torch.float64).to(dtype)

    if case == "0-dim":
        return torch.nn.Parameter(randn(())), [randn(()) for _ in range(6)]
    if case == "empty":
        return torch.nn.Parameter(randn(0, 3)), [randn(0, 3) for _ in range(6)]
    if case == "transposed":
        return torch.nn.Parameter(randn(5, 4).t()), [randn(5, 4).t() for _ in range(6)]
    if case == "transposed, contiguous grad":
        return torch.nn.Parameter(randn(5, 4).t()), [randn(4, 5) for _ in range(6)]
    if case == "channels_last":
        cl = torch.channels_last
        return (torch.nn.Parameter(randn(2, 3, 4, 5).to(memory_format=cl)),
                [randn(2, 3, 4, 5).to(memory_format=cl) for _ in range(6)])
    if case == "channels_last, contiguous grad":
        return (torch.nn.Parameter(randn(2, 3, 4, 5).to(memory_format=torch.channels_last)),
                [randn(2, 3, 4, 5) for _ in range(6)])
    if case == "strided slice":
        return torch.nn.Parameter(randn(4, 10)[:, ::2]), [randn(4, 10)[:, 1::2] for _ in range(6)]
    if case == "complex":
        ctype = torch.complex128 if dtype == torch.float64 else torch.complex64
        return (torch.nn.Parameter(randn(3, 2).to(ctype) + 1j * randn(3, 2).to(ctype)),
                [randn(3, 2).to(ctype) - 0.5j * randn(3, 2).to(ctype) for _ in range(6)])
    raise ValueError(case)


LAYOUTS = ["0-dim", "empty", "transposed", "transposed, contiguous grad", "channels_last",
           "channels_last, contiguous grad", "strided slice", "complex"]


def _real(x):
    x = x.detach()
    return torch.view_as_real(x).numpy() if x.is_complex() else x.numpy()


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("case", LAYOUTS)
@pytest.mark.parametrize("impl", YOGI_PATHS)
def test_yogi_takes_every_layout_on_every_path(impl, case, dtype):
    skip_unless_available(impl, "cpu")
    p, grads = _layout(case, dtype, torch.Generator().manual_seed(3))
    p0, stride = p.detach().clone(), p.stride()
    opt = make(Yogi, [p], impl, weight_decay=0.1, amsgrad=True)
    for g in grads:
        p.grad = g
        opt.step()
    assert p.stride() == stride  # updated in place, layout kept
    expected = numpy_yogi(_real(p0), [_real(g) for g in grads], weight_decay=0.1, amsgrad=True)
    assert rel_err(torch.from_numpy(_real(p)), expected) <= (1e-10 if dtype == torch.float64 else 1e-5)
    if impl == "auto":
        assert "reference" not in kernels_used(opt)


@pytest.mark.parametrize("case", LAYOUTS)
@pytest.mark.parametrize("impl", ADAM_PATHS)
def test_adam_takes_every_layout_on_every_path(impl, case):
    p, grads = _layout(case, torch.float64, torch.Generator().manual_seed(4))
    theirs = torch.nn.Parameter(p.detach().clone())
    opt = make(Adam, [p], impl, weight_decay=0.1, maximize=True)
    torch_opt = torch.optim.Adam([theirs], foreach=False, weight_decay=0.1, maximize=True)
    for g in grads:
        p.grad, theirs.grad = g, g.clone()
        opt.step()
        torch_opt.step()
    assert rel_err(p, theirs) <= 1e-10


@pytest.mark.parametrize("impl", YOGI_PATHS)
def test_a_group_of_mixed_dtypes_takes_one_bucket_per_dtype(impl):
    skip_unless_available(impl, "cpu")
    shapes = [(4, 3), (5,), (2, 2)]
    p0, grads = initial_params(shapes), random_grads(8, shapes)
    params = [torch.nn.Parameter(p.to(dtype, copy=True)) for p, dtype in zip(p0, (torch.float32, torch.float64, torch.float32))]
    opt = make(Yogi, params, impl)
    run(opt, params, grads, "cpu")
    plan = next(iter(opt._plans.values()))
    if impl != "reference":
        assert sorted(str(b.dtype) for b in plan.buckets) == ["torch.float32", "torch.float64"]
    for k, p in enumerate(params):
        tol = 1e-5 if p.dtype == torch.float32 else 1e-10
        assert rel_err(p, numpy_yogi(p0[k].numpy(), [g[k].numpy() for g in grads])) <= tol


# --- differentiable=True and capturable=True ------------------------------------------------------


@pytest.mark.parametrize("steps, amsgrad", [(2, False), (1, True)])
def test_adam_differentiable_gives_torchs_gradients(steps, amsgrad):
    """Gradients through the steps, with respect to the start point and the learning rate. (With
    AMSGrad, torch's own loop cannot differentiate a second step: the maximum saves s, which the
    next step overwrites; ours behaves the same.)"""
    gen = torch.Generator().manual_seed(5)
    p_start = torch.randn(4, 3, generator=gen, dtype=torch.float64)
    grads = [torch.randn(4, 3, generator=gen, dtype=torch.float64) for _ in range(steps)]
    results = []
    default = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)  # torch's differentiable loop keeps t in this dtype
    try:
        for cls in (Adam, torch.optim.Adam):
            p0 = p_start.clone().requires_grad_()
            lr = torch.tensor(0.1, dtype=torch.float64, requires_grad=True)
            p = p0.clone()
            opt = cls([p], lr=lr, differentiable=True, weight_decay=0.1, amsgrad=amsgrad, maximize=True)
            for g in grads:
                p.grad = g
                opt.step()
            results.append(torch.autograd.grad(p.pow(2).sum(), (p0, lr)))
    finally:
        torch.set_default_dtype(default)
    for ours, theirs in zip(*results):
        assert torch.allclose(ours, theirs, rtol=1e-12, atol=1e-14)
        assert ours.abs().sum() > 0


def test_yogi_differentiable_passes_gradcheck():
    gen = torch.Generator().manual_seed(6)
    grads = [torch.randn(5, generator=gen, dtype=torch.float64) for _ in range(3)]

    def three_steps(p0, lr):
        p = p0.clone()
        opt = Yogi([p], lr=lr, differentiable=True, decoupled_weight_decay=True, weight_decay=0.2)
        for g in grads:
            p.grad = g
            opt.step()
        return p

    p0 = torch.randn(5, generator=gen, dtype=torch.float64, requires_grad=True)
    lr = torch.tensor(0.05, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(three_steps, (p0, lr))


@pytest.mark.parametrize("cls, impl", [(Adam, "reference"), (Adam, "torch-fused"), (Yogi, "reference"),
                                       (Yogi, "torch-fused"), (Yogi, "auto"), (Adam, "auto")])
def test_capturable_keeps_step_counts_on_the_device(cls, impl, monkeypatch):
    """CPU stands in for CUDA here (the device check is widened): the step counts are tensors on the
    parameters' device, updated without a host sync, and the numbers match capturable=False."""
    monkeypatch.setattr(options, "CAPTURABLE_DEVICES", ("cuda", "cpu"))
    p0, grads = initial_params(SMALL), random_grads(12, SMALL)
    cap, plain = params_on(p0, "cpu", torch.float32), params_on(p0, "cpu", torch.float32)
    opt = make(cls, cap, impl, capturable=True, weight_decay=0.05)
    run(opt, cap, grads, "cpu")
    run(make(cls, plain, impl, weight_decay=0.05), plain, grads, "cpu")
    for p in cap:
        step = opt.state[p]["step"]
        assert torch.is_tensor(step) and step.device == p.device and step.item() == 12
    if impl == "auto":
        assert "c-kernel" not in kernels_used(opt)  # it has no device step count
    for a, b in zip(cap, plain):
        if impl == "torch-fused":
            assert torch.equal(a, b)  # the kernel reads the step from the tensor either way
        else:
            assert rel_err(a, b) <= 1e-5  # the loop's bias correction is float32 there


# --- the C kernel on threads, torch's kernel on one for small tensors ------------------------------


@pytest.mark.skipif(c_kernel_missing("cpu") is not None, reason="no C kernel here")
def test_threaded_c_kernel_gives_the_single_threaded_numbers():
    shapes = [(fast.CPU_CHUNK + 7,), (3,), (1000, 3), ()]
    p0, grads = initial_params(shapes), random_grads(4, shapes)
    results = []
    for threads in (1, 2):
        torch.set_num_threads(threads)
        params = params_on(p0, "cpu", torch.float32)
        run(make(Yogi, params, "c-kernel", amsgrad=True, maximize=True), params, grads, "cpu")
        results.append(params)
    torch.set_num_threads(1)
    assert all(torch.equal(a, b) for a, b in zip(*results))


def test_small_tensors_run_torchs_kernel_on_one_thread_and_threads_are_restored():
    shapes = [(3,), (fast.SMALL_TENSOR + 1,)]
    p0, grads = initial_params(shapes), random_grads(3, shapes)
    torch.set_num_threads(2)
    try:
        ours, theirs = params_on(p0, "cpu", torch.float32), params_on(p0, "cpu", torch.float32)
        opt = Adam(ours)
        run(opt, ours, grads, "cpu")
        assert torch.get_num_threads() == 2
        assert sorted(b.one_thread for b in next(iter(opt._plans.values())).buckets) == [False, True]
        run(torch.optim.Adam(theirs, fused=True), theirs, grads, "cpu")
        assert all(torch.equal(a, b) for a, b in zip(ours, theirs))
    finally:
        torch.set_num_threads(1)


# --- plans: cached, and rebuilt when what they cached changes --------------------------------------


def _builds(monkeypatch):
    count = []
    real = fast._build
    monkeypatch.setattr(fast, "_build", lambda *a: count.append(1) or real(*a))
    return count


@pytest.mark.parametrize("cls", [Adam, Yogi])
def test_a_plan_is_built_once_for_a_steady_group(cls, monkeypatch):
    count = _builds(monkeypatch)
    params = params_on(initial_params(SMALL), "cpu", torch.float32)
    run(cls(params), params, random_grads(6, SMALL), "cpu")
    assert len(count) == 1


CHANGES = ["param moved", "state tensor replaced", "state entry replaced", "param added", "grad missing",
           "lr changed", "amsgrad switched on", "state_dict loaded", "step count edited",
           "second moment replaced"]


@pytest.mark.parametrize("cls", [Adam, Yogi])
@pytest.mark.parametrize("change", CHANGES)
def test_a_plan_follows_every_change_as_the_reference_loop_does(cls, change, monkeypatch):
    """Both runs see the same change between steps 3 and 4; the fast one must end where the loop does."""
    count = _builds(monkeypatch)
    p0, grads = initial_params(SMALL + [(2,)]), random_grads(7, SMALL + [(2,)])

    def go(impl):
        params = params_on(p0, "cpu", torch.float64)
        opt = make(cls, params[:3], impl, lr=0.05)
        for t, step_grads in enumerate(grads):
            if t == 3:
                if change == "param moved":  # what module.to() does: new storage, same Parameter
                    params[0].data = params[0].data.clone() + 1
                elif change == "state tensor replaced":
                    opt.state[params[1]]["exp_avg"] = torch.full_like(params[1], 0.5)
                elif change == "state entry replaced":
                    opt.state[params[2]] = {}
                elif change == "param added":
                    opt.param_groups[0]["params"].append(params[3])
                elif change == "grad missing":
                    step_grads = [None] + step_grads[1:]
                elif change == "lr changed":
                    opt.param_groups[0]["lr"] = 0.2
                elif change == "amsgrad switched on":
                    opt.param_groups[0]["amsgrad"] = True
                elif change == "state_dict loaded":
                    saved = opt.state_dict()
                    saved["param_groups"][0]["weight_decay"] = 0.3
                    opt.load_state_dict(saved)
                elif change == "step count edited":
                    opt.state[params[0]]["step"] = 100
                elif change == "second moment replaced":
                    opt.state[params[2]]["exp_avg_sq"] = torch.full_like(params[2], 0.25)
            for p, g in zip(params, step_grads):
                p.grad = None if g is None else g.clone()
            opt.step()
        return params

    fast_params, builds = go("auto"), len(count)
    # a new lr is read at every step; every other change makes the plan build again
    assert builds == 1 if change == "lr changed" else builds >= 2
    for a, b in zip(fast_params, go("reference")):
        assert rel_err(a, b) <= 1e-10, change


def test_the_state_dict_is_the_watched_one_from_the_start():
    p = torch.nn.Parameter(torch.ones(3))
    for opt in (Yogi([p]), Adam([p])):
        state = opt.state  # held before the first step, as some training code does
        p.grad = torch.ones(3)
        opt.step()
        assert opt.state is state and type(state) is fast.State and state[p]["step"] == 1
        opt.load_state_dict(opt.state_dict())
        assert type(opt.state) is fast.State
