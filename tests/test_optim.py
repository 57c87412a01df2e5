"""snippets/optim.py: Adam against torch.optim.Adam, every Yogi path against NumPy, the API.

The flags, layouts and plans: test_optim_flags.py; torch.compile, checkpoints and distributed
training: test_optim_compile.py, test_optim_checkpoints.py, test_optim_distributed.py."""
import io
import logging
import os
import re
import shutil
import stat
import tempfile
from pathlib import Path

import numpy as np
import pytest
import torch

from optim_support import (ADAM_PATHS, DTYPES, TOLERANCE, YOGI_PATHS, formula_check, initial_params,
                           kernels_used, long_lines, make, numpy_yogi, one_thread, params_on, random_grads,
                           rel_err, run, skip_unless_available)
from snippets import optim, scratch
from snippets.tools import fast as _fast, yogi_c as _yogi_kernel
from snippets.optim import Adam, Yogi
from test_snippet_sections import sections

OPTIM_PATH = Path(optim.__file__)
SOURCE = OPTIM_PATH.read_text()


# --- Yogi: every path against NumPy ---


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("impl", YOGI_PATHS)
@pytest.mark.parametrize(
    "hyper",
    [{}, {"weight_decay": 0.1, "lr": 0.05, "initial_accumulator": 0.0}, {"betas": (0.5, 0.9), "eps": 1e-6},
     {"maximize": True, "weight_decay": 0.05}, {"decoupled_weight_decay": True, "weight_decay": 0.5, "lr": 0.05},
     {"amsgrad": True, "maximize": True, "decoupled_weight_decay": True, "weight_decay": 0.1}],
    ids=["defaults", "weight-decay", "betas-eps", "maximize", "decoupled", "amsgrad-maximize-decoupled"],
)
def test_yogi_path_equals_numpy_reference(device, dtype, impl, hyper):
    skip_unless_available(impl, device)
    p0, grads = initial_params(), random_grads(40)
    params = params_on(p0, device, dtype)
    run(make(Yogi, params, impl, **hyper), params, grads, device, dtype)
    for k, p in enumerate(params):
        expected = numpy_yogi(p0[k].numpy(), [g[k].numpy() for g in grads], **hyper)
        assert rel_err(p, expected) <= TOLERANCE[dtype], f"tensor {k} {tuple(p.shape)}"
        assert rel_err(p, p0[k]) > 1e-4  # it moved


@pytest.mark.parametrize("dtype", DTYPES)
def test_yogi_torch_fused_chunking_matches_reference(device, dtype, monkeypatch):
    """Tiny chunks: large tensors split into many views, small ones grouped across tensors."""
    monkeypatch.setattr(_fast, "CPU_CHUNK", 64)
    shapes = [(5, 1), (1,), (7, 30), (3,), (250,), (64,), (65,)]
    p0, grads = initial_params(shapes), random_grads(25, shapes)
    params = params_on(p0, device, dtype)
    hyper = {"weight_decay": 0.01, "maximize": True, "amsgrad": True}
    run(make(Yogi, params, "torch-fused", **hyper), params, grads, device, dtype)
    for k, p in enumerate(params):
        expected = numpy_yogi(p0[k].numpy(), [g[k].numpy() for g in grads], **hyper)
        assert rel_err(p, expected) <= TOLERANCE[dtype]


def test_yogi_ties_use_sign_zero(device):
    """g² = s exactly leaves s unchanged (torch.sign(0) = 0) on every path; so does g = 0."""
    for impl in YOGI_PATHS:
        if impl == "c-kernel" and (device.type != "cpu" or _yogi_kernel.load() is None):
            continue
        p = torch.nn.Parameter(torch.ones(4, device=device, dtype=torch.float64))
        opt = make(Yogi, [p], impl, initial_accumulator=0.25)
        p.grad = torch.tensor([0.5, -0.5, 0.0, 2.0], device=device, dtype=torch.float64)  # g² = s, s, 0, 16·s
        opt.step()
        s = opt.state[p]["exp_avg_sq"].cpu()
        expected = torch.tensor([0.25, 0.25, 0.25 - 0.0, 0.25 + 0.001 * 4.0], dtype=torch.float64)
        assert torch.allclose(s, expected, rtol=1e-14, atol=0), impl


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("impl", YOGI_PATHS)
def test_yogi_step_one_with_zero_accumulator_equals_adam_step_one(device, dtype, impl):
    """sign(g² − 0) = 1, so s₁ = (1−β2)·g² for both: the first steps agree for the same ε."""
    skip_unless_available(impl, device)
    p0, grads = initial_params(), random_grads(1)
    yogi_params, adam_params = params_on(p0, device, dtype), params_on(p0, device, dtype)
    yogi = make(Yogi, yogi_params, impl, lr=0.01, eps=1e-3, initial_accumulator=0.0)
    adam = make(Adam, adam_params, "reference" if impl == "c-kernel" else impl, lr=0.01, eps=1e-3)
    run(yogi, yogi_params, grads, device, dtype)
    run(adam, adam_params, grads, device, dtype)
    for a, b in zip(yogi_params, adam_params):
        if impl == "reference":
            assert torch.equal(a, b)
        else:
            assert rel_err(a, b) <= TOLERANCE[dtype]
    for a, b in zip(yogi_params, adam_params):
        assert torch.equal(yogi.state[a]["exp_avg"], adam.state[b]["exp_avg"]) or impl != "reference"


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("impl", YOGI_PATHS)
def test_yogi_with_zero_accumulator_matches_scratch_yogi(device, dtype, impl):
    """Yogi(initial_accumulator=0, eps=1e-3) takes the same steps as scratch.yogi on a real loss."""
    skip_unless_available(impl, device)
    gen = torch.Generator().manual_seed(3)
    X = torch.randn(100, 5, generator=gen).to(device, dtype)
    y = (X @ torch.tensor([[2.0], [-3.4], [1.5], [0.5], [-1.0]]).to(device, dtype) + 4.2)
    ours = [torch.nn.Parameter(torch.zeros(5, 1, device=device, dtype=dtype)),
            torch.nn.Parameter(torch.zeros(1, device=device, dtype=dtype))]
    theirs = [p.detach().clone().requires_grad_() for p in ours]
    states = [(v.to(device, dtype), s.to(device, dtype)) for v, s in scratch.init_adam_states(5)]
    hyperparams = {"lr": 0.1, "t": 1}
    opt = make(Yogi, ours, impl, lr=0.1, eps=1e-3, initial_accumulator=0.0)
    for step in range(60):
        rows = slice(step % 10 * 10, step % 10 * 10 + 10)
        opt.zero_grad()
        ((X[rows] @ ours[0] + ours[1] - y[rows]) ** 2).mean().backward()
        opt.step()
        ((X[rows] @ theirs[0] + theirs[1] - y[rows]) ** 2).mean().backward()
        scratch.yogi(theirs, states, hyperparams)
    for a, b in zip(ours, theirs):
        if impl == "reference":
            assert torch.equal(a, b)  # the same torch ops in the same order
        else:
            assert rel_err(a, b) <= TOLERANCE[dtype] * 10  # 60 steps of a loss that feeds back


# --- Adam: every path against torch.optim.Adam, for every option ---

ADAM_OPTIONS = [
    {},
    {"lr": 0.05, "betas": (0.8, 0.99), "eps": 1e-6},
    {"weight_decay": 0.1},
    {"amsgrad": True},
    {"amsgrad": True, "weight_decay": 0.05, "lr": 0.02},
    {"maximize": True, "weight_decay": 0.05},
    {"decoupled_weight_decay": True, "weight_decay": 0.1, "lr": 0.02},
    {"decoupled_weight_decay": True, "weight_decay": 0.1, "amsgrad": True, "maximize": True},
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("impl", ADAM_PATHS)
@pytest.mark.parametrize("options", ADAM_OPTIONS, ids=lambda o: "-".join(f"{k}={v}" for k, v in o.items()) or "defaults")
def test_adam_equals_torch_adam(device, dtype, impl, options):
    p0, grads = initial_params(), random_grads(40)
    ours, theirs = params_on(p0, device, dtype), params_on(p0, device, dtype)
    run(make(Adam, ours, impl, **options), ours, grads, device, dtype)
    run(torch.optim.Adam(theirs, foreach=False, **options), theirs, grads, device, dtype)
    for a, b in zip(ours, theirs):
        assert rel_err(a, b) <= TOLERANCE[dtype]
    if impl in ("torch-fused", "auto"):  # torch's fused kernel: bit-identical to fused=True
        fused = params_on(p0, device, dtype)
        run(torch.optim.Adam(fused, fused=True, **options), fused, grads, device, dtype)
        for a, b in zip(ours, fused):
            assert torch.equal(a, b)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_low_precision_runs_and_tracks_float64(device, dtype):
    """Half precision: Adam takes torch's fused kernel, Yogi the reference loop; both track float64."""
    p0, grads = initial_params([(5, 1), (1,), (40,)]), random_grads(20, [(5, 1), (1,), (40,)])
    for cls, hyper in [(Adam, {"lr": 0.01}), (Yogi, {})]:
        low, high = params_on(p0, device, dtype), params_on(p0, device, torch.float64)
        run(cls(low, **hyper), low, grads, device, dtype)
        run(cls(high, **hyper), high, grads, device, torch.float64)
        for a, b in zip(low, high):
            assert a.dtype == dtype
            assert rel_err(a, b) <= 0.05


# --- state_dict, groups, grads, closures ---


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "cls, impl", [(Adam, i) for i in ADAM_PATHS] + [(Yogi, i) for i in YOGI_PATHS],
    ids=lambda x: x if isinstance(x, str) else x.__name__,
)
def test_state_dict_round_trip_continues_bit_identically(device, dtype, cls, impl):
    skip_unless_available(impl, device)
    p0, grads = initial_params(), random_grads(12)
    kwargs = {"amsgrad": True} if cls is Adam else {"initial_accumulator": 1e-4}
    params = params_on(p0, device, dtype)
    opt = make(cls, params, impl, weight_decay=0.01, **kwargs)
    run(opt, params, grads[:5], device, dtype)
    buffer = io.BytesIO()
    torch.save({"model": [p.detach() for p in params], "optimizer": opt.state_dict()}, buffer)
    buffer.seek(0)
    saved = torch.load(buffer)
    run(opt, params, grads[5:], device, dtype)  # the original keeps going

    fresh_params = [torch.nn.Parameter(p.clone()) for p in saved["model"]]
    fresh = make(cls, fresh_params, impl, weight_decay=0.5, **kwargs)  # hyperparameters come from the state
    fresh.load_state_dict(saved["optimizer"])
    assert fresh.param_groups[0]["weight_decay"] == 0.01
    run(fresh, fresh_params, grads[5:], device, dtype)
    for a, b in zip(params, fresh_params):
        assert torch.equal(a, b)
        for key, value in opt.state[a].items():
            assert (torch.equal(value, fresh.state[b][key]) if torch.is_tensor(value) else value == fresh.state[b][key])
    assert opt.state[params[0]]["step"] == 12


@pytest.mark.parametrize("cls", [Adam, Yogi])
def test_param_groups_each_use_their_own_hyperparameters(device, cls):
    p0, grads = initial_params(), random_grads(10)
    together = params_on(p0, device, torch.float64)
    opt = cls([{"params": together[:2], "lr": 0.05, "weight_decay": 0.1}, {"params": together[2:]}], lr=0.01)
    run(opt, together, grads, device, torch.float64)
    apart = params_on(p0, device, torch.float64)
    first, second = cls(apart[:2], lr=0.05, weight_decay=0.1), cls(apart[2:], lr=0.01)
    for step_grads in grads:
        for p, g in zip(apart, step_grads):
            p.grad = g.to(device, copy=True)
        first.step()
        second.step()
    for a, b in zip(together, apart):
        assert torch.equal(a, b)


@pytest.mark.parametrize("cls", [Adam, Yogi])
def test_group_added_later_gets_the_defaults(cls):
    a, b = torch.nn.Parameter(torch.ones(3)), torch.nn.Parameter(torch.ones(2))
    opt = cls([a], lr=0.02)
    opt.add_param_group({"params": [b]})
    assert opt.param_groups[1]["lr"] == 0.02
    b.grad = torch.ones(2)
    opt.step()
    assert torch.all(b < 1)
    if cls is Yogi:
        assert opt.param_groups[1]["initial_accumulator"] == 1e-6


@pytest.mark.parametrize("cls", [Adam, Yogi])
@pytest.mark.parametrize("impl", ["reference", "auto"])
def test_params_without_grad_are_skipped(device, cls, impl):
    used, unused = torch.nn.Parameter(torch.ones(3, device=device)), torch.nn.Parameter(torch.ones(3, device=device))
    opt = make(cls, [used, unused], impl)
    for step in range(3):
        used.grad = torch.full((3,), 0.5, device=device)
        opt.step()
    assert torch.equal(unused, torch.ones(3, device=device)) and unused not in opt.state
    assert opt.state[used]["step"] == 3
    unused.grad = torch.ones(3, device=device)  # its own count starts now: t = 1
    opt.step()
    assert opt.state[unused]["step"] == 1 and opt.state[used]["step"] == 4
    assert torch.all(unused < 1)


@pytest.mark.parametrize("cls", [Adam, Yogi])
def test_step_with_closure_returns_its_loss(device, cls):
    w = torch.nn.Parameter(torch.tensor([3.0], device=device))
    opt = cls([w], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (w**2).sum()
        loss.backward()
        return loss

    losses = [opt.step(closure).item() for _ in range(20)]
    assert losses[0] == 9.0 and losses[-1] < losses[0]
    opt.zero_grad()
    assert w.grad is None


@pytest.mark.parametrize("cls", [Adam, Yogi])
def test_fused_paths_bump_the_autograd_version(cls):
    """Writing through data pointers must still invalidate graphs that saved p."""
    w = torch.nn.Parameter(torch.ones(4))
    opt = cls([w])
    loss = (w**3).sum()  # saves w for backward
    w.grad = torch.ones(4)
    opt.step()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


def test_subclass_with_its_own_second_moment_runs_the_reference_path():
    class Adagradish(Adam):
        def _second_moment(self, s, g2, beta2):
            return s + g2

    w = torch.nn.Parameter(torch.ones(3, dtype=torch.float64))
    opt = Adagradish([w], lr=0.1, betas=(0.0, 0.5))
    w.grad = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)
    opt.step()
    assert torch.equal(opt.state[w]["exp_avg_sq"], torch.tensor([1.0, 4.0, 9.0], dtype=torch.float64))
    opt._impl = "torch-fused"
    with pytest.raises(RuntimeError, match="has its own _second_moment"):
        opt.step()
    for flag in ("fused", "foreach"):
        with pytest.raises(ValueError, match=f"{flag}=True: this optimizer has its own _second_moment"):
            Adagradish([w], **{flag: True}).step()


def test_invalid_impl_is_rejected():
    w = torch.nn.Parameter(torch.ones(2))
    w.grad = torch.ones(2)
    for cls, impl, kind, error in [(Yogi, "fast", ValueError, "Invalid _impl: 'fast'"),
                                   (Adam, "c-kernel", RuntimeError, "_impl='c-kernel' .*: computes Yogi only")]:
        opt = make(cls, [w], impl)
        with pytest.raises(kind, match=error):
            opt.step()


def test_yogi_falls_back_to_torch_fused_without_a_c_compiler(monkeypatch):
    monkeypatch.setattr(_yogi_kernel, "_tried", True)
    monkeypatch.setattr(_yogi_kernel, "_lib", None)
    monkeypatch.setattr(_yogi_kernel, "_reason", "RuntimeError: no compiler in this test")
    calls = []
    monkeypatch.setattr(_fast, "_yogi_torch_fused", lambda *args: calls.append(args) or _real_torch_fused(*args))
    p0, grads = initial_params([(5, 1), (1,)]), random_grads(5, [(5, 1), (1,)])
    params = params_on(p0, "cpu", torch.float64)
    run(Yogi(params), params, grads, "cpu", torch.float64)
    assert len(calls) == 5
    for k, p in enumerate(params):
        assert rel_err(p, numpy_yogi(p0[k].numpy(), [g[k].numpy() for g in grads])) <= 1e-10
    opt = make(Yogi, params, "c-kernel")
    with pytest.raises(RuntimeError, match="unavailable: RuntimeError: no compiler in this test"):
        opt.step()


_real_torch_fused = _fast._yogi_torch_fused


# --- the C kernel's cache folder and its fallback message ---


def test_kernel_cache_must_be_this_users_and_not_writable_by_others(tmp_path, monkeypatch):
    mine = tmp_path / "mine"
    mine.mkdir()
    os.chmod(mine, 0o700)
    assert _yogi_kernel._untrusted(str(mine)) is None
    for mode in (0o777, 0o770, 0o722, 0o702):  # writable by group or by others
        os.chmod(mine, mode)
        assert _yogi_kernel._untrusted(str(mine)) == f"writable by group or others (mode {mode:#o})"
    os.chmod(mine, 0o755)  # readable by all is fine: no one else can put a library there
    assert _yogi_kernel._untrusted(str(mine)) is None
    (tmp_path / "link").symlink_to(mine)
    assert _yogi_kernel._untrusted(str(tmp_path / "link")) is None
    assert _yogi_kernel._untrusted(str(tmp_path / "missing")) == "No such file or directory"
    me = os.geteuid()
    monkeypatch.setattr(os, "geteuid", lambda: me + 1)  # as if another user had made the folder
    assert _yogi_kernel._untrusted(str(mine)) == f"owned by uid {me}, not by this user (uid {me + 1})"


@pytest.mark.skipif(shutil.which(os.environ.get("CC", "cc")) is None, reason="no C compiler here")
def test_kernel_is_never_loaded_from_a_folder_others_can_write(tmp_path, monkeypatch, caplog):
    cc = os.environ.get("CC", "cc")
    monkeypatch.setattr(tempfile, "gettempdir", lambda: str(tmp_path / "tmp"))
    fallback = tmp_path / "tmp" / f"adam-yogi-snippets-{os.getuid()}"
    private = tmp_path / "private"
    monkeypatch.setenv("SNIPPETS_KERNEL_CACHE", str(private))
    built = Path(_yogi_kernel._build(cc))  # a fresh folder: made with mode 0o700, the library built in it
    assert built.parent == private and stat.S_IMODE(private.stat().st_mode) == 0o700
    assert not built.stat().st_mode & 0o022

    shared = tmp_path / "shared"  # a cache folder anyone may write, holding a planted library
    shared.mkdir()
    os.chmod(shared, 0o777)
    (shared / built.name).write_bytes(b"not a library")
    monkeypatch.setenv("SNIPPETS_KERNEL_CACHE", str(shared))
    with caplog.at_level(logging.WARNING, logger="snippets.tools.yogi_c"):
        path = Path(_yogi_kernel._build(cc))
    assert path.parent == fallback and stat.S_IMODE(fallback.stat().st_mode) == 0o700
    assert f"not using {shared} as the Yogi kernel cache: writable by group or others (mode 0o777)" in caplog.text

    os.chmod(fallback, 0o777)  # the temp folder too, as if another user had made it first
    with pytest.raises(RuntimeError, match="no usable cache folder .*writable by group or others"):
        _yogi_kernel._build(cc)
    os.chmod(fallback, 0o700)

    os.chmod(built, 0o666)  # a library others may rewrite, in a folder of ours: built again
    built.write_bytes(b"not a library")
    monkeypatch.setenv("SNIPPETS_KERNEL_CACHE", str(private))
    assert _yogi_kernel._build(cc) == str(built)
    assert built.read_bytes() != b"not a library" and not built.stat().st_mode & 0o022


@pytest.mark.parametrize("opt_out", [False, True])
def test_unavailable_kernel_is_logged_once_with_reason_and_cost(opt_out, monkeypatch, caplog):
    monkeypatch.setattr(_yogi_kernel, "_tried", False)
    monkeypatch.setattr(_yogi_kernel, "_lib", None)
    monkeypatch.setattr(_yogi_kernel, "_reason", None)
    if opt_out:
        monkeypatch.setenv("SNIPPETS_NO_CKERNEL", "1")
    else:
        monkeypatch.delenv("SNIPPETS_NO_CKERNEL", raising=False)
        monkeypatch.setattr(_yogi_kernel, "_build", lambda cc: (_ for _ in ()).throw(RuntimeError("cc failed: no cc")))
    with caplog.at_level(logging.INFO, logger="snippets.tools.yogi_c"):
        assert _yogi_kernel.load() is None and _yogi_kernel.load() is None
    [record] = caplog.records  # once, however often load() is asked
    reason = "disabled by SNIPPETS_NO_CKERNEL" if opt_out else "RuntimeError: cc failed: no cc"
    assert record.levelno == (logging.INFO if opt_out else logging.WARNING)  # asked for vs. a problem
    assert reason in record.getMessage() and "about 1.8–2.1× the time of a fused Adam step" in record.getMessage()


def test_yogi_with_beta2_zero_skips_the_torch_fused_path():
    w = torch.nn.Parameter(torch.ones(2, dtype=torch.float64))
    w.grad = torch.tensor([0.5, 2.0], dtype=torch.float64)
    opt = make(Yogi, [w], "torch-fused", betas=(0.9, 0.0))
    with pytest.raises(RuntimeError, match="needs β2 > 0"):
        opt.step()
    opt._impl = "auto"
    opt.step()
    # the C kernel and the multi-tensor ops need no pre-image
    assert kernels_used(opt) == {"c-kernel" if _yogi_kernel.load() is not None else "foreach": 1}
    expected = numpy_yogi(np.ones(2), [w.grad.numpy()], betas=(0.9, 0.0))
    assert rel_err(w, expected) <= 1e-12
    fused = Yogi([w], betas=(0.9, 0.0), fused=True)
    if _yogi_kernel.load() is not None:  # the C kernel has no pre-image: it takes β2 = 0
        fused.step()
        assert kernels_used(fused) == {"c-kernel": 1}
    else:
        with pytest.raises(ValueError, match="fused=True cannot take a float64 parameter on cpu .*needs β2 > 0"):
            fused.step()


# --- hyperparameter validation and sparse gradients ---

NAN, INF = float("nan"), float("inf")
INVALID = [
    (Adam, {"lr": -1.0}, "Invalid learning rate: -1.0"),
    (Adam, {"lr": NAN}, "Invalid learning rate: nan"),
    (Adam, {"lr": INF}, "Invalid learning rate: inf"),
    (Adam, {"eps": -1e-8}, "Invalid epsilon value: -1e-08"),
    (Adam, {"eps": NAN}, "Invalid epsilon value: nan"),
    (Adam, {"betas": (1.0, 0.999)}, "Invalid beta parameter at index 0: 1.0"),
    (Adam, {"betas": (0.9, 1.0)}, "Invalid beta parameter at index 1: 1.0"),
    (Adam, {"betas": (-0.1, 0.999)}, "Invalid beta parameter at index 0: -0.1"),
    (Adam, {"betas": (0.9, NAN)}, "Invalid beta parameter at index 1: nan"),
    (Adam, {"betas": (0.9,)}, "Invalid betas: (0.9,)"),
    (Adam, {"weight_decay": -0.1}, "Invalid weight_decay value: -0.1"),
    (Adam, {"weight_decay": NAN}, "Invalid weight_decay value: nan"),
    (Yogi, {"lr": -1.0}, "Invalid learning rate: -1.0"),
    (Yogi, {"lr": NAN}, "Invalid learning rate: nan"),
    (Yogi, {"eps": -1e-3}, "Invalid epsilon value: -0.001"),
    (Yogi, {"eps": NAN}, "Invalid epsilon value: nan"),
    (Yogi, {"betas": (0.9, 1.5)}, "Invalid beta parameter at index 1: 1.5"),
    (Yogi, {"betas": (2, 3)}, "Invalid beta parameter at index 0: 2"),
    (Yogi, {"betas": (NAN, 0.999)}, "Invalid beta parameter at index 0: nan"),
    (Yogi, {"weight_decay": -1.0}, "Invalid weight_decay value: -1.0"),
    (Yogi, {"weight_decay": NAN}, "Invalid weight_decay value: nan"),
    (Yogi, {"initial_accumulator": -1e-6}, "Invalid initial_accumulator value: -1e-06"),
    (Yogi, {"initial_accumulator": NAN}, "Invalid initial_accumulator value: nan"),
    (Yogi, {"initial_accumulator": INF}, "Invalid initial_accumulator value: inf"),
    # values of the wrong type: a ValueError naming them too, not a TypeError from deep inside
    (Adam, {"betas": 0.9}, "Invalid betas: 0.9"),
    (Adam, {"betas": "ab"}, "Invalid betas: 'ab'"),
    (Adam, {"betas": (0.9, "0.999")}, "Invalid beta parameter at index 1: '0.999'"),
    (Adam, {"lr": "0.1"}, "Invalid learning rate: '0.1'"),
    (Adam, {"lr": None}, "Invalid learning rate: None"),
    (Adam, {"lr": True}, "Invalid learning rate: True"),
    (Adam, {"lr": torch.tensor([0.1, 0.2])}, "Invalid learning rate: tensor([0.1000, 0.2000])"),
    (Adam, {"lr": torch.tensor(1)}, "Invalid learning rate: tensor(1)"),  # an integer tensor
    (Adam, {"lr": torch.tensor(-1.0)}, "Invalid learning rate: -1.0"),
    (Adam, {"eps": torch.tensor(1e-8)}, "Invalid epsilon value: tensor(1.0000e-08)"),  # a tensor for lr only
    (Adam, {"weight_decay": None}, "Invalid weight_decay value: None"),
    (Yogi, {"lr": "0.1"}, "Invalid learning rate: '0.1'"),
    (Yogi, {"eps": "1e-3"}, "Invalid epsilon value: '1e-3'"),
    (Yogi, {"betas": 0.9}, "Invalid betas: 0.9"),
    (Yogi, {"initial_accumulator": None}, "Invalid initial_accumulator value: None"),
    (Yogi, {"initial_accumulator": False}, "Invalid initial_accumulator value: False"),
]
WHERE = ["argument", "group", "added-group"]


@pytest.mark.parametrize("where", WHERE)
@pytest.mark.parametrize("cls, kwargs, message", INVALID, ids=lambda x: x if isinstance(x, str) else None)
def test_invalid_hyperparameter_raises_with_name_and_value(cls, kwargs, message, where):
    """The same check and message for a constructor argument, a group's own value, a group added later."""
    w, extra = torch.nn.Parameter(torch.ones(2)), torch.nn.Parameter(torch.ones(3))
    with pytest.raises(ValueError) as info:
        if where == "argument":
            cls([w], **kwargs)
        elif where == "group":
            cls([{"params": [extra]}, {"params": [w], **kwargs}])
        else:
            opt = cls([extra])
            try:
                opt.add_param_group({"params": [w], **kwargs})
            finally:
                assert len(opt.param_groups) == 1  # a refused group is not added
    assert str(info.value) == message


@pytest.mark.parametrize("cls", [Adam, Yogi])
def test_an_invalid_default_is_refused_even_if_every_group_sets_its_own(cls):
    with pytest.raises(ValueError, match=re.escape("Invalid learning rate: -1")):
        cls([{"params": [torch.nn.Parameter(torch.ones(2))], "lr": 0.1}], lr=-1)


@pytest.mark.parametrize("cls", [Adam, Yogi])
@pytest.mark.parametrize("impl", ["reference", "torch-fused", "auto"])
def test_accepted_lr_types_give_the_same_numbers(cls, impl):
    """An int, a NumPy float or a 0-d tensor lr (as torch.optim.Adam takes) gives the float's update."""
    p0, grads = initial_params([(5, 1), (1,)]), random_grads(5, [(5, 1), (1,)])
    expected = params_on(p0, "cpu", torch.float64)
    run(make(cls, expected, impl, lr=0.5, betas=[0.8, 0.99]), expected, grads, "cpu", torch.float64)
    for lr in (np.float32(0.5), torch.tensor(0.5, dtype=torch.float64)):
        params = params_on(p0, "cpu", torch.float64)
        opt = make(cls, params, impl, lr=lr, betas=[0.8, 0.99])
        assert opt.param_groups[0]["betas"] == (0.8, 0.99)  # stored as a tuple
        run(opt, params, grads, "cpu", torch.float64)
        for a, b in zip(params, expected):
            assert rel_err(a, b) <= 1e-12
    ints = params_on(p0, "cpu", torch.float64)
    run(make(cls, ints, impl, lr=1), ints, grads, "cpu", torch.float64)
    floats = params_on(p0, "cpu", torch.float64)
    run(make(cls, floats, impl, lr=1.0), floats, grads, "cpu", torch.float64)
    assert all(torch.equal(a, b) for a, b in zip(ints, floats))


@pytest.mark.parametrize("cls", [Adam, Yogi])
@pytest.mark.parametrize("impl", ["reference", "auto"])
def test_sparse_gradients_are_rejected(device, cls, impl):
    embedding = torch.nn.Embedding(10, 3, sparse=True).to(device)
    opt = make(cls, embedding.parameters(), impl)
    embedding(torch.tensor([1, 2], device=device)).sum().backward()
    with pytest.raises(RuntimeError, match=f"{cls.__name__} does not support sparse gradients"):
        opt.step()


def test_signatures_match_torch_adam():
    """Every keyword torch.optim.Adam takes, with its default; Yogi has its own published defaults."""
    import inspect

    def defaults(cls):
        return {k: v.default for k, v in inspect.signature(cls).parameters.items()
                if k != "params" and v.kind != v.VAR_KEYWORD}

    assert defaults(Adam) == defaults(torch.optim.Adam)
    assert defaults(Yogi) == {"lr": 1e-2, "betas": (0.9, 0.999), "eps": 1e-3, "initial_accumulator": 1e-6,
                              "weight_decay": 0, "amsgrad": False}
    flags = {k: v for k, v in defaults(torch.optim.Adam).items() if inspect.signature(torch.optim.Adam)
             .parameters[k].kind == inspect.Parameter.KEYWORD_ONLY}
    assert set(flags) == {"foreach", "maximize", "capturable", "differentiable", "fused", "decoupled_weight_decay"}
    w = torch.nn.Parameter(torch.ones(2))
    for cls in (Adam, Yogi):  # Yogi passes them on to Adam: the same keywords, stored in its groups
        group = cls([w], **flags).param_groups[0]
        assert {k: group[k] for k in flags} == flags
        with pytest.raises(TypeError, match="unexpected keyword argument 'fuse'"):
            cls([w], fuse=True)
    for source in ("NeurIPS 2018", "tfa.optimizers.Yogi", "optax.yogi", "heuristic carried over from Adam"):
        assert source in optim.__doc__


@pytest.mark.parametrize("cls", [Adam, Yogi])
def test_usage_example_fits_the_regression(cls):
    loss = optim.fit_linear_regression(cls, steps=300, lr=0.1)
    assert loss < 1e-3


# --- the page sections ---

def test_sections_are_the_ones_the_pages_use():
    assert list(sections(OPTIM_PATH)) == ["adam", "yogi", "usage"]


def test_each_section_runs_alone_with_torch():
    """Copied alone (no snippets package), the classes run their reference path and still work."""
    public = {}
    for name, body in sections(OPTIM_PATH).items():
        namespace = {"__name__": f"section_{name}", **public}
        exec(compile(body, f"optim.py:{name}", "exec"), namespace)
        public.update({k: v for k, v in namespace.items() if not k.startswith("_") and k != "torch"})
    assert public["fit_linear_regression"](public["Yogi"], steps=300, lr=0.1) < 1e-3
    p0, grads = initial_params([(5, 1), (1,)]), random_grads(20, [(5, 1), (1,)])
    params = params_on(p0, "cpu", torch.float64)
    run(public["Yogi"](params), params, grads, "cpu", torch.float64)
    for k, p in enumerate(params):
        assert rel_err(p, numpy_yogi(p0[k].numpy(), [g[k].numpy() for g in grads])) <= 1e-10


def test_yogi_overrides_one_method_of_adam():
    overridden = {name for name, value in vars(Yogi).items()
                  if callable(value) and name in vars(Adam) and value.__qualname__.startswith("Yogi.")}
    assert overridden == {"__init__", "_second_moment"}
    import inspect

    body = inspect.getsource(Yogi._second_moment).strip().splitlines()[1:]
    code = [line for line in body if not line.strip().startswith(('"""', "#"))]
    assert len(code) == 1 and "torch.sign(g2 - s)" in code[0]  # the one changed line
    assert "s ← s + (1−β2)·sign(g² − s)·g²" in body[1]  # its formula, on the line above


def test_every_update_line_carries_its_formula():
    """The formula sits beside each update line, or (where the line is long) on the line above."""
    update = r"\s+(v\.copy_|s\.copy_|m\.copy_|p -=|p\.mul_|g = g \+|v_hat =|s_hat =|return .*beta2)"
    checked, missing = formula_check(sections(OPTIM_PATH), update, accept=("←", "the line Yogi changes"))
    assert missing == [] and checked >= 10


def test_page_sections_fit_79_columns():
    assert long_lines(sections(OPTIM_PATH)) == []
