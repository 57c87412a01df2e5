"""Adam and Yogi as drop-in ``torch.optim`` optimizers: the practitioner's version.

``Yogi`` is ``Adam`` with one method overridden, ``_second_moment``: the code itself shows that
Yogi changes one line of Adam. Both run on any device and floating dtype the parameters live
on, support parameter groups, closures, ``zero_grad`` and ``state_dict``/``load_state_dict``.

The pages show the reference path: the per-parameter loop in ``Adam.step`` and
``Adam._update``. For speed, ``step`` first offers each parameter group to the fused paths in
``snippets/tools/fast.py`` (attached at the end of this file as ``Adam._fused``), which compute the
same equations in one pass over memory:

* ``Adam``: torch's fused Adam kernel (``torch._fused_adam_``, what ``torch.optim.Adam(fused=True)``
  runs), for float16/bfloat16/float32/float64 contiguous tensors on CPU and CUDA.
* ``Yogi``: on CPU, a one-pass C kernel compiled on first use (``snippets/tools/yogi_c.py``);
  on CUDA, or without a C compiler, torch's fused Adam kernel fed a pre-image of s (see
  ``tools/fast.py``), for float32/float64 contiguous tensors.

Anything else (other dtypes, non-contiguous tensors, a subclass with its own
``_second_moment``) takes the reference path. To force a path, set the instance attribute
``_impl`` to ``"reference"``, ``"torch-fused"`` or ``"c-kernel"`` (Yogi only); the default
``"auto"`` picks as above. The tests run every path against an independent reference.
"""

# --8<-- [start:adam]
import math
import numbers

import torch


class Adam(torch.optim.Optimizer):
    """Adam (Kingma & Ba, ICLR 2015): the same numbers as ``torch.optim.Adam`` with these arguments.

    Args:
        params: parameters to optimize, or dicts defining parameter groups (each group's own
            hyperparameters are checked like the arguments below).
        lr: learning rate η ≥ 0, a real number or (as in ``torch.optim.Adam``) a 0-d float tensor.
        betas: decay rates (β1, β2) of the first and second moment, each in [0, 1).
        eps: ε added to √ŝ in the denominator.
        weight_decay: λ; adds λ·p to the gradient (L2 penalty, as ``torch.optim.Adam``).
        amsgrad: divide by the running maximum of s instead of s (Reddi et al., 2018).
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False):
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad)
        super().__init__(params, self._checked(defaults))  # then each group, in add_param_group

    _fused = None  # fused paths, attached at the end of snippets/optim.py; None: the loop below only
    _impl = "auto"  # which path step() runs: "auto", "reference", "torch-fused", "c-kernel" (Yogi)
    # The hyperparameters _checked validates besides betas, and the names its errors give them.
    _hyperparameters = {"lr": "learning rate", "eps": "epsilon value", "weight_decay": "weight_decay value"}

    def add_param_group(self, param_group):
        """Add a group after checking the hyperparameters it sets (the constructor's groups too)."""
        super().add_param_group(self._checked(param_group))

    @classmethod
    def _checked(cls, group):
        """Return ``group``, its betas made a tuple; ValueError names the first invalid value in it."""
        if not isinstance(group, dict):
            return group  # torch.optim.Optimizer.add_param_group raises the TypeError
        for key, name in cls._hyperparameters.items():
            if key in group:
                cls._check(name, group[key], tensor=key == "lr")  # lr may be a 0-d tensor, as in torch
        if "betas" in group:
            betas = group["betas"]
            if not (isinstance(betas, (tuple, list)) and len(betas) == 2):
                raise ValueError(f"Invalid betas: {betas!r}")
            for index, beta in enumerate(betas):
                cls._check(f"beta parameter at index {index}", beta, high=1.0)
            group["betas"] = tuple(betas)
        return group

    @staticmethod
    def _check(name, value, low=0.0, high=None, tensor=False):
        """Raise ValueError unless value is a finite real number (not a bool) with low ≤ value (< high).

        ``tensor=True`` also accepts a 0-d floating-point tensor.
        """
        is_tensor = tensor and isinstance(value, torch.Tensor) and value.dim() == 0 and value.is_floating_point()
        if not is_tensor and (isinstance(value, bool) or not isinstance(value, numbers.Real)):
            raise ValueError(f"Invalid {name}: {value!r}")
        number = float(value)
        if not (math.isfinite(number) and low <= number and (high is None or number < high)):
            raise ValueError(f"Invalid {name}: {value}")

    def _second_moment(self, s, g, beta2):
        """Adam's second moment: an exponential moving average of g²."""
        return beta2 * s + (1 - beta2) * torch.square(g)  # s ← β2·s + (1−β2)·g²

    @torch.no_grad()
    def step(self, closure=None):
        """Update every parameter that has a gradient; returns ``closure()``'s loss if given."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            params = [p for p in group["params"] if p.grad is not None]
            for p in params:
                if p.grad.is_sparse:
                    raise RuntimeError(f"{type(self).__name__} does not support sparse gradients")
                if not self.state[p]:
                    self._init_state(p, group)
            rest = params if self._fused is None else self._fused(group, params)
            for p in rest:  # the reference path: whatever no fused path took
                self._update(p, group)
        return loss

    def _init_state(self, p, group):
        if p.is_complex():
            raise RuntimeError(f"{type(self).__name__} does not support complex parameters")
        state = self.state[p]
        state["step"] = 0  # t, counted per parameter
        state["exp_avg"] = torch.zeros_like(p, memory_format=torch.preserve_format)  # v₀ = 0
        state["exp_avg_sq"] = torch.full_like(  # s₀ = 0 (Yogi: initial_accumulator)
            p, group.get("initial_accumulator", 0.0), memory_format=torch.preserve_format)
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = torch.zeros_like(p, memory_format=torch.preserve_format)

    def _update(self, p, group):
        """The reference path: one parameter, one equation per line."""
        beta1, beta2 = group["betas"]
        state = self.state[p]
        v, s = state["exp_avg"], state["exp_avg_sq"]
        g = p.grad
        if group["weight_decay"] != 0:
            g = g.add(p, alpha=group["weight_decay"])  # g ← g + λ·p
        state["step"] += 1
        t = state["step"]  # t ← t + 1
        v[:] = beta1 * v + (1 - beta1) * g  # v ← β1·v + (1−β1)·g
        s[:] = self._second_moment(s, g, beta2)  # s ← β2·s + (1−β2)·g²; the one line Yogi changes
        if group["amsgrad"]:
            s = torch.maximum(state["max_exp_avg_sq"], s, out=state["max_exp_avg_sq"])  # s ← max(s_max, s)
        v_hat = v / (1 - beta1**t)  # v̂ ← v / (1−β1ᵗ)
        s_hat = s / (1 - beta2**t)  # ŝ ← s / (1−β2ᵗ)
        p -= group["lr"] * v_hat / (torch.sqrt(s_hat) + group["eps"])  # p ← p − η·v̂/(√ŝ + ε)
# --8<-- [end:adam]


# --8<-- [start:yogi]
# needs: adam
import torch


class Yogi(Adam):
    """Yogi (Zaheer et al., "Adaptive Methods for Nonconvex Optimization", NeurIPS 2018).

    Adam with an additive second moment, s ← s + (1−β2)·sign(g² − s)·g²: s moves by at most
    (1−β2)·g² per step. When small gradients follow large ones, Adam's s shrinks by a factor β2
    per step and the effective learning rate η/(√ŝ + ε) shoots up; Yogi's s shrinks by
    (1−β2)·g², so it rises slowly. First moment v₀ = 0, second moment s₀ =
    ``initial_accumulator``; ``torch.sign``, so sign(0) = 0.

    Defaults follow the authors' TF-Addons code, ``tfa.optimizers.Yogi(learning_rate=0.01,
    beta1=0.9, beta2=0.999, epsilon=1e-3, initial_accumulator_value=1e-6)``, which starts v at
    0. ``optax.yogi(learning_rate, b1=0.9, b2=0.999, eps=1e-3)`` agrees (no default η; its
    ``scale_by_yogi`` starts both moments at ``initial_accumulator_value=1e-6``), and so does
    pytorch-optimizer's ``Yogi`` (which also starts v at ``initial_accumulator``). ε = 1e-3,
    much larger than Adam's 1e-8, is part of the method: it bounds η/(√ŝ + ε) while s is tiny.

    The bias correction ŝ = s/(1−β2ᵗ) is a heuristic carried over from Adam: it undoes the zero
    start of an exponential moving average exactly, but Yogi's s is not one. TF-Addons applies it
    by scaling the step, η·√(1−β2ᵗ)/(1−β1ᵗ)·v/(√s + ε), which puts ε on the uncorrected √s; here
    ε is added to √ŝ, as in ``torch.optim.Adam``, so the first steps differ slightly. With
    ``initial_accumulator=0`` and ``eps=1e-3`` this class matches ``scratch.yogi``.

    Args:
        params: parameters to optimize, or dicts defining parameter groups.
        lr: learning rate η.
        betas: decay rates (β1, β2), each in [0, 1).
        eps: ε added to √ŝ.
        initial_accumulator: s₀, the starting value of the second moment (≥ 0).
        weight_decay: λ; adds λ·p to the gradient, as ``torch.optim.Adam``.
    """

    _hyperparameters = {**Adam._hyperparameters, "initial_accumulator": "initial_accumulator value"}

    def __init__(self, params, lr=1e-2, betas=(0.9, 0.999), eps=1e-3, initial_accumulator=1e-6, weight_decay=0):
        self._checked({"initial_accumulator": initial_accumulator})
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)
        self.defaults["initial_accumulator"] = initial_accumulator  # for groups added later
        for group in self.param_groups:  # the constructor's groups, added before that default existed
            group.setdefault("initial_accumulator", initial_accumulator)

    def _second_moment(self, s, g, beta2):
        """Yogi's second moment: s moves toward g² by (1−β2)·g², whatever the distance."""
        return s + (1 - beta2) * torch.sign(torch.square(g) - s) * torch.square(g)  # s ← s + (1−β2)·sign(g² − s)·g²
# --8<-- [end:yogi]


# --8<-- [start:usage]
# needs: yogi
import torch


def fit_linear_regression(optimizer_class=Yogi, steps=200, seed=0, **hyperparameters):
    """Fit y = X·w + b on synthetic data with ``optimizer_class``; returns the final MSE loss."""
    generator = torch.Generator().manual_seed(seed)
    X = torch.randn(1000, 5, generator=generator)
    y = X @ torch.tensor([[2.0], [-3.4], [1.5], [0.5], [-1.0]]) + 4.2
    net = torch.nn.Linear(5, 1)
    optimizer = optimizer_class(net.parameters(), **hyperparameters)
    for _ in range(steps):
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(net(X), y)
        loss.backward()
        optimizer.step()
    return torch.nn.functional.mse_loss(net(X), y).item()
# --8<-- [end:usage]


# The fused paths are not part of the page sections: a reader who copies Adam and Yogi gets the
# reference loop, which computes the same numbers. Here they become the default.
from .tools import fast  # noqa: E402

Adam._fused = fast.step
