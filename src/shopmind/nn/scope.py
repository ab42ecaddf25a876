"""Torch randomness and thread count scoped to one call (a ``fit``, a ``sample``).

    with torch_scope(seed=cfg.seed, threads=cfg.threads) as gen:
        net = Net()                                    # initialised from the global RNG, seeded here
        order = torch.randperm(n, generator=gen)       # drawn from the scope's own generator

Torch keeps two pieces of process-wide state a training run wants to set: the global random
generator (layer initialisation, dropout and any draw without ``generator=``) and the intra-op
thread count. Setting them directly in a ``fit`` changes them for everything else in the process —
a server that trains a model in a background job would serve with the job's thread count and an
RNG in the job's state afterwards. :func:`torch_scope` sets both for the body only:

- the global CPU generator is seeded with ``seed`` inside and put back to its exact previous
  state on exit (:func:`torch.random.fork_rng`), so the body is reproducible from ``seed`` and the
  caller's random stream continues as if the body had never run;
- the body gets a private :class:`torch.Generator` seeded with ``seed`` for explicit draws;
- ``threads > 0`` sets :func:`torch.set_num_threads` inside; the previous count comes back on exit,
  also when the body raises.

Both are process-wide while the body runs: a draw from the global generator in another thread
at that moment shares its stream. The models here train on the CPU; CUDA generators are left
alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch


@contextmanager
def torch_scope(seed: int, threads: int | None = 0) -> Iterator[torch.Generator]:
    """Run the body with the global CPU RNG seeded with ``seed`` and ``threads`` torch threads
    (``0``/``None``: leave the count); yields a private generator seeded with ``seed``. The global
    RNG state and the thread count are restored on exit."""
    previous = torch.get_num_threads()
    with torch.random.fork_rng(devices=[]):
        torch.default_generator.manual_seed(seed)
        try:
            if threads and threads > 0:
                torch.set_num_threads(threads)
            yield torch.Generator().manual_seed(seed)
        finally:
            torch.set_num_threads(previous)


__all__ = ["torch_scope"]
