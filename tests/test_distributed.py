"""snippets/distributed.py: the Yogi chapter's DDP snippet, run as the page says, in two
processes on CPU (gloo); both end with the same parameters, equal to one process on all rows."""
import os
import random
import socket
import sys

import pytest
import torch

from optim_support import spawn_and_wait
from snippets.distributed import train_ddp
from snippets.optim import Yogi

pytestmark = pytest.mark.slow


def _model():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1)).double()


def _data():
    gen = torch.Generator().manual_seed(1)
    X = torch.randn(64, 5, generator=gen, dtype=torch.float64)
    return X, X @ torch.randn(5, 1, generator=gen, dtype=torch.float64) + 0.5


def _process(rank, out):
    torch.set_num_threads(1)
    model = _model()
    X, y = _data()
    loss = train_ddp(rank, 2, model, X, y, Yogi, steps=30)
    torch.save({"params": [p.detach() for p in model.parameters()], "loss": loss}, os.path.join(out, f"{rank}.pt"))


def _free_port_below_ephemeral(address, rng):
    with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
        low = int(f.read().split()[0])
    for port in rng.sample(range(10000, low), 200):
        with socket.socket() as s:
            try:
                s.bind((address, port))
            except OSError:
                continue
        return port
    raise RuntimeError(f"no free port on {address} in 10000..{low - 1} after 200 tries")


def test_two_processes_end_equal_and_match_one_process_on_all_rows(tmp_path, monkeypatch):
    # The page's snippet meets on MASTER_ADDR:MASTER_PORT. On a machine shared with other test runs,
    # 127.0.0.1 and a port free a moment ago are not ours alone: a random address of 127/8 (all of it
    # is loopback) keeps the second process from meeting someone else's store there. The port lies
    # below the kernel's ephemeral range: rank 1 retries connect() to a port in that range, the
    # kernel may hand it the same port as its own source, and it connects to itself and waits
    # forever (seen: CI hung 600 s with a port the kernel chose).
    rng = random.Random(os.getpid())
    address = f"127.{rng.randrange(1, 255)}.{rng.randrange(1, 255)}.{rng.randrange(1, 255)}"
    port = _free_port_below_ephemeral(address, rng)
    monkeypatch.setenv("MASTER_ADDR", address)
    monkeypatch.setenv("MASTER_PORT", str(port))
    sys.path.insert(0, os.path.dirname(__file__))
    spawn_and_wait(_process, (str(tmp_path),), timeout=180)
    ranks = [torch.load(tmp_path / f"{r}.pt") for r in range(2)]
    assert all(torch.equal(a, b) for a, b in zip(ranks[0]["params"], ranks[1]["params"]))

    model, (X, y) = _model(), _data()  # one process, every row: the mean over both halves
    optimizer = Yogi(model.parameters(), lr=0.01)
    rows = [torch.arange(r, 64, 2) for r in range(2)]
    for _ in range(30):
        optimizer.zero_grad()
        loss = sum(torch.nn.functional.mse_loss(model(X[r]), y[r]) for r in rows) / 2
        loss.backward()
        optimizer.step()
    for a, b in zip(ranks[0]["params"], model.parameters()):
        assert torch.allclose(a, b.detach(), rtol=1e-12, atol=1e-14)
    start = torch.nn.functional.mse_loss(_model()(X), y).item()
    assert max(r["loss"] for r in ranks) < start  # it trained
