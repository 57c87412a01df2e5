"""Distributed training with ``torch_yogi.Yogi``: the practitioner page's sections (docs/*/practice.md).

The sections only define functions, one process each; the page starts them in two processes
with ``torch.multiprocessing.spawn`` after setting ``MASTER_ADDR`` and ``MASTER_PORT``, and the
tests do so on CPU with gloo (tests/test_distributed.py), comparing each run with one process
training on all the rows.
"""

# --8<-- [start:ddp]
import torch
import torch.distributed as dist
from torch.distributed.optim import ZeroRedundancyOptimizer
from torch.nn.parallel import DistributedDataParallel
from torch_yogi import Yogi


def train_ddp(rank, world_size, model, X, y, steps=100, zero=False):
    """One process of data-parallel training on CPU (gloo)."""
    dist.init_process_group("gloo", rank=rank, world_size=world_size)
    ddp = DistributedDataParallel(model)  # averages gradients in backward
    if zero:  # each process keeps the Yogi state of its share of params
        optimizer = ZeroRedundancyOptimizer(
            ddp.parameters(), optimizer_class=Yogi, lr=0.01)
    else:
        optimizer = Yogi(ddp.parameters(), lr=0.01)
    rows = torch.arange(rank, len(X), world_size)  # this process's examples
    for _ in range(steps):
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(ddp(X[rows]), y[rows])
        loss.backward()  # every process now holds the averaged gradient
        optimizer.step()  # so every process takes the same step
    loss = loss.item()
    del ddp, optimizer  # they hold the process group: free them before it
    dist.destroy_process_group()
    return loss
# --8<-- [end:ddp]


# --8<-- [start:fsdp2]
import torch
import torch.distributed as dist
from torch.distributed.device_mesh import init_device_mesh
from torch.distributed.fsdp import fully_shard
from torch_yogi import Yogi


def train_fsdp2(rank, world_size, model, X, y, steps=100):
    """One process of FSDP2 training on CPU (gloo): each process holds
    one shard of every parameter, as a DTensor, and its Yogi state."""
    dist.init_process_group("gloo", rank=rank, world_size=world_size)
    mesh = init_device_mesh("cpu", (world_size,))
    for layer in model.modules():
        if isinstance(layer, torch.nn.Linear):
            fully_shard(layer, mesh=mesh)
    fully_shard(model, mesh=mesh)  # model's parameters are DTensors now
    optimizer = Yogi(model.parameters(), lr=0.01)
    rows = torch.arange(rank, len(X), world_size)
    for _ in range(steps):
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(model(X[rows]), y[rows])
        loss.backward()  # gradients averaged, each process gets its shard
        optimizer.step()  # Yogi updates this process's shards
    loss = loss.item()
    del optimizer
    dist.destroy_process_group()
    return loss
# --8<-- [end:fsdp2]
