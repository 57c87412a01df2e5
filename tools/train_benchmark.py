"""How much faster the harness (``snippets.train``) runs an epoch than the book's own loop.

``python -m tools.train_benchmark [--repeats 9] [--epochs 2] [--device cpu] [--data-dir DIR]``

The book-style loop is ``d2l.train_ch11`` as the book runs it: a ``DataLoader`` over a
``TensorDataset`` (batches of 10, shuffled), ``d2l.linreg`` and ``d2l.squared_loss``, the book's
from-scratch ``adam`` (a Python loop over the parameters, out-of-place ops, ``v[:] = …``), and the
full-data loss evaluated through the ``DataLoader`` every 200 examples — evaluation not timed, as
in the book. The harness runs ``snippets.scratch.adam`` on pre-shuffled tensors (views, no
``DataLoader``, the minibatch gradient written out instead of autograd's). A third row runs the
harness with the verbatim ``adam`` below, which separates what the loop saves from what the
update saves (``scratch.adam`` is the book's function too, so the first two rows measure the
same work: their difference is the noise of the machine). Rows are interleaved in one process,
one run of each per round, the row order rotating; the report is the median sec/epoch of each
row, their ratio (the floor applies to it), the median of the per-round ratios (each pair ran
back to back, so it is the steadier number on a busy machine) and the ratio of the best runs.
"""
from __future__ import annotations

import argparse
import statistics
import sys

import torch

FLOOR = 0.6  # the harness must take at most 0.6× the book-style loop's time per epoch


from snippets.book_loop import book_adam, book_train  # noqa: E402  (the loop the performance page shows)


def _zero_states(feature_dim: int):
    return ((torch.zeros(feature_dim, 1), torch.zeros(feature_dim, 1)), (torch.zeros(1), torch.zeros(1)))


def measure(data, *, repeats: int = 9, num_epochs: int = 2, device="cpu") -> dict[str, list[float]]:
    """sec/epoch of each row, ``repeats`` times, interleaved (row order rotates every round)."""
    from snippets import scratch
    from snippets.train import train_scratch

    features, labels = data.features, data.labels
    dim = features.shape[1]

    def harness():
        return train_scratch(scratch.adam, scratch.init_adam_states(dim), {"lr": 0.01, "t": 1}, data,
                             num_epochs=num_epochs, device=device).sec_per_epoch

    def harness_book_adam():
        return train_scratch(book_adam, _zero_states(dim), {"lr": 0.01, "t": 1}, data,
                             num_epochs=num_epochs, device=device).sec_per_epoch

    def book():
        generator = torch.Generator().manual_seed(0)
        return book_train(book_adam, _zero_states(dim), {"lr": 0.01, "t": 1}, features, labels,
                          num_epochs=num_epochs, generator=generator)[1]

    rows = {"harness + scratch.adam": harness, "harness + book adam": harness_book_adam, "book loop + book adam": book}
    for fn in rows.values():  # warm-up: first calls pay for lazy initialisation
        fn()
    times = {name: [] for name in rows}
    names = list(rows)
    for r in range(repeats):
        for name in names[r % len(names):] + names[: r % len(names)]:
            times[name].append(rows[name]())
    return times


def main(argv: list[str] | None = None) -> int:
    from snippets.data import load_airfoil
    from snippets.train import describe_device, resolve_device

    parser = argparse.ArgumentParser(prog="python -m tools.train_benchmark", description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=9, help="timed runs per row (≥ 5; default 9)")
    parser.add_argument("--epochs", type=int, default=2, help="epochs per run (default 2)")
    parser.add_argument("--device", choices=("cpu",), default="cpu",
                        help="the book-style loop runs on the CPU, so the comparison does too")
    parser.add_argument("--data-dir", default=None, help="folder holding airfoil_self_noise.dat")
    args = parser.parse_args(argv)
    if args.repeats < 5:
        parser.error(f"argument --repeats: at least 5, got {args.repeats}")
    if args.epochs < 1:
        parser.error(f"argument --epochs: at least 1, got {args.epochs}")
    data = load_airfoil(args.data_dir, allow_synthetic=True)
    device = resolve_device(args.device)
    times = measure(data, repeats=args.repeats, num_epochs=args.epochs, device=device)
    medians = {name: statistics.median(t) for name, t in times.items()}
    book = medians["book loop + book adam"]
    print(f"device: {describe_device(device)}, data: {data.source}, {args.repeats} runs of {args.epochs} epochs each")
    for name, med in medians.items():
        spread = f"{min(times[name]):.4f}–{max(times[name]):.4f}"
        print(f"{name:<24} {med:.4f} sec/epoch (median; range {spread})  {med / book:.2f}× the book loop")
    ratio = medians["harness + scratch.adam"] / book
    paired = statistics.median(h / b for h, b in zip(times["harness + scratch.adam"], times["book loop + book adam"]))
    best = min(times["harness + scratch.adam"]) / min(times["book loop + book adam"])
    print(f"harness / book loop: {ratio:.2f}× (floor ≤ {FLOOR}×: {'met' if ratio <= FLOOR else 'NOT met'}); "
          f"median of per-round ratios {paired:.2f}×, best / best {best:.2f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
