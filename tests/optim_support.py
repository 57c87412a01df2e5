"""Helpers shared by the tests of the page code (snippets/optim.py, snippets/scratch.py): a float64
reference written from the equations, random problems, the formula and line-length checks of the
page sections, and a guarded multiprocessing spawn."""
import re

import numpy as np
import pytest
import torch


DTYPES = [torch.float32, torch.float64]
TOLERANCE = {torch.float64: 1e-10, torch.float32: 1e-5}
SHAPES = [(5, 1), (1,), (33, 17), (4, 3, 2)]  # the regression's weight and bias, a matrix, a 3-d tensor


def rel_err(actual, expected):
    """max |actual − expected| / max |expected|, on CPU float64 (complex as real pairs)."""
    actual = torch.as_tensor(actual).detach().cpu()
    expected = torch.as_tensor(expected).detach().cpu()
    if actual.is_complex():
        actual = torch.view_as_real(actual)
    if expected.is_complex():
        expected = torch.view_as_real(expected)
    actual, expected = actual.double(), expected.double()
    if expected.numel() == 0:
        return 0.0
    return ((actual - expected).abs().max() / expected.abs().max()).item()


def numpy_yogi(p, grads, lr=1e-2, betas=(0.9, 0.999), eps=1e-3, initial_accumulator=1e-6, weight_decay=0.0,
               maximize=False, decoupled_weight_decay=False, amsgrad=False):
    """Yogi in float64 NumPy, from the equations (v₀ = 0, s₀ = initial_accumulator)."""
    beta1, beta2 = betas
    p = np.array(p, dtype=np.float64)
    v, s = np.zeros_like(p), np.full_like(p, initial_accumulator)
    m = np.zeros_like(p)
    for t, g in enumerate(grads, start=1):
        g = np.asarray(g, dtype=np.float64)
        g = -g if maximize else g  # g ← −g
        if decoupled_weight_decay:
            p = p * (1 - lr * weight_decay)  # p ← p·(1 − ηλ)
        else:
            g = g + weight_decay * p  # g ← g + λ·p
        v = beta1 * v + (1 - beta1) * g  # v ← β1·v + (1−β1)·g
        s = s + (1 - beta2) * np.sign(g * g - s) * g * g  # s ← s + (1−β2)·sign(g² − s)·g²
        if amsgrad:
            m = np.maximum(m, s)
        v_hat, s_hat = v / (1 - beta1**t), (m if amsgrad else s) / (1 - beta2**t)
        p = p - lr * v_hat / (np.sqrt(s_hat) + eps)  # p ← p − η·v̂/(√ŝ + ε)
    return p


def random_grads(steps, shapes=SHAPES, seed=0, dtype=torch.float64):
    """Gradients spanning five orders of magnitude, so sign(g² − s) flips often."""
    gen = torch.Generator().manual_seed(seed)
    out = []
    for _ in range(steps):
        scale = 10.0 ** torch.randint(-3, 2, (1,), generator=gen).item()
        out.append([torch.randn(shape, generator=gen, dtype=dtype) * scale for shape in shapes])
    return out


def initial_params(shapes=SHAPES, seed=1, dtype=torch.float64):
    gen = torch.Generator().manual_seed(seed)
    return [torch.randn(shape, generator=gen, dtype=dtype) for shape in shapes]


def run(optimizer, params, grads, device, dtype=None):
    """Set each step's gradients (copies, in the parameters' dtype unless given) and step."""
    for step_grads in grads:
        for p, g in zip(params, step_grads):
            p.grad = g.to(device, dtype or p.dtype, copy=True)
        optimizer.step()


def params_on(p0, device, dtype):
    return [torch.nn.Parameter(p.to(device, dtype, copy=True)) for p in p0]


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """These tests check numbers, not speed: one thread each (import this fixture into a module).

    On a busy 2-core machine, idle OpenMP threads spinning at every op made the tensor-heavy
    tests 5× slower.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def formula_check(sections, update, accept=("←",)):
    """(how many lines of ``sections`` match ``update``, those with no formula beside them or on
    the line above): a formula is a comment holding one of ``accept``."""
    checked, missing = 0, []
    for name, body in sections.items():
        lines = body.splitlines()
        for k, line in enumerate(lines):
            if re.match(update, line):
                checked += 1
                beside = "  # " in line and any(a in line.split("  # ", 1)[1] for a in accept)
                if not (beside or "←" in lines[k - 1]):
                    missing.append(f"{name}: {line.strip()}")
    return checked, missing


def long_lines(sections, limit=79):
    """Lines of ``sections`` longer than ``limit`` characters."""
    return [f"{name}: {len(line)}: {line.strip()}" for name, body in sections.items()
            for line in body.splitlines() if len(line) > limit]


def spawn_and_wait(fn, args, nprocs=2, timeout=600):
    """``torch.multiprocessing.spawn(fn, args, nprocs)``, but a run that hangs (a process waiting
    for one that is gone) is stopped after ``timeout`` seconds and fails the test."""
    import time

    import torch.multiprocessing as mp

    context = mp.spawn(fn, args=args, nprocs=nprocs, join=False)
    deadline = time.monotonic() + timeout
    while not context.join(timeout=5):
        if time.monotonic() > deadline:
            for process in context.processes:
                process.terminate()
            pytest.fail(f"the {nprocs} spawned processes did not finish within {timeout} s")
