"""snippets/distributed.py: the practitioner page's distributed sections, run as the page says, in
two processes on CPU (gloo): DDP, DDP with ZeroRedundancyOptimizer, FSDP2. Both processes end
with the same parameters, equal to one process training on all the rows with torch_yogi.Yogi."""
import os
import random
import socket
import sys

import pytest
import torch
from torch_yogi import Yogi

from optim_support import spawn_and_wait
from snippets.distributed import train_ddp, train_fsdp2

pytestmark = pytest.mark.slow
STEPS = 30
RUNS = {
    "ddp": lambda rank, model, X, y: train_ddp(rank, 2, model, X, y, steps=STEPS),
    "zero": lambda rank, model, X, y: train_ddp(rank, 2, model, X, y, steps=STEPS, zero=True),
    "fsdp2": lambda rank, model, X, y: train_fsdp2(rank, 2, model, X, y, steps=STEPS),
}


def _model():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1)).double()


def _data():
    gen = torch.Generator().manual_seed(1)
    X = torch.randn(64, 5, generator=gen, dtype=torch.float64)
    return X, X @ torch.randn(5, 1, generator=gen, dtype=torch.float64) + 0.5


PATHS = {"_single_tensor_yogi": "for-loop", "_multi_tensor_yogi": "foreach", "_fused_yogi": "fused"}


def _record_paths(called):
    """Make torch_yogi's three implementations note in ``called`` when they run."""
    module = sys.modules["torch_yogi.yogi"]
    for function, path in PATHS.items():
        def spy(*args, _run=getattr(module, function), _path=path, **kwargs):
            called.add(_path)
            return _run(*args, **kwargs)
        setattr(module, function, spy)


def _process(rank, out, ports):
    """Each run in turn, each on its own port (a store is not reused after its group ends)."""
    torch.set_num_threads(1)
    called = set()
    _record_paths(called)
    for name, run in RUNS.items():
        os.environ["MASTER_PORT"] = str(ports[name])
        model = _model()
        X, y = _data()
        called.clear()
        loss = run(rank, model, X, y)
        params = list(model.parameters())
        info = {"loss": loss, "types": sorted({type(p).__name__ for p in params}), "paths": sorted(called)}
        if name == "fsdp2":  # this process's shard of each parameter (dim 0)
            info["params"] = [p.to_local().detach().clone() for p in params]
        else:
            info["params"] = [p.detach().clone() for p in params]
        torch.save(info, os.path.join(out, f"{name}-{rank}.pt"))


def _free_ports_below_ephemeral(address, rng, count):
    with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
        low = int(f.read().split()[0])
    ports = []
    for port in rng.sample(range(10000, low), 400):
        with socket.socket() as s:
            try:
                s.bind((address, port))
            except OSError:
                continue
        ports.append(port)
        if len(ports) == count:
            return ports
    raise RuntimeError(f"no {count} free ports on {address} in 10000..{low - 1} after 400 tries")


def _one_process_on_all_rows():
    model, (X, y) = _model(), _data()
    optimizer = Yogi(model.parameters(), lr=0.01)
    rows = [torch.arange(r, 64, 2) for r in range(2)]
    for _ in range(STEPS):
        optimizer.zero_grad()
        loss = sum(torch.nn.functional.mse_loss(model(X[r]), y[r]) for r in rows) / 2
        loss.backward()
        optimizer.step()
    return [p.detach() for p in model.parameters()]


@pytest.fixture(scope="module")
def ranks(tmp_path_factory):
    """{run: [what rank 0 saved, what rank 1 saved]}."""
    # The page's functions meet on MASTER_ADDR:MASTER_PORT. On a machine shared with other test
    # runs, 127.0.0.1 and a port free a moment ago are not ours alone: a random address of 127/8
    # (all of it is loopback) keeps the second process from meeting someone else's store there.
    # The ports lie below the kernel's ephemeral range: rank 1 retries connect() to a port in that
    # range, the kernel may hand it the same port as its own source, and it connects to itself and
    # waits forever (seen: CI hung 600 s with a port the kernel chose).
    out = tmp_path_factory.mktemp("ranks")
    rng = random.Random(os.getpid())
    address = f"127.{rng.randrange(1, 255)}.{rng.randrange(1, 255)}.{rng.randrange(1, 255)}"
    ports = dict(zip(RUNS, _free_ports_below_ephemeral(address, rng, len(RUNS))))
    saved = {k: os.environ.get(k) for k in ("MASTER_ADDR", "MASTER_PORT")}
    os.environ["MASTER_ADDR"] = address
    sys.path.insert(0, os.path.dirname(__file__))  # the spawned processes import this module
    try:
        spawn_and_wait(_process, (str(out), ports), timeout=300)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return {name: [torch.load(out / f"{name}-{r}.pt") for r in range(2)] for name in RUNS}


@pytest.mark.parametrize("name", ["ddp", "zero"])
def test_ddp_processes_end_equal_and_match_one_process_on_all_rows(ranks, name):
    first, second = ranks[name]
    assert first["types"] == ["Parameter"] and first["paths"] == ["fused"]  # plain tensors: the C kernel
    assert all(torch.equal(a, b) for a, b in zip(first["params"], second["params"]))
    for a, b in zip(first["params"], _one_process_on_all_rows()):
        assert torch.allclose(a, b, rtol=1e-12, atol=1e-14)  # the mean of the two halves' means
    start = torch.nn.functional.mse_loss(_model()(_data()[0]), _data()[1]).item()
    assert max(r["loss"] for r in ranks[name]) < start  # it trained


def test_fsdp2_shards_are_dtensors_and_together_match_one_process(ranks):
    first, second = ranks["fsdp2"]
    assert first["types"] == ["DTensor"] and first["paths"] == ["for-loop"]  # on CPU, as the page says
    full = [torch.cat([a, b]) for a, b in zip(first["params"], second["params"])]  # Shard(0), in rank order
    for a, b in zip(full, _one_process_on_all_rows()):
        assert a.shape == b.shape and torch.allclose(a, b, rtol=1e-12, atol=1e-14)


def test_the_ddp_snippet_uses_torch_yogi():
    assert train_ddp.__globals__["Yogi"] is Yogi and train_fsdp2.__globals__["Yogi"] is Yogi
