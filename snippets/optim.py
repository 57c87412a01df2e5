"""Adam and Yogi as ``torch.optim`` optimizers, written to be read: the chapters' concise code.

``Adam`` follows the equations of the Adam chapter one line each; ``Yogi`` is ``Adam`` with one
method overridden, the second moment. They take the arguments the chapters discuss (learning
rate, betas, ε, weight decay, decoupled weight decay as in AdamW, AMSGrad; Yogi's initial
accumulator) and keep their state under torch.optim.Adam's names (``exp_avg`` for v,
``exp_avg_sq`` for s). Each parameter is updated on its own, in a plain loop, on the device it
lives on: no fused kernels. For training code, ``torch_yogi.Yogi`` (the package in
``torch-yogi/``) computes the same equations with torch.optim.Adam's full contract and fast
kernels.
"""

# --8<-- [start:adam]
import torch


class Adam(torch.optim.Optimizer):
    """Adam (Kingma & Ba, 2015), one equation per line."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8,
                 weight_decay=0.0, decoupled_weight_decay=False,
                 amsgrad=False, initial_accumulator=0.0):
        if lr < 0 or eps < 0 or weight_decay < 0:
            raise ValueError(f"need lr, eps, weight_decay >= 0, got "
                             f"{lr}, {eps}, {weight_decay}")
        if not all(0 <= beta < 1 for beta in betas):
            raise ValueError(f"need betas in [0, 1), got {betas}")
        super().__init__(params, dict(
            lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
            decoupled_weight_decay=decoupled_weight_decay,
            amsgrad=amsgrad, initial_accumulator=initial_accumulator))

    def second_moment(self, s, g2, beta2):
        """Adam's s: an exponential moving average of g²."""
        return beta2 * s + (1 - beta2) * g2  # s ← β2·s + (1−β2)·g²

    @torch.no_grad()
    def step(self, closure=None):
        """Update every parameter that has a gradient; return the loss."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    self.update(p, p.grad, group)
        return loss

    def update(self, p, g, group):
        """One step for one parameter p with gradient g."""
        state = self.state[p]
        if not state:  # the first step: t = 0, v₀ = 0, s₀
            state["step"] = torch.tensor(0.0)
            state["exp_avg"] = torch.zeros_like(p)
            state["exp_avg_sq"] = torch.full_like(
                p, group["initial_accumulator"])
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = torch.zeros_like(p)
        beta1, beta2 = group["betas"]
        lr, eps, wd = group["lr"], group["eps"], group["weight_decay"]
        v, s = state["exp_avg"], state["exp_avg_sq"]
        state["step"] += 1
        t = state["step"].item()  # t ← t + 1
        if group["decoupled_weight_decay"]:
            p.mul_(1 - lr * wd)  # p ← p·(1 − ηλ), AdamW's decay
        else:
            g = g + wd * p  # g ← g + λ·p, an L2 penalty
        v.copy_(beta1 * v + (1 - beta1) * g)  # v ← β1·v + (1−β1)·g
        s.copy_(self.second_moment(s, g * g, beta2))  # Yogi changes this
        if group["amsgrad"]:
            m = state["max_exp_avg_sq"]
            m.copy_(torch.maximum(m, s))  # m ← max(m, s)
            s = m  # AMSGrad divides by the largest s so far
        v_hat = v / (1 - beta1**t)  # v̂ ← v / (1−β1ᵗ)
        s_hat = s / (1 - beta2**t)  # ŝ ← s / (1−β2ᵗ)
        p -= lr * v_hat / (torch.sqrt(s_hat) + eps)  # p ← p − η·v̂/(√ŝ + ε)
# --8<-- [end:adam]


# --8<-- [start:yogi]
import torch


class Yogi(Adam):
    """Yogi (Zaheer et al., 2018): Adam whose s moves toward g² by at
    most (1−β2)·g² per step. Defaults of the authors' TensorFlow code."""

    def __init__(self, params, lr=1e-2, betas=(0.9, 0.999), eps=1e-3,
                 initial_accumulator=1e-6, **options):
        super().__init__(params, lr, betas, eps,
                         initial_accumulator=initial_accumulator, **options)

    def second_moment(self, s, g2, beta2):
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
