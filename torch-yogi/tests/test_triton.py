"""The CUDA kernel (Triton) against the for-loop path: on a GPU when there is one, and always on
CPU tensors under Triton's interpreter (TRITON_INTERPRET=1, set before triton is imported, so in
a fresh process)."""
import os
import subprocess
import sys
import textwrap

import pytest
import torch

from yogi_support import CUDA

CHECK = textwrap.dedent("""
    import sys, torch
    from torch_yogi import Yogi, triton_kernel
    device, dtype = torch.device(sys.argv[1]), getattr(torch, sys.argv[2])
    flags = eval(sys.argv[3])
    gen = torch.Generator().manual_seed(0)
    shapes = [(5, 1), (1,), (1500,), (0,), (3, 7)]
    p0 = [torch.randn(s, generator=gen) for s in shapes]
    grads = [[torch.randn(s, generator=gen) * 10.0 ** (k % 3 - 1) for s in shapes] for k in range(5)]
    def run(fused):
        params = [torch.nn.Parameter(p.to(device, dtype, copy=True)) for p in p0]
        opt = Yogi(params, lr=0.05, **flags)
        for step_grads in grads:
            for p, g in zip(params, step_grads):
                p.grad = g.to(device, dtype)
            if fused:  # the Triton op itself, whatever the device
                P, G, V, S, M, T = opt._gather(opt.param_groups[0])
                if device.type == "cpu":
                    T = [t.to(device) for t in T]
                    for p, t in zip(P, T):
                        opt.state[p]["step"] = t
                g = opt.param_groups[0]
                triton_kernel.fused_step(P, G, V, S, M if g["amsgrad"] else [], T, lr=g["lr"], beta1=g["betas"][0],
                                         beta2=g["betas"][1], weight_decay=g["weight_decay"], eps=g["eps"],
                                         amsgrad=g["amsgrad"], maximize=g["maximize"],
                                         decoupled_weight_decay=g["decoupled_weight_decay"], capturable=False,
                                         grad_scale=None, found_inf=None)
            else:
                opt.step()
        return [p.detach().double().cpu() for p in params], opt
    (fused, opt), (loop, _) = run(True), run(False)
    worst = max(((a - b).abs().max() / b.abs().max().clamp(min=1e-30)).item() for a, b in zip(fused, loop) if b.numel())
    steps = {opt.state[p]["step"].item() for p in opt.param_groups[0]["params"]}
    print("worst", worst, "steps", steps)
""")
TOLERANCE = {"float32": 1e-5, "float64": 1e-12, "float16": 2e-2, "bfloat16": 5e-2}
FLAGS = ["dict(foreach=False)", "dict(foreach=False, amsgrad=True, maximize=True, weight_decay=0.1)",
         "dict(foreach=False, weight_decay=0.1, decoupled_weight_decay=True)"]


def _check(device, dtype, flags, interpret):
    env = {**os.environ, **({"TRITON_INTERPRET": "1"} if interpret else {})}
    done = subprocess.run([sys.executable, "-c", CHECK, device, dtype, flags], capture_output=True, text=True,
                          env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    worst = float(done.stdout.split()[1])
    assert worst < TOLERANCE[dtype], done.stdout
    assert "steps {5.0}" in done.stdout


@pytest.mark.slow
@pytest.mark.parametrize("flags", FLAGS)
@pytest.mark.parametrize("dtype", ["float32", "float64", "bfloat16"])
def test_the_triton_kernel_under_the_interpreter_follows_the_loop(dtype, flags):
    pytest.importorskip("triton")
    _check("cpu", dtype, flags, interpret=True)


@CUDA
@pytest.mark.parametrize("flags", FLAGS)
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16"])
def test_the_triton_kernel_on_cuda_follows_the_loop(dtype, flags):
    _check("cuda", dtype, flags, interpret=False)


@CUDA
def test_on_cuda_the_default_is_torchs_own_ops_and_fused_true_asks_for_the_kernel():
    from torch_yogi import yogi as functional

    p = torch.nn.Parameter(torch.randn(10, device="cuda"))
    assert not functional.__globals__["_default_fused"]([p], False)
    assert functional.__globals__["_default_foreach"]([p], False, 0.01, False)
    p.grad = torch.randn_like(p)
    opt = Yogi = __import__("torch_yogi").Yogi([p], fused=True)
    opt.step()
    assert opt.state[p]["step"].device.type == "cuda"
