"""Plumbing that no page shows: the fused optimizer paths and their kernels, and the benchmarks.

Everything a page includes lives one level up, in ``snippets/``; nothing in this package is
needed to run the code a reader copies from the site.

* ``fast`` — the fast paths ``snippets.optim.Adam.step`` offers each parameter group to, and the
  cached plan of each group;
* ``options`` — the complete argument and flag checks of ``snippets.optim.Adam`` and ``Yogi``;
* ``checkpoints`` — loading torch and pytorch_optimizer state dicts into them;
* ``yogi_c`` — the one-pass Yogi C kernel for CPU tensors, compiled on first use;
* ``yogi_triton`` (+ ``_yogi_triton_kernel``) — the one-pass Yogi Triton kernel for CUDA tensors
  (CPU tensors under ``TRITON_INTERPRET=1``);
* ``shapes`` — parameter lists of real models (GPT-2 small) for the benchmarks;
* ``benchmark`` — ``python -m snippets.tools.benchmark``: one optimizer step, timed;
* ``train_benchmark`` — ``python -m snippets.tools.train_benchmark``: the training harness
  against the book's loop;
* ``gpu_check`` — ``python -m snippets.tools.gpu_check``: the CUDA tests and timings of the
  Triton kernel in one run, for a machine with a GPU.
"""
