"""The training harness of the pages: what the book's ``d2l.train_ch11`` and
``d2l.train_concise_ch11`` do, without the d2l package.

Linear regression ŷ = X·w + b on the airfoil data (w ~ N(0, 0.01²) of shape (5, 1), b = 0),
squared loss ℓ = ½·(ŷ − y)² averaged over each minibatch (the book's
``loss(net(X), y).mean().backward()``), minibatches shuffled every epoch, the loss on the full
data set recorded every 200 examples, and the time per epoch measured without those evaluations.
The loop is lean: no ``DataLoader`` (one gather per epoch, batches are views), and the gradient
of the batch loss is written out — ∇w = Xᵀ(ŷ − y)/B, ∇b = mean(ŷ − y) — and stored in ``.grad``
where ``backward()`` would put it (the tests check it against autograd).

The two sections are what the pages show, under the book's names:

* :func:`train_ch11` runs a from-scratch update ``trainer_fn(params, states, hyperparams)``
  (``snippets.scratch.adam``/``yogi``);
* :func:`train_concise_ch11` runs any ``torch.optim.Optimizer`` class (``torch.optim.Adam``,
  ``snippets.optim.Adam``, ``snippets.optim.Yogi``) on the same model and loss. (The book's
  concise version uses ``nn.Linear`` with its default bias init and ``MSELoss`` without the ½;
  here both harnesses share one model and one loss, so their curves are comparable.)

Both return a :class:`Run`, whose ``str`` is the book's line ``loss: 0.243, 0.012 sec/epoch``;
without a ``device`` they use the GPU when there is one. :func:`train_scratch` and
:func:`train_torch` are the same runs with every argument checked (a ``ValueError`` naming the
bad one) and the device taken through :func:`resolve_device` (default ``"cpu"``); the CLI and
the tests use them.

Determinism: a ``torch.Generator`` seeded with ``seed`` draws w and every epoch's order; the
global RNG is never touched. Same seed, same machine and device → the same numbers.

Device: ``resolve_device("auto")`` picks CUDA when present; ``resolve_device(None)`` reads
``ADAM_YOGI_DEVICE`` (``auto``|``cpu``|``cuda``, default ``auto``); a bad name or ``"cuda"``
without CUDA is a ``ValueError`` naming it.

CLI::

    python -m snippets.train --optimizer {adam,yogi,torch-adam,optim-yogi} [--epochs N] [--lr X]
        [--batch-size B] [--device auto|cpu|cuda] [--seed S] [--data-dir DIR] [--allow-synthetic]
"""
from __future__ import annotations

import argparse
import math
import numbers
import os
import sys

import torch

ENV_DEVICE = "ADAM_YOGI_DEVICE"
DEVICES = ("auto", "cpu", "cuda")


def resolve_device(name: str | torch.device | None = None) -> torch.device:
    """``"auto"`` → CUDA when available else CPU; ``"cpu"``; ``"cuda"`` (an error without CUDA).

    ``None`` means ``$ADAM_YOGI_DEVICE``, or ``"auto"`` when that is unset or empty. A
    ``torch.device`` of type cpu or cuda is taken as its type's name; ``torch.device("cuda:1")``
    is returned as it is when that GPU exists.
    """
    if name is None:
        name = os.environ.get(ENV_DEVICE) or "auto"
    if isinstance(name, torch.device):
        if name.type == "cuda" and name.index is not None:
            resolve_device("cuda")  # raises without CUDA
            if name.index >= torch.cuda.device_count():
                raise ValueError(f"Invalid device: {str(name)!r} (this machine has {torch.cuda.device_count()} CUDA devices)")
            return name
        name = str(name)
    key = name.strip().lower() if isinstance(name, str) else name
    if key == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if key == "cpu":
        return torch.device("cpu")
    if key == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"device {name!r} was asked for, but CUDA is not available (torch {torch.__version__})")
        return torch.device("cuda")
    raise ValueError(f"Invalid device: {name!r} (expected one of {', '.join(DEVICES)})")


def describe_device(device: str | torch.device) -> str:
    """``"cpu (torch 2.13.0)"`` or ``"cuda (NVIDIA H100 80GB HBM3, torch 2.13.0)"`` for captions."""
    device = torch.device(device)
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)}, torch {torch.__version__})"
    return f"{device.type} (torch {torch.__version__})"


def _split_data(data) -> tuple[torch.Tensor, torch.Tensor]:
    """(features, labels) from an ``Airfoil`` or a ``(features, labels)`` pair."""
    if hasattr(data, "features") and hasattr(data, "labels"):
        return data.features, data.labels
    features, labels = data
    return features, labels


def _check(num_epochs: int, batch_size: int, n: int, hyperparams: dict, seed: int) -> None:
    """Raise ValueError naming the first bad argument of a training run."""
    if "lr" in hyperparams:
        lr = hyperparams["lr"]
        if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not (math.isfinite(lr) and lr > 0):
            raise ValueError(f"Invalid learning rate: {lr!r} (a finite number > 0)")
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**63:
        raise ValueError(f"Invalid seed: {seed!r} (an integer from 0 to 2**63 - 1)")
    if isinstance(num_epochs, bool) or not isinstance(num_epochs, int) or num_epochs < 1:
        raise ValueError(f"Invalid num_epochs: {num_epochs!r} (an integer ≥ 1)")
    if num_epochs * n < 200:
        raise ValueError(f"Invalid num_epochs: {num_epochs} epochs of {n} examples never reach the 200 between two recorded losses")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or not 1 <= batch_size <= n:
        raise ValueError(f"Invalid batch_size: {batch_size!r} (an integer from 1 to the {n} examples)")


# --8<-- [start:harness]
import time
from typing import NamedTuple

import torch


def linreg(X, w, b):
    return torch.addmm(b, X, w)  # ŷ = X·w + b


def squared_loss(y_hat, y):
    return (y_hat - y) ** 2 / 2  # ℓ = ½·(ŷ − y)²


class Run(NamedTuple):
    epochs: list  # when each loss was recorded, in epochs
    losses: list  # the loss on all the data, every 200 examples
    sec_per_epoch: float  # training time, the evaluations excluded
    device: str

    def __str__(self):  # the book's line
        return (f"loss: {self.losses[-1]:.3f}, "
                f"{self.sec_per_epoch:.3f} sec/epoch")


def train_loop(update, params, features, labels, *, num_epochs, batch_size,
               generator, device, eval_every=200):
    """Shuffled minibatches; update() takes one step on params = [w, b]."""
    w, b = params
    device = torch.device(device)
    X, y = features.to(device), labels.to(device).reshape(-1, 1)
    n = X.shape[0]
    epochs, losses, seconds, seen = [], [], 0.0, 0
    for _ in range(num_epochs):
        start = time.perf_counter()
        order = torch.randperm(n, generator=generator).to(device)
        X_epoch, y_epoch = X[order], y[order]  # batches are views of these
        for i in range(0, n, batch_size):
            X_batch = X_epoch[i : i + batch_size]
            y_batch = y_epoch[i : i + batch_size]
            with torch.no_grad():  # the gradient of mean ½·(ŷ − y)², by hand
                r = linreg(X_batch, w, b) - y_batch  # r = ŷ − y
                w.grad = X_batch.T @ r / len(r)  # ∇w = Xᵀ·r / B
                b.grad = r.mean(0)  # ∇b = Σ r / B
            update()
            before, seen = seen, seen + len(r)
            if seen // eval_every > before // eval_every:
                if device.type == "cuda":
                    torch.cuda.synchronize(device)
                seconds += time.perf_counter() - start  # not timed:
                with torch.no_grad():  # the loss on all the data
                    loss = squared_loss(linreg(X, w, b), y).mean()
                losses.append(loss.item())
                epochs.append(seen / n)
                start = time.perf_counter()
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        seconds += time.perf_counter() - start
    return Run(epochs, losses, seconds / num_epochs, str(device))
# --8<-- [end:harness]


# --8<-- [start:train-ch11]
import torch


def init_params(feature_dim, generator, device):
    w = torch.normal(0.0, 0.01, size=(feature_dim, 1), generator=generator)
    b = torch.zeros(1)  # w ~ N(0, 0.01²), b = 0
    return [w.to(device).requires_grad_(), b.to(device).requires_grad_()]


def to_device(states, device):
    """Optimizer states (tensors in nested tuples) on device."""
    if isinstance(states, (tuple, list)):
        return type(states)(to_device(s, device) for s in states)
    return states.to(device) if isinstance(states, torch.Tensor) else states


def train_ch11(trainer_fn, states, hyperparams, data, num_epochs=2,
               batch_size=10, device=None, seed=0):
    """trainer_fn(params, states, hyperparams) after every minibatch."""
    if device is None:  # the GPU when there is one
        device = "cuda" if torch.cuda.is_available() else "cpu"
    generator = torch.Generator().manual_seed(seed)
    params = init_params(data[0].shape[1], generator, device)
    states = to_device(states, device)
    hyperparams = dict(hyperparams)  # t advances in this copy

    def update():
        trainer_fn(params, states, hyperparams)

    return train_loop(update, params, data[0], data[1], device=device,
                      num_epochs=num_epochs, batch_size=batch_size,
                      generator=generator)


def train_concise_ch11(trainer, hyperparams, data, num_epochs=4,
                       batch_size=10, device=None, seed=0):
    """The same training with trainer, a torch.optim.Optimizer class."""
    if device is None:
        device = "cuda" if torch.cuda.is_available() else "cpu"
    generator = torch.Generator().manual_seed(seed)
    params = init_params(data[0].shape[1], generator, device)
    optimizer = trainer(params, **hyperparams)

    def update():
        optimizer.step()
        optimizer.zero_grad()

    return train_loop(update, params, data[0], data[1], device=device,
                      num_epochs=num_epochs, batch_size=batch_size,
                      generator=generator)
# --8<-- [end:train-ch11]


def train_scratch(trainer_fn, states, hyperparams: dict, data, *, num_epochs: int = 2, batch_size: int = 10,
                  device="cpu", seed: int = 0) -> Run:
    """:func:`train_ch11` with every argument checked (``ValueError`` naming the bad one).

    ``trainer_fn`` updates w, b in place from their ``.grad`` (as ``scratch.adam`` does). It gets
    a copy of ``hyperparams`` (``{'lr': 0.01, 't': 1}``) and may advance its ``t``; the caller's
    dict is left as it was, so one dict can start any number of runs. ``states`` are moved to
    ``device`` if they live elsewhere. ``device``: any name :func:`resolve_device` takes (default
    ``"cpu"``, where :func:`train_ch11` defaults to the GPU when present); ``seed``: an integer from
    0 to 2**63 − 1; an ``lr`` in ``hyperparams`` must be a finite number > 0.
    """
    features, labels = _split_data(data)
    _check(num_epochs, batch_size, features.shape[0], hyperparams, seed)
    return train_ch11(trainer_fn, states, hyperparams, (features, labels), num_epochs=num_epochs,
                      batch_size=batch_size, device=resolve_device(device), seed=seed)


def train_torch(optimizer_cls, hyperparams: dict, data, *, num_epochs: int = 4, batch_size: int = 10,
                device="cpu", seed: int = 0) -> Run:
    """:func:`train_concise_ch11` (any optimizer class: ``optimizer_cls([w, b], **hyperparams)``),
    arguments checked as in :func:`train_scratch`."""
    features, labels = _split_data(data)
    _check(num_epochs, batch_size, features.shape[0], hyperparams, seed)
    return train_concise_ch11(optimizer_cls, hyperparams, (features, labels), num_epochs=num_epochs,
                              batch_size=batch_size, device=resolve_device(device), seed=seed)


# The CLI ---------------------------------------------------------------------------------------

OPTIMIZERS = ("adam", "yogi", "torch-adam", "optim-yogi")
DEFAULT_LR = 0.01
DEFAULT_BATCH_SIZE = 10
DEFAULT_EPOCHS = {"adam": 2, "yogi": 2, "torch-adam": 4, "optim-yogi": 2}  # the book's runs


def run_optimizer(name: str, data, *, lr: float = DEFAULT_LR, num_epochs: int | None = None,
                  batch_size: int = DEFAULT_BATCH_SIZE, device="cpu", seed: int = 0) -> Run:
    """One of the four runs the pages show, by CLI name; arguments are checked as in :func:`train_scratch`."""
    if name not in OPTIMIZERS:
        raise ValueError(f"Invalid optimizer: {name!r} (expected one of {', '.join(OPTIMIZERS)})")
    if num_epochs is None:
        num_epochs = DEFAULT_EPOCHS[name]
    common = dict(num_epochs=num_epochs, batch_size=batch_size, device=device, seed=seed)
    feature_dim = _split_data(data)[0].shape[1]
    if name in ("adam", "yogi"):
        from snippets import scratch

        trainer_fn = scratch.adam if name == "adam" else scratch.yogi
        return train_scratch(trainer_fn, scratch.init_adam_states(feature_dim), {"lr": lr, "t": 1}, data, **common)
    if name == "torch-adam":
        return train_torch(torch.optim.Adam, {"lr": lr}, data, **common)
    from snippets import optim

    return train_torch(optim.Yogi, {"lr": lr}, data, **common)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer ≥ 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer ≥ 1, got {value}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"expected a finite number > 0, got {text!r}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer from 0 to 2**63 - 1, got {text!r}") from None
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"expected an integer from 0 to 2**63 - 1, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m snippets.train",
        description="Train the book's linear regression on the airfoil data and print its loss line.",
    )
    parser.add_argument("--optimizer", required=True, choices=OPTIMIZERS,
                        help="adam, yogi: snippets.scratch; torch-adam: torch.optim.Adam; optim-yogi: snippets.optim.Yogi")
    parser.add_argument("--epochs", type=_positive_int, default=None,
                        help="default 2 (4 for torch-adam, as the book's concise run)")
    parser.add_argument("--lr", type=_positive_float, default=DEFAULT_LR, help=f"learning rate η (default {DEFAULT_LR})")
    parser.add_argument("--batch-size", type=_positive_int, default=DEFAULT_BATCH_SIZE,
                        help=f"minibatch size (default {DEFAULT_BATCH_SIZE})")
    parser.add_argument("--device", choices=DEVICES, default=None,
                        help=f"default ${ENV_DEVICE}, else auto (CUDA when available)")
    parser.add_argument("--seed", type=_seed, default=0, help="seeds w's init and the shuffles (default 0)")
    parser.add_argument("--data-dir", default=None,
                        help="folder holding airfoil_self_noise.dat (default $ADAM_YOGI_DATA_DIR, else download)")
    parser.add_argument("--allow-synthetic", action="store_true",
                        help="if the airfoil file can't be had, train on the synthetic stand-in (and say so)")
    return parser


def main(argv: list[str] | None = None) -> int:
    from snippets.data import FILENAME, URL, AirfoilUnavailable, load_airfoil

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        device = resolve_device(args.device)
    except ValueError as err:
        parser.error(str(err))
    try:
        data = load_airfoil(args.data_dir, allow_synthetic=args.allow_synthetic)  # says why on stderr
    except ValueError as err:
        parser.error(f"argument --data-dir: {err}")
    except AirfoilUnavailable as err:
        parser.exit(1, f"error: {err}; put {FILENAME} (from {URL}) into --data-dir, $ADAM_YOGI_DATA_DIR or the "
                       "current folder, or pass --allow-synthetic\n")
    if args.batch_size > data.features.shape[0]:
        parser.error(f"argument --batch-size: at most {data.features.shape[0]} (the number of examples), got {args.batch_size}")
    run = run_optimizer(args.optimizer, data, lr=args.lr, num_epochs=args.epochs, batch_size=args.batch_size,
                        device=device, seed=args.seed)
    where = f"airfoil ({data.path})" if data.source == "airfoil" else "synthetic (the airfoil file was not available)"
    print(run)
    print(f"device: {describe_device(device)}, data: {where}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
