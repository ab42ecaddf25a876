"""The shared epoch loop: patience, best state kept, time budget; one epoch's steps and their
data-parallel weighting."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch

from shopmind.recommend.loop import train_epoch, train_epochs
from shopmind.train import distributed as D


def _run(scores: list[float], **kw):
    state = {"w": 0}
    ticks = iter(range(1, 1000))

    def run_epoch() -> float:
        state["w"] = next(ticks)  # the "weights" are the epoch number
        return 1.0 / state["w"]

    it = iter(scores)
    meta = train_epochs(
        run_epoch,
        (lambda: {"ndcg@10": next(it)}) if scores else None,
        snapshot=lambda: state["w"],
        restore=lambda w: state.update(w=w),
        metric="ndcg@10",
        **({"epochs": 50, "eval_every": 2, "patience": 2} | kw),
    )
    return meta, state["w"]


def test_stops_after_patience_and_keeps_the_best_state() -> None:
    meta, weights = _run([0.1, 0.3, 0.2, 0.25, 0.9])
    # validations at epochs 2, 4, 6, 8: best at 4, then two without improvement -> stop at 8
    assert meta["epochs"] == 8 and meta["best_epoch"] == 4 and weights == 4
    assert [r.get("ndcg@10") for r in meta["history"] if "ndcg@10" in r] == [0.1, 0.3, 0.2, 0.25]


def test_without_validation_runs_every_epoch_and_keeps_the_last() -> None:
    meta, weights = _run([], epochs=7)
    assert meta["epochs"] == 7 and meta["best_epoch"] == 7 and weights == 7


def test_time_budget_ends_training_with_a_validation() -> None:
    scores = iter([0.1, 0.2, 0.3])
    state = {"n": 0}

    def slow_epoch() -> float:
        state["n"] += 1
        time.sleep(0.05)
        return 0.0

    meta = train_epochs(
        slow_epoch,
        lambda: {"ndcg@10": next(scores)},
        snapshot=lambda: state["n"],
        restore=lambda n: None,
        metric="ndcg@10",
        epochs=100,
        eval_every=10,
        patience=3,
        max_seconds=0.12,
    )
    # at ≥ 0.05 s an epoch, the budget ends training long before 100 epochs (sleep may run long on a
    # busy machine, so no exact count), and the last epoch is validated although it is not a 10th
    assert 1 <= meta["epochs"] <= 3 and "ndcg@10" in meta["history"][-1]


class _Recorder:
    """An optimiser stand-in that records the gradient of every step."""

    def __init__(self, w: torch.Tensor) -> None:
        self.w, self.grads = w, []

    def zero_grad(self, set_to_none: bool = True) -> None:
        self.w.grad = None

    def step(self) -> None:
        self.grads.append(self.w.grad.clone())


def _masked_epoch(batches, dist: D.DistInfo, monkeypatch: pytest.MonkeyPatch) -> tuple[float, list]:
    """Rows of values with a mask of real positions; loss = mean over real positions of (w·x)²."""
    monkeypatch.setattr(D, "info", lambda: dist)
    w = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64, requires_grad=True)
    opt = _Recorder(w)

    def batch_loss(x: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, int]:
        per_position = (x * w).sum(-1) ** 2  # (B, T, 3) -> (B, T)
        return per_position[mask].mean(), int(mask.sum())

    loss = train_epoch(batches, batch_loss, opt, units=lambda b: int(b[1].sum()))
    return loss, opt.grads


def test_epoch_weights_each_rank_so_ddp_averages_to_the_whole_batch_gradient(monkeypatch) -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 4, 3))  # 5 sequences of up to 4 positions
    mask = np.array([[1, 1, 1, 1], [1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 0], [1, 0, 0, 0]], dtype=bool)
    batches = [(x, mask), (x[:1], mask[:1])]  # the second batch is too small to share among 2 ranks
    whole_loss, whole = _masked_epoch(batches, D.DistInfo(), monkeypatch)
    ranks = [_masked_epoch(batches, D.DistInfo(rank=r, world_size=2), monkeypatch) for r in (0, 1)]
    assert len(whole) == 2 and all(len(grads) == 1 for _, grads in ranks)  # every rank skips batch 2
    # DDP averages the ranks' gradients: that must be the gradient of the whole batch's mean (the
    # ranks hold 5 and 6 positions, so the plain average of their local means would miss it)
    assert torch.allclose((ranks[0][1][0] + ranks[1][1][0]) / 2, whole[0])
    per_position = ((x * np.array([0.5, -1.0, 2.0])).sum(-1) ** 2)[mask]  # row 0 first, 4 positions
    assert whole_loss == pytest.approx((per_position.sum() + per_position[:4].sum()) / (11 + 4))
