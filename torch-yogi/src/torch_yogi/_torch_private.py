"""Every underscore name of torch that torch_yogi uses, in one place.

torch has no public multi-tensor ops: ``torch._foreach_*`` are what ``torch.optim`` itself runs
(one op per equation over a list of tensors). ``Tensor._version`` is the in-place version counter
that autograd checks; the CPU kernel reads it to skip checks of state that has not changed.
``Optimizer._step_supports_amp_scaling`` is the
attribute ``torch.amp.GradScaler`` reads to hand a fused optimizer ``grad_scale`` and
``found_inf`` instead of unscaling the gradients itself. ``tests`` check that each still exists,
so an upgrade of torch that removes one fails there, loudly.
"""
import torch

FOREACH = ("add", "add_", "addcdiv_", "div", "div_", "lerp_", "maximum_", "mul", "mul_", "neg", "pow",
           "sign_", "sqrt", "sub", "sub_")
foreach = type("Foreach", (), {name: staticmethod(getattr(torch, "_foreach_" + name)) for name in FOREACH})
AMP_SCALING_ATTRIBUTE = "_step_supports_amp_scaling"
VERSION_ATTRIBUTE = "_version"  # Tensor._version: bumped by every in-place change (cpu_kernel's check cache)
NAMES = tuple("torch._foreach_" + name for name in FOREACH) + (
    "optimizer." + AMP_SCALING_ATTRIBUTE + " (read by torch.amp.GradScaler)", "torch.Tensor." + VERSION_ATTRIBUTE)
