"""Plumbing that no page shows: the fused optimizer paths and their kernels, and the benchmarks.

Everything a page includes lives one level up, in ``snippets/``; nothing in this package is
needed to run the code a reader copies from the site.

* ``fast`` — the fast paths ``snippets.optim.Adam.step`` offers each parameter group to, and the
  cached plan of each group;
* ``options`` — the complete argument and flag checks of ``snippets.optim.Adam`` and ``Yogi``;
* ``checkpoints`` — loading torch and pytorch_optimizer state dicts into them;
* ``yogi_c`` — the one-pass Yogi C kernel for CPU tensors, compiled on first use;
* ``benchmark`` — ``python -m snippets.tools.benchmark``: one optimizer step, timed;
* ``train_benchmark`` — ``python -m snippets.tools.train_benchmark``: the training harness
  against the book's loop.
"""
