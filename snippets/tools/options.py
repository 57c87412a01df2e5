"""Argument checks of ``snippets.optim.Adam`` and ``Yogi`` (private): every hyperparameter and flag.

The page sections of ``optim.py`` hold a short ``_checked`` that refuses the two flags a copied
class cannot honour (``foreach=True``, ``fused=True``: a copy has the for-loop only).
``optim.py`` replaces it with :func:`checked` below, which validates every value of a group with
the message ``torch.optim.Adam`` uses where it has one, and refuses combinations no path can
honour — each ``ValueError`` names the flag. What depends on the tensors (a fused path for this
dtype, capturable on this device) is checked again when a step builds its plan
(``tools/fast.py``), since ``module.to()`` can change them after the optimizer was made.
"""
import math
import numbers

import torch

# hyperparameter → the name its error gives it (torch.optim.Adam's wording)
NUMBERS = {"lr": "learning rate", "eps": "epsilon value", "weight_decay": "weight_decay value",
           "initial_accumulator": "initial_accumulator value"}
BOOLS = ("amsgrad", "maximize", "capturable", "differentiable", "decoupled_weight_decay")
OPTIONAL_BOOLS = ("foreach", "fused")
CAPTURABLE_DEVICES = ("cuda",)  # where capturable=True means something: graph capture


def check_number(name, value, low=0.0, high=None, tensor=False):
    """Raise ValueError unless value is a finite real number (not a bool) with low ≤ value (< high).

    ``tensor=True`` also accepts a one-element floating-point tensor.
    """
    is_tensor = tensor and isinstance(value, torch.Tensor) and value.numel() == 1 and value.is_floating_point()
    if not is_tensor and (isinstance(value, bool) or not isinstance(value, numbers.Real)):
        raise ValueError(f"Invalid {name}: {value!r}")
    number = float(value.detach() if is_tensor else value)
    if not (math.isfinite(number) and low <= number and (high is None or number < high)):
        raise ValueError(f"Invalid {name}: {number if is_tensor else value}")


def checked_betas(betas):
    """(β1, β2) as a tuple: two numbers in [0, 1), or two one-element tensors (made 0-d, as torch does)."""
    if not (isinstance(betas, (tuple, list)) and len(betas) == 2):
        raise ValueError(f"Invalid betas: {betas!r}")
    tensors = [isinstance(b, torch.Tensor) for b in betas]
    if any(tensors) and not all(tensors):
        raise ValueError(f"Invalid betas: {betas!r} (betas must be either both numbers or both tensors)")
    for index, beta in enumerate(betas):
        check_number(f"beta parameter at index {index}", beta, high=1.0, tensor=True)
    return tuple(b.reshape(()) if isinstance(b, torch.Tensor) else b for b in betas)


def checked(optimizer, group):
    """Return ``group`` with its betas made a tuple; ValueError names the first value or flag that
    no path can honour. Checks the keys ``group`` sets, and the flag combinations of ``group`` as
    completed by the optimizer's defaults (``optimizer.defaults`` once the constructor set it)."""
    if not isinstance(group, dict):
        return group  # torch.optim.Optimizer.add_param_group raises the TypeError
    for key, name in NUMBERS.items():
        if key in group:
            check_number(name, group[key], tensor=key == "lr")  # lr may be a tensor, as in torch
    if "betas" in group:
        group["betas"] = checked_betas(group["betas"])
    for key in BOOLS + OPTIONAL_BOOLS:
        if key in group and not (group[key] in (True, False) or (key in OPTIONAL_BOOLS and group[key] is None)):
            allowed = "True, False or None" if key in OPTIONAL_BOOLS else "True or False"
            raise ValueError(f"Invalid {key}: {group[key]!r} ({allowed})")
    full = {**getattr(optimizer, "defaults", {}), **group}
    check_flags(full)
    params = group.get("params")
    if isinstance(params, torch.Tensor):
        params = [params]
    if full.get("capturable") and isinstance(params, (list, tuple)):
        for p in params:
            check_capturable_device(p)
    return group


def check_flags(group):
    """Refuse the flag combinations that no path can honour (each error names the flags)."""
    fused, foreach = group.get("fused"), group.get("foreach")
    if fused and foreach:
        raise ValueError("Invalid flags: fused=True and foreach=True cannot be used together")
    if group.get("differentiable"):
        for flag in ("fused", "foreach"):
            if group.get(flag):
                raise ValueError(f"Invalid flags: {flag}=True does not support differentiable=True "
                                 "(only the for-loop path records the step for autograd)")
    if group.get("differentiable") and any(isinstance(b, torch.Tensor) and b.requires_grad
                                           for b in group.get("betas", ())):
        raise ValueError("Invalid flags: differentiable=True with betas that require grad is not supported "
                         "(the for-loop path writes v and s in place, which the gradient of β would need); "
                         "differentiate with respect to lr, the parameters or the gradients")
    if group.get("capturable") and foreach:
        raise ValueError("Invalid flags: foreach=True with capturable=True is not implemented here; "
                         "use fused=True or leave foreach=None")


def check_capturable_device(p):
    """capturable=True keeps the step count on the parameter's device for graph capture: CUDA only."""
    if isinstance(p, torch.Tensor) and p.device.type not in CAPTURABLE_DEVICES:
        raise ValueError(f"Invalid flags: capturable=True needs parameters on "
                         f"{' or '.join(CAPTURABLE_DEVICES)}, not on {p.device.type}")
