"""torch_yogi.Yogi in distributed training: torch.distributed with gloo, two processes spawned
by the test, on CPU. One spawn runs every scenario (DDP, ZeroRedundancyOptimizer, FSDP2's
fully_shard, DTensor parameters on a DeviceMesh); each rank saves what it ended with, and the
tests compare that with one process training on the whole batch.

The C kernel takes plain tensors only: DTensor parameters (FSDP2) take the for-loop by default,
whose DTensor ops redistribute as needed, and fused=True refuses them by name.
"""
import os
import sys

import pytest
import torch


WORLD = 2
STEPS = 4
pytestmark = pytest.mark.slow

dist = pytest.importorskip("torch.distributed")
if not dist.is_available():
    pytest.skip("torch.distributed is not built into this torch", allow_module_level=True)


def _model(seed=0):
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.Tanh(), torch.nn.Linear(8, 2)).double()


def _data():
    gen = torch.Generator().manual_seed(1)
    return torch.randn(16, 6, generator=gen, dtype=torch.float64), torch.randn(16, 2, generator=gen,
                                                                              dtype=torch.float64)


def _loss(model, X, y):
    return torch.nn.functional.mse_loss(model(X), y)


def _unsharded(steps=STEPS, **hyper):
    """One process, the whole batch: what every scenario must end with."""
    from torch_yogi import Yogi

    model = _model()
    opt = Yogi(model.parameters(), **hyper)
    X, y = _data()
    for _ in range(steps):
        opt.zero_grad()
        _loss(model, X, y).backward()
        opt.step()
    return [p.detach() for p in model.parameters()]


HYPER = {"lr": 0.02, "weight_decay": 0.01, "decoupled_weight_decay": True}


def _worker(rank, store, out):
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"file://{store}", rank=rank, world_size=WORLD)
    try:
        results = {name: scenario(rank) for name, scenario in SCENARIOS.items()}
    finally:
        dist.destroy_process_group()
    torch.save(results, os.path.join(out, f"rank{rank}.pt"))


def _ddp(rank):
    from torch.nn.parallel import DistributedDataParallel

    from torch_yogi import Yogi

    model = DistributedDataParallel(_model())
    opt = Yogi(model.parameters(), **HYPER)
    X, y = _data()
    rows = slice(rank * 8, rank * 8 + 8)  # each rank: half of the batch; DDP averages the gradients
    for _ in range(STEPS):
        opt.zero_grad()
        _loss(model, X[rows], y[rows]).backward()
        opt.step()
    return {"params": [p.detach().clone() for p in model.parameters()], "paths": _paths(opt)}


def _zero(rank):
    from torch.distributed.optim import ZeroRedundancyOptimizer

    from torch_yogi import Yogi

    model = _model()
    opt = ZeroRedundancyOptimizer(model.parameters(), optimizer_class=Yogi, **HYPER)
    X, y = _data()
    for _ in range(STEPS):  # the same batch on both ranks: ZeRO shards the optimizer state only
        opt.zero_grad()
        _loss(model, X, y).backward()
        opt.step()
    return {"params": [p.detach().clone() for p in model.parameters()], "paths": _paths(opt.optim)}


def _fsdp2(rank):
    from torch.distributed.device_mesh import init_device_mesh
    from torch.distributed.fsdp import fully_shard

    from torch_yogi import Yogi

    mesh = init_device_mesh("cpu", (WORLD,))
    model = _model()
    for layer in model:
        if isinstance(layer, torch.nn.Linear):
            fully_shard(layer, mesh=mesh)
    fully_shard(model, mesh=mesh)
    opt = Yogi(model.parameters(), **HYPER)
    X, y = _data()
    rows = slice(rank * 8, rank * 8 + 8)
    for _ in range(STEPS):
        opt.zero_grad()
        _loss(model, X[rows], y[rows]).backward()
        opt.step()
    placements = {str(p.placements) for p in model.parameters()}
    return {"params": [p.full_tensor().detach().clone() for p in model.parameters()], "paths": _paths(opt),
            "placements": placements, "types": {type(p).__name__ for p in model.parameters()}}


def _dtensor(rank, grad_placement=None):
    """Parameters sharded on a 2-process CPU mesh; gradients in the same placement, or another."""
    from torch.distributed.device_mesh import init_device_mesh
    from torch.distributed.tensor import Replicate, Shard, distribute_tensor

    from torch_yogi import Yogi

    mesh = init_device_mesh("cpu", (WORLD,))
    gen = torch.Generator().manual_seed(2)
    full = [torch.randn(6, 3, generator=gen, dtype=torch.float64), torch.randn(4, generator=gen, dtype=torch.float64)]
    grads = [[torch.randn(x.shape, generator=gen, dtype=torch.float64) for x in full] for _ in range(STEPS)]
    params = [torch.nn.Parameter(distribute_tensor(x.clone(), mesh, [Shard(0)])) for x in full]
    opt = Yogi(params, **HYPER)
    for step_grads in grads:
        for p, g in zip(params, step_grads):
            p.grad = distribute_tensor(g, mesh, [Shard(0) if grad_placement is None else Replicate()])
        opt.step()
    try:
        Yogi(params, fused=True).step()
        refused = ""
    except RuntimeError as exc:
        refused = str(exc)
    return {"params": [p.full_tensor().detach().clone() for p in params], "paths": _paths(opt),
            "fused_refused": refused,
            "start": full, "grads": grads}


SCENARIOS = {"ddp": _ddp, "zero": _zero, "fsdp2": _fsdp2, "dtensor": _dtensor,
             "dtensor, replicated grads": lambda rank: _dtensor(rank, "replicate")}


@pytest.fixture(scope="module")
def ranks(tmp_path_factory):
    """What each of the two ranks ended with, per scenario."""
    out = tmp_path_factory.mktemp("ranks")
    sys.path.insert(0, os.path.dirname(__file__))  # the spawned processes import this module
    spawn_and_wait(_worker, (str(out / "store"), str(out)), nprocs=WORLD)
    return [torch.load(out / f"rank{r}.pt") for r in range(WORLD)]


def _same_on_both(ranks, name):
    first, second = (r[name]["params"] for r in ranks)
    assert all(torch.equal(a, b) for a, b in zip(first, second)), f"{name}: the ranks disagree"
    return first


def test_ddp_ends_with_identical_params_equal_to_one_process_on_the_whole_batch(ranks):
    params = _same_on_both(ranks, "ddp")
    for a, b in zip(params, _unsharded(**HYPER)):
        assert torch.allclose(a, b, rtol=1e-12, atol=1e-14)  # the mean of two half-batch means
    assert set(ranks[0]["ddp"]["paths"]) == {"fused"}  # plain tensors: the C kernel


def test_zero_redundancy_optimizer_with_yogi_equals_plain_yogi(ranks):
    params = _same_on_both(ranks, "zero")
    for a, b in zip(params, _unsharded(**HYPER)):
        assert torch.equal(a, b)  # each rank updates its shard with the same kernel, then broadcasts
    shards = [sum(r["zero"]["paths"].values()) for r in ranks]
    assert sum(shards) == len(params) and all(s > 0 for s in shards)  # the state really is split


def test_fsdp2_fully_shard_with_yogi_equals_unsharded_yogi(ranks):
    params = _same_on_both(ranks, "fsdp2")
    for a, b in zip(params, _unsharded(**HYPER)):
        assert torch.allclose(a, b, rtol=1e-12, atol=1e-14)
    info = ranks[0]["fsdp2"]
    assert info["types"] == {"DTensor"} and info["placements"] == {"(Shard(dim=0),)"}
    assert set(info["paths"]) == {"for-loop"}  # DTensors: torch's ops, which know their placements


@pytest.mark.parametrize("name", ["dtensor", "dtensor, replicated grads"])
def test_dtensor_params_take_torchs_own_ops_and_match_plain_tensors(ranks, name):
    from torch_yogi import Yogi

    result = ranks[0][name]
    params = _same_on_both(ranks, name)
    expected = [torch.nn.Parameter(x.clone()) for x in result["start"]]
    opt = Yogi(expected, **HYPER)
    for step_grads in result["grads"]:
        for p, g in zip(expected, step_grads):
            p.grad = g
        opt.step()
    for a, b in zip(params, expected):  # the same equations, rounded as each path rounds them
        assert torch.allclose(a, b.detach(), rtol=1e-12, atol=1e-14)
    assert set(result["paths"]) == {"for-loop"}
    assert result["fused_refused"].startswith("params[0] is a DTensor")


def _paths(opt):
    """{the path the default flags take: how many parameters this rank updated}."""
    params = [p for group in opt.param_groups for p in group["params"] if p in opt.state]
    fused = sys.modules["torch_yogi.yogi"]._default_fused(params, False)
    return {"fused" if fused else "for-loop": len(params)}


def spawn_and_wait(fn, args, nprocs=2, timeout=600):
    """``torch.multiprocessing.spawn``, but a run that hangs fails the test after ``timeout`` s."""
    import time

    import torch.multiprocessing as mp

    context = mp.spawn(fn, args=args, nprocs=nprocs, join=False)
    deadline = time.monotonic() + timeout
    while not context.join(timeout=5):
        if time.monotonic() > deadline:
            for process in context.processes:
                process.terminate()
            pytest.fail(f"the {nprocs} spawned processes did not finish within {timeout} s")
