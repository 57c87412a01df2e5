"""Checkpoints of ``snippets.optim.Adam`` and ``Yogi`` (private): loading foreign state dicts.

``torch.optim.Adam`` and ``AdamW`` state dicts load as they are: their groups carry every flag
(``maximize``, ``decoupled_weight_decay``, ``amsgrad``, ``fused``, …), and the loaded groups
replace ours, so the flags are honoured. Two things are normalised after loading
(:func:`setstate`, which ``load_state_dict``, unpickling and ``copy.deepcopy`` all end in):

* a group missing a key (an older torch, or a torch Adam checkpoint loaded into ``Yogi``, which
  has no ``initial_accumulator``) gets this optimizer's default, and every group is checked;
* torch keeps step counts as tensors (float32 on the parameter's device with ``fused`` or
  ``capturable``); here they become ints again, except where ``capturable`` asks for device
  tensors. With tensor steps each parameter would land in a fused bucket of its own (a step
  2000 tensors of 100 elements would take 6–14× longer).

The other way round needs nothing: ``torch.optim.Adam.load_state_dict`` turns int steps into
tensors itself and ignores the extra ``initial_accumulator`` key of a Yogi group.

A ``pytorch_optimizer.Yogi`` checkpoint keeps one step count per group and names decoupled weight
decay ``weight_decouple``; :func:`converted` rewrites it into this layout (the moments are the same
quantities). What this class cannot reproduce (``fixed_decay=True``, ``adam_debias=True``) fails
with one line saying what to do.
"""
import torch

from . import fast

_PYTORCH_OPTIMIZER_KEYS = ("weight_decouple", "fixed_decay")
_STATE_KEYS = ("step", "exp_avg", "exp_avg_sq")


def load_state_dict(optimizer, state_dict):
    """``torch.optim.Optimizer.load_state_dict``, after converting a pytorch_optimizer Yogi dict."""
    torch.optim.Optimizer.load_state_dict(optimizer, converted(optimizer, state_dict))


def converted(optimizer, state_dict):
    """``state_dict`` in torch.optim.Adam's layout; ValueError (one line) if it cannot be."""
    groups = state_dict.get("param_groups")
    state = state_dict.get("state")
    if not isinstance(groups, list) or not isinstance(state, dict):
        raise ValueError("Cannot load this state_dict: it has no 'state' dict and 'param_groups' list, "
                         "as torch.optim optimizers save; pass optimizer.state_dict() of the saved optimizer")
    if any(isinstance(g, dict) and any(k in g for k in _PYTORCH_OPTIMIZER_KEYS) for g in groups):
        return _from_pytorch_optimizer(optimizer, state_dict)
    for key, entry in state.items():
        missing = [k for k in _STATE_KEYS if k not in entry]
        if missing:
            raise ValueError(f"Cannot load this state_dict: the state of parameter {key} lacks "
                             f"{', '.join(map(repr, missing))}; load a torch.optim.Adam/AdamW or snippets.optim "
                             f"checkpoint (a pytorch_optimizer.Yogi one converts by itself)")
    return state_dict


def _from_pytorch_optimizer(optimizer, state_dict):
    name = type(optimizer).__name__
    new_groups, new_state = [], dict(state_dict["state"])
    for index, group in enumerate(state_dict["param_groups"]):
        for key, fix in (("fixed_decay", "weight decay that ignores the learning rate"),
                         ("adam_debias", "AdamD's debiasing")):
            if group.get(key):
                raise ValueError(f"Cannot load this pytorch_optimizer.Yogi checkpoint into {name}: group {index} "
                                 f"has {key}=True ({fix}), which {name} does not compute; keep "
                                 f"pytorch_optimizer.Yogi for it, or save it again with {key}=False")
        group = dict(group)
        step = group.pop("step", 0)
        group["decoupled_weight_decay"] = bool(group.pop("weight_decouple", False))
        group.pop("fixed_decay", None)
        group.pop("adam_debias", None)
        for pid in group["params"]:
            entry = new_state.get(pid)
            if entry is not None:
                entry = dict(entry)
                entry.setdefault("step", step)
                new_state[pid] = entry
        new_groups.append(group)
    return {**state_dict, "state": new_state, "param_groups": new_groups}


def setstate(optimizer, state):
    """``torch.optim.Optimizer.__setstate__``, then the normalisation the module docstring lists."""
    torch.optim.Optimizer.__setstate__(optimizer, state)
    fast.forget_plans(optimizer)
    if type(optimizer.state) is not fast.State:
        optimizer.state = fast.State(optimizer.state)
    for group in optimizer.param_groups:
        for key, value in optimizer.defaults.items():
            group.setdefault(key, value)
        optimizer._checked(group)
        for p in group["params"]:
            entry = optimizer.state.get(p)
            if entry and "step" in entry:
                fast._normalize_step(entry, p, group["capturable"])
