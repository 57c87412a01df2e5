"""snippets/optim.py, the chapters' teaching classes: Adam against torch.optim.Adam (to rounding),
Yogi against an independent float64 reference, torch_yogi.Yogi against both; as the file runs and
as a reader copies its page sections."""
import inspect
from pathlib import Path

import pytest
import torch

from optim_support import (DTYPES, TOLERANCE, formula_check, initial_params, long_lines, numpy_yogi, one_thread,
                           params_on, random_grads, rel_err, run)
from snippets import optim, scratch
from snippets.optim import Adam, Yogi
from test_snippet_sections import sections

OPTIM_PATH = Path(optim.__file__)
HYPER = [{}, {"weight_decay": 0.1, "lr": 0.05, "initial_accumulator": 0.0}, {"betas": (0.5, 0.9), "eps": 1e-6},
         {"decoupled_weight_decay": True, "weight_decay": 0.5, "lr": 0.05},
         {"amsgrad": True, "decoupled_weight_decay": True, "weight_decay": 0.1}]
IDS = ["defaults", "weight-decay", "betas-eps", "decoupled", "amsgrad-decoupled"]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("hyper", HYPER, ids=IDS)
def test_yogi_follows_the_float64_reference(device, dtype, hyper):
    p0, grads = initial_params(), random_grads(15)
    params = params_on(p0, device, dtype)
    run(Yogi(params, **hyper), params, grads, device)
    for k, p in enumerate(params):
        expected = numpy_yogi(p0[k].numpy(), [g[k].numpy() for g in grads], **hyper)
        assert rel_err(p, expected) <= TOLERANCE[dtype], k


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("options", [{}, {"amsgrad": True}, {"weight_decay": 0.1},
                                     {"weight_decay": 0.1, "decoupled_weight_decay": True}], ids=str)
def test_adam_equals_torch_adam_up_to_rounding(device, dtype, options):
    p0, grads = initial_params(), random_grads(200)
    ours, theirs = params_on(p0, device, dtype), params_on(p0, device, dtype)
    run(Adam(ours, lr=0.01, **options), ours, grads, device)
    run(torch.optim.Adam(theirs, lr=0.01, foreach=False, **options), theirs, grads, device)
    for a, b in zip(ours, theirs):
        assert rel_err(a, b) <= {torch.float64: 1e-12, torch.float32: 1e-5}[dtype]


@pytest.mark.parametrize("hyper", HYPER, ids=IDS)
def test_the_teaching_yogi_and_torch_yogi_compute_the_same_equations(hyper):
    from torch_yogi import Yogi as PackageYogi

    p0, grads = initial_params(), random_grads(15)
    ours, package = params_on(p0, "cpu", torch.float64), params_on(p0, "cpu", torch.float64)
    run(Yogi(ours, **hyper), ours, grads, "cpu")
    run(PackageYogi(package, **hyper), package, grads, "cpu")
    assert all(rel_err(a, b) <= 1e-12 for a, b in zip(ours, package))


def test_yogi_with_a_zero_accumulator_matches_scratch_yogi():
    """The class and the from-scratch function compute the same steps (scratch: s₀ = 0)."""
    torch.manual_seed(0)
    w, b = torch.randn(5, 1, dtype=torch.float64), torch.zeros(1, dtype=torch.float64)
    params = [torch.nn.Parameter(w.clone()), torch.nn.Parameter(b.clone())]
    opt = Yogi(params, lr=0.01, initial_accumulator=0.0)
    states = scratch.init_adam_states(5)
    states = [tuple(x.double() for x in state) for state in states]
    mine = [w.clone(), b.clone()]
    hyper = {"lr": 0.01, "t": 1}
    for step in range(30):
        grads = [torch.randn(5, 1, dtype=torch.float64), torch.randn(1, dtype=torch.float64)]
        for p, g in zip(params, grads):
            p.grad = g.clone()
        opt.step()
        for p, g in zip(mine, grads):
            p.grad = g.clone()
        scratch.yogi(mine, states, hyper)
    assert all(rel_err(a, b) <= 1e-10 for a, b in zip(params, mine))


def test_state_uses_torch_adams_names_and_a_tensor_step():
    p = torch.nn.Parameter(torch.ones(3))
    opt = Yogi([p], amsgrad=True)
    p.grad = torch.ones(3)
    opt.step()
    state = opt.state[p]
    assert set(state) == {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"}
    assert torch.is_tensor(state["step"]) and state["step"].item() == 1.0


def test_a_state_dict_saved_mid_run_continues_bit_for_bit():
    p0, grads = initial_params(), random_grads(10)
    whole = params_on(p0, "cpu", torch.float32)
    run(Yogi(whole), whole, grads, "cpu")
    half = params_on(p0, "cpu", torch.float32)
    opt = Yogi(half)
    run(opt, half, grads[:5], "cpu")
    resumed = [torch.nn.Parameter(p.detach().clone()) for p in half]
    again = Yogi(resumed)
    again.load_state_dict(opt.state_dict())
    run(again, resumed, grads[5:], "cpu")
    assert all(torch.equal(a, b) for a, b in zip(whole, resumed))


def test_params_without_grad_are_skipped_and_the_closure_loss_is_returned():
    a, b = torch.nn.Parameter(torch.ones(2)), torch.nn.Parameter(torch.ones(2))
    opt = Adam([a, b], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (a * a).sum()
        loss.backward()
        return loss

    assert opt.step(closure).item() == 2.0
    assert b not in opt.state and torch.equal(b.detach(), torch.ones(2))


@pytest.mark.parametrize("kwargs, message", [
    ({"lr": -0.1}, "need lr, eps, weight_decay >= 0, got -0.1"),
    ({"eps": -1.0}, "got 0.01, -1.0, 0"),
    ({"betas": (0.9, 1.0)}, r"need betas in \[0, 1\), got \(0.9, 1.0\)"),
])
def test_invalid_hyperparameters_are_refused_naming_the_value(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Yogi([torch.nn.Parameter(torch.ones(1))], **kwargs)


@pytest.mark.parametrize("cls", [Adam, Yogi])
def test_usage_example_fits_the_regression(cls):
    assert optim.fit_linear_regression(cls, steps=300, lr=0.1) < 1e-3


# --- the page sections ---

def test_sections_are_the_ones_the_pages_use():
    assert list(sections(OPTIM_PATH)) == ["adam", "yogi", "usage"]


def test_each_section_runs_alone_with_torch():
    """Copied alone (no snippets package, torch only), the classes compute the reference."""
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


def test_the_classes_hold_only_what_a_reader_needs():
    """No attribute or hook for other code, nothing assigned after the class bodies, and Yogi
    overrides one method of Adam's math (its __init__ only sets its defaults)."""
    source = OPTIM_PATH.read_text()
    for line in source.splitlines():
        assert not line.startswith(("Adam.", "Yogi.")), line  # nothing patched on afterwards
    # (torch.optim.Optimizer wraps each class's step itself, marking the wrapper `hooked`)
    overridden = {name for name, value in vars(Yogi).items()
                  if callable(value) and name in vars(Adam) and not getattr(value, "hooked", False)}
    assert overridden == {"__init__", "second_moment"}
    body = inspect.getsource(Yogi.second_moment).strip().splitlines()[1:]
    code = [line for line in body if not line.strip().startswith(('"""', "#"))]
    assert len(code) == 1 and "torch.sign(g2 - s)" in code[0]  # the one changed line
    assert "s ← s + (1−β2)·sign(g² − s)·g²" in body[1]  # its formula, on the line above
    init = inspect.getsource(Yogi.__init__)
    assert "super().__init__(" in init and init.count("\n") <= 5
    assert not [name for name in vars(Adam) if name.startswith("_") and not name.startswith("__")]


def test_every_update_line_carries_its_formula():
    """The formula sits beside each update line, or (where the line is long) on the line above."""
    update = r"\s+(v\.copy_|s\.copy_|m\.copy_|p -=|p\.mul_|g = g \+|v_hat =|s_hat =|return .*beta2|t = )"
    checked, missing = formula_check(sections(OPTIM_PATH), update, accept=("←", "Yogi changes this"))
    assert missing == [] and checked >= 10


def test_page_sections_fit_79_columns_and_are_shorter_than_before():
    assert long_lines(sections(OPTIM_PATH)) == []
    adam = sections(OPTIM_PATH)["adam"]
    assert len(adam.splitlines()) < 95  # the section the issue measured: 95 lines with the plumbing
