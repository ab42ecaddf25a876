"""The epoch loop the learned recommenders share: early stopping on a validation metric, a wall-time
budget, the best validated state kept, and the same decisions on every rank under torchrun.

    meta = train_epochs(run_epoch, validate, snapshot, restore, metric="ndcg@20", epochs=…, …)

- ``run_epoch()`` trains one pass and returns its mean loss;
- ``validate()`` (rank 0 only) returns metrics including ``metric``; ``None`` means no validation data
  (the loop then runs all epochs or until the time budget, and keeps the last state);
- ``snapshot()`` copies the current weights, ``restore(state)`` puts a copy back.

Validation runs every ``eval_every`` epochs, at the last epoch and when the budget ends training;
training stops after ``patience`` validations without a better ``metric``, or when one more epoch at
the mean pace so far would overrun ``max_seconds``. Rank 0's clock and metrics decide for all ranks.

One epoch of optimiser steps, with the data-parallel bookkeeping, is :func:`train_epoch`: the model
supplies its batches and its batch loss, and stays the same code in one process and under torchrun.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import torch

log = logging.getLogger(__name__)
Batch = tuple[np.ndarray, ...]  # arrays with one row per example, e.g. (users, positives, negatives)


def _rows(batch: Batch) -> int:
    return len(batch[0])


def train_epoch(
    batches: Iterable[Batch],
    batch_loss: Callable[..., tuple[torch.Tensor, int]],
    opt: torch.optim.Optimizer,
    units: Callable[[Batch], int] = _rows,
) -> float:
    """One pass of optimiser steps over ``batches``; returns the mean loss per unit over all ranks.

    - ``batches`` yields tuples of numpy arrays with one row per example; under torchrun every rank
      must draw the same batches (the same seed);
    - ``batch_loss(*tensors)`` gets the rows of one batch as tensors and returns the mean loss over
      their units (examples, or predicted positions of sequences) and how many units that is;
    - ``units(batch)`` counts the units of a whole batch (default: its rows).

    With W processes each rank takes its shard of every batch's rows (a batch with fewer rows than
    ranks is skipped by all) and weights its local mean ℓ_r over n_r units by its share of the n
    units of the whole batch:

        L_r = ℓ_r · n_r · W / n    so that DDP's gradient average (1/W) Σ_r ∇L_r = ∇(Σ_r n_r ℓ_r / n),

    the gradient of the whole batch's mean loss, as in one process (where the weight is exactly 1).
    """
    import torch

    from shopmind.train import distributed as D

    dist = D.info()
    total, count = 0.0, 0
    for batch in batches:
        n_batch = units(batch)
        if dist.enabled:
            if _rows(batch) < dist.world_size:  # too small to give every rank a share
                continue
            part = D.shard(np.arange(_rows(batch)), dist)
            batch = tuple(a[part] for a in batch)
        mean, n = batch_loss(*(torch.from_numpy(a) for a in batch))
        opt.zero_grad(set_to_none=True)
        (mean * (n * dist.world_size / n_batch)).backward()
        opt.step()
        total, count = total + mean.item() * n, count + n
    total, count = D.total(total, count)
    return total / max(count, 1)


def train_epochs(
    run_epoch: Callable[[], float],
    validate: Callable[[], dict[str, float]] | None,
    snapshot: Callable[[], Any],
    restore: Callable[[Any], None],
    *,
    metric: str,
    epochs: int,
    eval_every: int,
    patience: int,
    max_seconds: float | None = None,
    name: str = "model",
    progress: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Train up to ``epochs`` passes with early stopping; returns the run's metadata
    (``epochs``, ``best_epoch``, ``train_seconds``, ``history`` and ``world_size`` under torchrun)."""
    from shopmind.train import distributed as D

    dist = D.info()
    start = time.perf_counter()
    best: dict[str, Any] = {"score": -math.inf, "epoch": 0, "state": None}
    history: list[dict[str, Any]] = []
    evals_since_best = 0
    for epoch in range(1, epochs + 1):
        t0 = time.perf_counter()
        row: dict[str, Any] = {"epoch": epoch, "loss": run_epoch()}
        row["seconds"] = time.perf_counter() - t0
        elapsed = time.perf_counter() - start
        # stop when one more epoch (at the mean pace so far, validations included) would overrun
        out_of_time = max_seconds is not None and elapsed * (epoch + 1) / epoch > max_seconds
        out_of_time = D.broadcast_flag(out_of_time)  # rank 0's clock decides for all
        if validate is not None and (epoch % eval_every == 0 or epoch == epochs or out_of_time):
            # rank 0 validates (the weights are the same everywhere) and tells the others
            row |= D.broadcast_object(validate() if dist.is_main else None)
            if row[metric] > best["score"]:
                best = {"score": row[metric], "epoch": epoch, "state": snapshot()}
                evals_since_best = 0
            else:
                evals_since_best += 1
        history.append(row)
        if dist.is_main:
            log.info("%s %s", name, " ".join(f"{k} {v:.4g}" for k, v in row.items()))
            if progress is not None:
                progress(row)
        if evals_since_best >= patience or out_of_time:
            break
    if best["state"] is not None:  # keep the best validated state
        restore(best["state"])
    meta: dict[str, Any] = {
        "epochs": len(history),
        "best_epoch": best["epoch"] or len(history),
        "train_seconds": time.perf_counter() - start,
        "history": history,
    }
    if dist.enabled:
        meta["world_size"] = dist.world_size
    return meta


__all__ = ["train_epoch", "train_epochs"]
