"""Measurements no page shows: ``python -m tools.benchmark`` (one optimizer step, and the extras
of the speed floors), ``python -m tools.train_benchmark`` (the harness against the book's loop),
``python -m tools.gpu_check`` (what a session lent a GPU runs), and ``tools.shapes`` (GPT-2
small's parameter list)."""
