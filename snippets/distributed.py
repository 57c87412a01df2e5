"""Data-parallel training with the drop-in Yogi: the Yogi chapter's DDP snippet.

The section only defines a function; the page starts it in two processes with
``torch.multiprocessing.spawn`` (and the tests do, on CPU with gloo: tests/test_distributed.py).
``optimizer_class`` is ``snippets.optim.Yogi`` there, the class shown earlier on the page.
"""

# --8<-- [start:ddp]
import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel


def train_ddp(rank, world_size, model, X, y, optimizer_class, steps=100):
    """One process of data-parallel training on CPU (gloo)."""
    dist.init_process_group("gloo", rank=rank, world_size=world_size)
    ddp = DistributedDataParallel(model)  # averages gradients in backward
    optimizer = optimizer_class(ddp.parameters(), lr=0.01)
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
