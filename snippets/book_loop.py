"""The book's training loop and from-scratch Adam, as *Dive into Deep Learning* runs them
(``d2l.train_ch11`` with ``d2l.load_array``'s DataLoader, §12.10's ``adam``).

The performance page shows this section; ``python -m tools.train_benchmark`` times it against the
site's own harness (``snippets/train.py``).
"""

# --8<-- [start:book-loop]
import time

import torch
from torch.utils.data import DataLoader, TensorDataset


def book_adam(params, states, hyperparams):
    """The book's from-scratch Adam (D2L §12.10)."""
    beta1, beta2, eps = 0.9, 0.999, 1e-6
    for p, (v, s) in zip(params, states):
        with torch.no_grad():
            v[:] = beta1 * v + (1 - beta1) * p.grad  # v ← β1·v + (1 − β1)·g
            # s ← β2·s + (1 − β2)·g²
            s[:] = beta2 * s + (1 - beta2) * torch.square(p.grad)
            v_bias_corr = v / (1 - beta1 ** hyperparams["t"])  # v̂ = v/(1−β1ᵗ)
            s_bias_corr = s / (1 - beta2 ** hyperparams["t"])  # ŝ = s/(1−β2ᵗ)
            # p ← p − η·v̂ / (√ŝ + ε)
            p[:] -= (hyperparams["lr"] * v_bias_corr
                     / (torch.sqrt(s_bias_corr) + eps))
        p.grad.data.zero_()
    hyperparams["t"] += 1


def book_train(trainer_fn, states, hyperparams, features, labels,
               num_epochs=2, batch_size=10, generator=None):
    """d2l.train_ch11 on a DataLoader; returns (final loss, sec/epoch)."""
    data_iter = DataLoader(TensorDataset(features, labels), batch_size,
                           shuffle=True, generator=generator)
    w = torch.normal(0.0, 0.01, size=(features.shape[1], 1),
                     requires_grad=True, generator=generator)
    b = torch.zeros((1), requires_grad=True)

    def net(X):  # d2l.linreg: ŷ = X·w + b
        return torch.matmul(X, w) + b

    def loss(y_hat, y):  # d2l.squared_loss: ½·(ŷ − y)²
        return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2

    def evaluate_loss():  # d2l.evaluate_loss: the mean loss over the data
        total, count = 0.0, 0
        for X, y in data_iter:
            l = loss(net(X), y)
            total, count = total + l.sum().item(), count + l.numel()
        return total / count

    n, seconds, last = 0, 0.0, None
    start = time.perf_counter()
    for _ in range(num_epochs):
        for X, y in data_iter:
            l = loss(net(X), y).mean()
            l.backward()
            trainer_fn([w, b], states, hyperparams)
            n += X.shape[0]
            if n % 200 == 0:
                seconds += time.perf_counter() - start  # timer.stop()
                last = evaluate_loss()
                start = time.perf_counter()  # timer.start()
    seconds += time.perf_counter() - start
    return last, seconds / num_epochs
# --8<-- [end:book-loop]
