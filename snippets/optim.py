"""Adam and Yogi as drop-in ``torch.optim`` optimizers: the practitioner's version.

``Yogi`` is ``Adam`` with one method overridden, ``_second_moment``: the code itself shows that
Yogi changes one line of Adam. Both take every argument of ``torch.optim.Adam`` (torch 2.13) with
its meaning — ``maximize``, ``foreach``, ``fused``, ``capturable``, ``differentiable``,
``decoupled_weight_decay`` (AdamW's p ← p·(1 − ηλ) before the update; for Yogi too), tensor ``lr``
and ``betas``, complex parameters (updated as their real and imaginary parts, as torch does) —
and support parameter groups, closures, ``zero_grad``, ``state_dict``/``load_state_dict`` (torch's
Adam/AdamW checkpoints included, see ``tools/checkpoints.py``) and ``torch.compile`` (a compiled
training step runs ``step()`` as it is, the way torch runs its fused Adam).

The pages show the page sections below: the for-loop path, one equation per line. Copied alone,
they honour every argument except ``foreach=True`` and ``fused=True``, which they refuse by name.
Here, after the sections, ``tools/options.py`` adds the complete argument checks (a combination
that no path can honour is a ``ValueError`` naming the flag) and ``tools/fast.py`` the fast
paths, which compute the same equations in fewer passes over memory:

* ``Adam``: torch's fused Adam kernel (``torch._fused_adam_``/``_fused_adamw_``, what
  ``torch.optim.Adam(fused=True)`` runs, bit for bit), for float16/bfloat16/float32/float64
  tensors on CPU and CUDA.
* ``Yogi``: on CPU, a one-pass C kernel compiled on first use (``tools/yogi_c.py``); on CUDA, or
  without a C compiler, torch's fused Adam kernel fed a pre-image of s; float32/float64. Other
  floating dtypes take torch's multi-tensor ``_foreach`` ops.

Anything else (``differentiable=True``, devices other than CPU and CUDA, tensor subclasses, a
subclass with its own ``_second_moment``) takes the for-loop path. ``fused=True`` and
``foreach=True`` ask for a path as in torch; ``foreach=False`` or ``fused=False`` forces the loop.
The instance attribute ``_impl`` forces one path by name (``"reference"``, ``"foreach"``,
``"torch-fused"``, ``"c-kernel"``; ``"auto"`` by default) for tests and benchmarks.

About Yogi (Zaheer et al., "Adaptive Methods for Nonconvex Optimization", NeurIPS 2018): the
additive second moment s ← s + (1−β2)·sign(g² − s)·g² moves s by at most (1−β2)·g² per step.
When small gradients follow large ones, Adam's s shrinks by a factor β2 per step and the
effective learning rate η/(√ŝ + ε) shoots up; Yogi's s shrinks by (1−β2)·g², so it rises slowly.
v₀ = 0, s₀ = ``initial_accumulator``; ``torch.sign``, so sign(0) = 0. The defaults follow the
authors' TF-Addons code, ``tfa.optimizers.Yogi(learning_rate=0.01, beta1=0.9, beta2=0.999,
epsilon=1e-3, initial_accumulator_value=1e-6)``, which starts v at 0. ``optax.yogi(learning_rate,
b1=0.9, b2=0.999, eps=1e-3)`` agrees (no default η; its ``scale_by_yogi`` starts both moments at
``initial_accumulator_value=1e-6``), and so does pytorch-optimizer's ``Yogi`` (which also starts v
at ``initial_accumulator``, and decouples weight decay by default: ``weight_decouple=True``). ε =
1e-3, much larger than Adam's 1e-8, is part of the method: it bounds η/(√ŝ + ε) while s is tiny.
The bias correction ŝ = s/(1−β2ᵗ) is a heuristic carried over from Adam: it undoes the zero start
of an exponential moving average exactly, but Yogi's s is not one. TF-Addons applies it by
scaling the step, η·√(1−β2ᵗ)/(1−β1ᵗ)·v/(√s + ε), which puts ε on the uncorrected √s; here ε is
added to √ŝ, as in ``torch.optim.Adam``, so the first steps differ slightly. With
``initial_accumulator=0`` and ``eps=1e-3`` the class matches ``scratch.yogi``.
"""

# --8<-- [start:adam]
import torch


class Adam(torch.optim.Optimizer):
    """Adam (Kingma & Ba, 2015) with torch.optim.Adam's arguments; this
    for-loop path honours all but foreach=True and fused=True (refused)."""

    _fast = None  # the fast paths (snippets.optim adds them); None: loop only

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8,
                 weight_decay=0, amsgrad=False, *, foreach=None,
                 maximize=False, capturable=False, differentiable=False,
                 fused=None, decoupled_weight_decay=False):
        defaults = dict(
            lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
            amsgrad=amsgrad, foreach=foreach, maximize=maximize,
            capturable=capturable, differentiable=differentiable,
            fused=fused, decoupled_weight_decay=decoupled_weight_decay,
            **getattr(self, "_more_defaults", {}))
        super().__init__(params, self._checked(defaults))

    def add_param_group(self, param_group):
        """Add a group after checking the settings it brings."""
        super().add_param_group(self._checked(param_group))

    def _checked(self, group):
        """Refuse what this loop cannot do; return ``group``."""
        for flag in ("foreach", "fused"):
            if group.get(flag):
                raise ValueError(f"{flag}=True: this code has only the "
                                 f"for-loop path; pass {flag}=None")
        return group

    def _second_moment(self, s, g2, beta2):
        """Adam's s: an exponential moving average of g²."""
        return beta2 * s + (1 - beta2) * g2  # s ← β2·s + (1−β2)·g²

    @torch.compiler.disable  # compiled training code runs the step as is
    def step(self, closure=None):
        """Update every parameter that has a gradient; return the loss."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            with torch.set_grad_enabled(group["differentiable"]):
                if self._fast is None:  # every parameter takes the loop
                    todo = [p for p in group["params"]
                            if p.grad is not None]
                else:  # the fast paths leave what they cannot take
                    todo = self._fast(group)
                for p in todo:
                    self._update(p, group)
        return loss

    def _init_state(self, p, group):
        """v₀ = 0, s₀ (Yogi's initial_accumulator, else 0), t = 0."""
        state = self.state[p]
        state["step"] = (torch.zeros((), device=p.device)  # on p's device
                         if group["capturable"] else 0)  # t, per parameter
        state["exp_avg"] = torch.zeros_like(p)  # v₀ = 0
        s0 = group.get("initial_accumulator", 0.0)
        if p.is_complex():  # both parts of a complex number start at s₀
            s0 = complex(s0, s0)
        state["exp_avg_sq"] = torch.full_like(p, s0)  # s₀
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = torch.zeros_like(p)  # max of s so far

    def _update(self, p, group):
        """The for-loop path: one parameter, one equation per line."""
        if p.grad.is_sparse:
            raise RuntimeError(f"{type(self).__name__} does not support "
                               "sparse gradients")
        state = self.state[p]
        if not state:
            self._init_state(p, group)
        beta1, beta2 = group["betas"]
        lr, eps, wd = group["lr"], group["eps"], group["weight_decay"]
        g = -p.grad if group["maximize"] else p.grad  # maximize: g ← −g
        v, s = state["exp_avg"], state["exp_avg_sq"]
        m = state.get("max_exp_avg_sq")
        if p.is_complex():  # a complex number is updated as two reals
            p, g, v, s = (torch.view_as_real(x) for x in (p, g, v, s))
            m = None if m is None else torch.view_as_real(m)
        if wd != 0 and group["decoupled_weight_decay"]:
            p.mul_(1 - lr * wd)  # p ← p·(1 − ηλ), AdamW's decay
        elif wd != 0:
            g = g + wd * p  # g ← g + λ·p
        state["step"] += 1
        t = state["step"]  # t ← t + 1
        v.copy_(beta1 * v + (1 - beta1) * g)  # v ← β1·v + (1−β1)·g
        s.copy_(self._second_moment(s, g * g, beta2))  # the line Yogi changes
        if group["amsgrad"]:
            m.copy_(torch.maximum(m.clone(), s))  # m ← max(m, s)
            s = m  # divide by the largest s (m.clone(): autograd keeps m)
        v_hat = v / (1 - beta1**t)  # v̂ ← v / (1−β1ᵗ)
        s_hat = s / (1 - beta2**t)  # ŝ ← s / (1−β2ᵗ)
        p -= lr * v_hat / (torch.sqrt(s_hat) + eps)  # p ← p − η·v̂/(√ŝ + ε)
# --8<-- [end:adam]


# --8<-- [start:yogi]
import torch


class Yogi(Adam):
    """Yogi (Zaheer et al., 2018): Adam whose s moves toward g² by at
    most (1−β2)·g² per step. The defaults are those of the authors'
    TF-Addons code; ε is added to √ŝ, as in torch.optim.Adam."""

    def __init__(self, params, lr=1e-2, betas=(0.9, 0.999), eps=1e-3,
                 initial_accumulator=1e-6, weight_decay=0, amsgrad=False,
                 **flags):
        """Yogi's defaults; the keyword flags are Adam's."""
        self._more_defaults = {"initial_accumulator": initial_accumulator}
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad,
                         **flags)

    def _second_moment(self, s, g2, beta2):
        """Yogi's s: moves toward g² by (1−β2)·g²."""
        # s ← s + (1−β2)·sign(g² − s)·g²
        return s + (1 - beta2) * torch.sign(g2 - s) * g2
# --8<-- [end:yogi]


# --8<-- [start:usage]
import torch


def fit_linear_regression(optimizer_class=Yogi, steps=200, seed=0,
                          **hyperparameters):
    """Fit y = X·w + b on synthetic data; return the final MSE loss."""
    generator = torch.Generator().manual_seed(seed)
    X = torch.randn(1000, 5, generator=generator)
    w = torch.tensor([[2.0], [-3.4], [1.5], [0.5], [-1.0]])
    y = X @ w + 4.2
    net = torch.nn.Linear(5, 1)
    optimizer = optimizer_class(net.parameters(), **hyperparameters)
    for _ in range(steps):
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(net(X), y)
        loss.backward()
        optimizer.step()
    return torch.nn.functional.mse_loss(net(X), y).item()
# --8<-- [end:usage]


# Not on the pages: the complete argument checks, the fast paths and the checkpoint handling. A
# reader's copy of the sections above runs the for-loop path alone (the same numbers, slower)
# and refuses foreach=True and fused=True by name; here every flag has a path.
from .tools import checkpoints, fast, options, stepping  # noqa: E402

Adam._impl = "auto"  # which path step() runs: "auto", or one of fast.PATHS, forced (tests, benchmark)
Adam._checked = options.checked
Adam._fast = fast.group_step
Adam.__init__ = fast.with_counted_state(Adam.__init__)
Adam.__setstate__ = checkpoints.setstate
Adam.load_state_dict = checkpoints.load_state_dict
Adam.step = stepping.entry(Adam.step)  # torch's step hooks and label; run as written under torch.compile
