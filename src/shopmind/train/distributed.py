"""Data-parallel training with PyTorch DDP, launched by ``torchrun`` (gloo on CPU, nccl on GPU).

    torchrun --nproc_per_node=2 -m shopmind.cli train rec --model sasrec ...
    shopmind train rec --model sasrec --nproc 2 ...        # the same, torchrun launched for you

Each process trains on its own shard of every batch; DDP averages the gradients, so all
processes hold the same weights after every step and the result matches one process that
sees the whole batch (the recommenders' epoch, :func:`shopmind.recommend.loop.train_epoch`, weights
each shard's loss for that). Outside torchrun everything here is a no-op (world size 1).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class DistInfo:
    rank: int = 0  # this process's index
    world_size: int = 1  # how many processes train together
    local_rank: int = 0  # index on this machine (picks the GPU)

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def info() -> DistInfo:
    """Rank and world size from torchrun's environment (1 process when not under torchrun)."""
    return DistInfo(
        rank=int(os.environ.get("RANK", 0)),
        world_size=int(os.environ.get("WORLD_SIZE", 1)),
        local_rank=int(os.environ.get("LOCAL_RANK", 0)),
    )


def init() -> DistInfo:
    """Join the process group when launched by torchrun (idempotent; imports torch only then)."""
    d = info()
    if not d.enabled:
        return d
    import torch
    import torch.distributed as dist

    if not dist.is_initialized():
        backend = "nccl" if torch.cuda.is_available() else "gloo"
        if backend == "nccl":
            torch.cuda.set_device(d.local_rank)
        dist.init_process_group(backend=backend)
    return d


def launch(nproc: int, cli_args: list[str]) -> int:
    """Run ``shopmind <cli_args>`` in ``nproc`` processes under torchrun on this machine; the exit code.

    The same as ``torchrun --standalone --nproc_per_node=N -m shopmind.cli <cli_args>``. Each process
    gets one CPU thread unless OMP_NUM_THREADS says otherwise (torchrun's default).
    """
    import subprocess
    import sys

    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={nproc}"]
    return subprocess.call([*cmd, "-m", "shopmind.cli", *cli_args])


def shard(batch: np.ndarray, d: DistInfo | None = None) -> np.ndarray:
    """This process's contiguous slice of a batch (all processes together cover it exactly)."""
    d = d or info()
    if not d.enabled:
        return batch
    bounds = np.linspace(0, len(batch), d.world_size + 1).astype(int)
    return batch[bounds[d.rank] : bounds[d.rank + 1]]


def wrap(module):
    """``module`` inside DistributedDataParallel when training with several processes."""
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel

    if dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1:
        return DistributedDataParallel(module)
    return module


def unwrap(module):
    return getattr(module, "module", module)


def broadcast_flag(flag: bool) -> bool:
    """Rank 0's decision (e.g. early stopping) for every process."""
    import torch
    import torch.distributed as dist

    if not (dist.is_available() and dist.is_initialized()):
        return flag
    t = torch.tensor([1 if flag else 0])
    dist.broadcast(t, src=0)
    return bool(t.item())


def total(*values: float) -> tuple[float, ...]:
    """The sums of some numbers over all processes (e.g. a loss sum and a count, for an exact mean)."""
    import torch
    import torch.distributed as dist

    if not (dist.is_available() and dist.is_initialized()):
        return tuple(values)
    t = torch.tensor(values, dtype=torch.float64)
    dist.all_reduce(t)
    return tuple(float(v) for v in t.tolist())


def broadcast_object(obj):
    """Rank 0's ``obj`` (any JSON-like value, e.g. validation metrics) for every process."""
    import torch.distributed as dist

    if not (dist.is_available() and dist.is_initialized()):
        return obj
    box = [obj]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def barrier() -> None:
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.barrier()


def shutdown() -> None:
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        # every rank arrives before any tears its connections down: a rank that leaves while a peer
        # still talks to it can make gloo abort the peer
        dist.barrier()
        dist.destroy_process_group()
