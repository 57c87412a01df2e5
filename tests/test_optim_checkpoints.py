"""Checkpoints: torch.optim.Adam/AdamW state dicts load into snippets.optim with torch's behaviour
(flags honoured) and at full speed, ours load into torch's Adam, round trips both ways, a
pytorch_optimizer Yogi checkpoint converts (or fails with one line), pickling and deepcopy."""
import copy
import io
import pickle

import pytest
import torch

from optim_support import initial_params, kernels_used, one_thread, params_on, random_grads, rel_err, run
from snippets.optim import Adam, Yogi
from snippets.tools import fast

SHAPES = [(5, 1), (1,), (6, 4)]
TORCH_CASES = [
    (torch.optim.Adam, {"fused": True}),
    (torch.optim.Adam, {"fused": True, "maximize": True, "amsgrad": True, "weight_decay": 0.1}),
    (torch.optim.AdamW, {"fused": True, "weight_decay": 0.2}),
    (torch.optim.Adam, {"foreach": False, "decoupled_weight_decay": True, "weight_decay": 0.2}),
    (torch.optim.Adam, {"foreach": True, "maximize": True}),
    (torch.optim.Adam, {}),
]
IDS = [f"{cls.__name__}-" + "-".join(f"{k}={v}" for k, v in kw.items()) for cls, kw in TORCH_CASES]


def saved(state_dict):
    """Through torch.save and torch.load, as a checkpoint goes."""
    buffer = io.BytesIO()
    torch.save(state_dict, buffer)
    buffer.seek(0)
    return torch.load(buffer)


def torch_run(cls, kwargs, p0, grads):
    params = params_on(p0, "cpu", torch.float32)
    opt = cls(params, lr=0.01, **kwargs)
    run(opt, params, grads, "cpu")
    return params, opt


@pytest.mark.parametrize("cls, kwargs", TORCH_CASES, ids=IDS)
def test_a_torch_checkpoint_continues_in_ours_as_in_torch(cls, kwargs):
    p0, grads = initial_params(SHAPES), random_grads(12, SHAPES)
    params, opt = torch_run(cls, kwargs, p0, grads[:5])
    checkpoint = saved({"model": [p.detach().clone() for p in params], "optimizer": opt.state_dict()})
    run(opt, params, grads[5:], "cpu")  # torch keeps going

    ours = [torch.nn.Parameter(p.clone()) for p in checkpoint["model"]]
    mine = Adam(ours, lr=0.5)  # every hyperparameter and flag comes from the checkpoint
    mine.load_state_dict(checkpoint["optimizer"])
    group = mine.param_groups[0]
    for key in ("lr", "maximize", "amsgrad", "weight_decay", "fused", "foreach", "decoupled_weight_decay"):
        assert group[key] == opt.param_groups[0][key], key
    assert all(type(mine.state[p]["step"]) is int and mine.state[p]["step"] == 5 for p in ours)
    run(mine, ours, grads[5:], "cpu")
    for a, b in zip(params, ours):
        if kwargs.get("fused"):  # torch's fused kernel on both sides
            assert torch.equal(a, b)
        else:
            assert rel_err(a, b) <= 1e-5


def test_a_torch_checkpoint_loads_at_full_speed():
    """Tensor step counts would put each tensor in its own bucket; after loading there is one."""
    shapes = [(100,)] * 50
    p0, grads = initial_params(shapes), random_grads(3, shapes)
    _, opt = torch_run(torch.optim.Adam, {"fused": True}, p0, grads[:2])
    for cls in (Adam, Yogi):
        params = params_on(p0, "cpu", torch.float32)
        mine = cls(params)
        mine.load_state_dict(saved(opt.state_dict()))
        run(mine, params, grads[2:], "cpu")
        [plan] = mine._plans.values()
        assert len(plan.buckets) == 1 and len(plan.buckets[0].slots) == 50 and not plan.rest


@pytest.mark.parametrize("fused", [True, None])
def test_our_checkpoint_continues_in_torchs_adam(fused):
    p0, grads = initial_params(SHAPES), random_grads(12, SHAPES)
    ours = params_on(p0, "cpu", torch.float32)
    mine = Adam(ours, lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, maximize=True, fused=fused)
    run(mine, ours, grads[:5], "cpu")
    checkpoint = saved({"model": [p.detach().clone() for p in ours], "optimizer": mine.state_dict()})
    run(mine, ours, grads[5:], "cpu")
    theirs = [torch.nn.Parameter(p.clone()) for p in checkpoint["model"]]
    torch_opt = torch.optim.Adam(theirs)
    torch_opt.load_state_dict(checkpoint["optimizer"])
    assert torch_opt.param_groups[0]["decoupled_weight_decay"] and torch_opt.param_groups[0]["maximize"]
    run(torch_opt, theirs, grads[5:], "cpu")
    for a, b in zip(ours, theirs):
        assert torch.equal(a, b) if fused else rel_err(a, b) <= 1e-5


@pytest.mark.parametrize("cls", [Adam, Yogi])
def test_round_trips_both_ways_keep_the_state(cls):
    p0, grads = initial_params(SHAPES), random_grads(4, SHAPES)
    params = params_on(p0, "cpu", torch.float32)
    mine = cls(params, amsgrad=True)
    run(mine, params, grads, "cpu")
    # ours → torch → ours
    torch_opt = torch.optim.Adam(params, amsgrad=True)
    torch_opt.load_state_dict(saved(mine.state_dict()))
    back = cls(params)
    back.load_state_dict(saved(torch_opt.state_dict()))
    # torch → ours → torch
    again = torch.optim.Adam(params)
    again.load_state_dict(saved(back.state_dict()))
    for p in params:
        for key in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"):
            assert torch.equal(mine.state[p][key], back.state[p][key])
            assert torch.equal(mine.state[p][key], again.state[p][key])
        assert back.state[p]["step"] == 4 and again.state[p]["step"].item() == 4
    assert back.param_groups[0]["amsgrad"]
    if cls is Yogi:  # a group from torch lacks Yogi's s₀: the default fills it in
        assert back.param_groups[0]["initial_accumulator"] == 1e-6


def test_a_torch_adam_checkpoint_into_yogi_gets_yogis_defaults_and_is_checked():
    p = torch.nn.Parameter(torch.ones(3))
    state = torch.optim.Adam([p], lr=0.1).state_dict()
    yogi = Yogi([p])
    yogi.load_state_dict(state)
    assert yogi.param_groups[0]["initial_accumulator"] == 1e-6 and yogi.param_groups[0]["lr"] == 0.1
    bad = copy.deepcopy(state)
    bad["param_groups"][0]["lr"] = -1.0
    with pytest.raises(ValueError, match="Invalid learning rate: -1.0"):
        Yogi([p]).load_state_dict(bad)
    bad["param_groups"][0].update(lr=0.1, fused=True, foreach=True)
    with pytest.raises(ValueError, match="fused=True and foreach=True"):
        Yogi([p]).load_state_dict(bad)


# --- pytorch_optimizer's Yogi -----------------------------------------------------------------------


def _pytorch_optimizer():
    return pytest.importorskip("pytorch_optimizer")


@pytest.mark.parametrize("weight_decouple", [True, False])
def test_a_pytorch_optimizer_yogi_checkpoint_converts_and_continues(weight_decouple):
    po = _pytorch_optimizer()
    p0, grads = initial_params(SHAPES), random_grads(10, SHAPES)
    theirs = params_on(p0, "cpu", torch.float64)
    peer = po.Yogi(theirs, lr=0.02, weight_decay=0.05, weight_decouple=weight_decouple, foreach=False)
    run(peer, theirs, grads[:4], "cpu")
    checkpoint = saved({"model": [p.detach().clone() for p in theirs], "optimizer": peer.state_dict()})
    run(peer, theirs, grads[4:], "cpu")

    ours = [torch.nn.Parameter(p.clone()) for p in checkpoint["model"]]
    mine = Yogi(ours)
    mine.load_state_dict(checkpoint["optimizer"])
    group = mine.param_groups[0]
    assert group["decoupled_weight_decay"] is weight_decouple and group["lr"] == 0.02
    assert "step" not in group and all(mine.state[p]["step"] == 4 for p in ours)
    run(mine, ours, grads[4:], "cpu")
    for a, b in zip(ours, theirs):  # the same update from the same state
        assert rel_err(a, b) <= 1e-10


def test_what_our_yogi_cannot_compute_fails_with_one_line():
    po = _pytorch_optimizer()
    p = torch.nn.Parameter(torch.ones(3))
    peer = po.Yogi([p], weight_decay=0.1, fixed_decay=True)
    p.grad = torch.ones(3)
    peer.step()
    with pytest.raises(ValueError) as info:
        Yogi([p]).load_state_dict(peer.state_dict())
    message = str(info.value)
    assert "\n" not in message and "fixed_decay=True" in message and "keep pytorch_optimizer.Yogi" in message


def test_a_foreign_state_fails_with_one_line_saying_what_to_do():
    p = torch.nn.Parameter(torch.ones(3))
    foreign = {"state": {0: {"momentum_buffer": torch.zeros(3)}},
               "param_groups": [{"params": [0], "lr": 0.1, "momentum": 0.9}]}
    with pytest.raises(ValueError) as info:
        Adam([p]).load_state_dict(foreign)
    assert "\n" not in str(info.value) and "lacks 'step', 'exp_avg', 'exp_avg_sq'" in str(info.value)


# --- pickling and deep copies ----------------------------------------------------------------------


@pytest.mark.parametrize("cls", [Adam, Yogi])
def test_deepcopy_and_pickle_continue_like_the_original(cls):
    p0, grads = initial_params(SHAPES), random_grads(6, SHAPES)
    params = params_on(p0, "cpu", torch.float32)
    opt = cls(params, weight_decay=0.01)
    run(opt, params, grads[:3], "cpu")
    assert type(opt.state) is fast.State
    clone = copy.deepcopy({"params": params, "opt": opt})
    unpickled = pickle.loads(pickle.dumps({"params": params, "opt": opt}))
    run(opt, params, grads[3:], "cpu")
    for other in (clone, unpickled):
        run(other["opt"], other["params"], grads[3:], "cpu")
        assert all(torch.equal(a, b) for a, b in zip(params, other["params"]))
        assert kernels_used(other["opt"]) == kernels_used(opt)
