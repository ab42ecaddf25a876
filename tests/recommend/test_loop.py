"""The shared epoch loop: patience, best state kept, time budget."""

from __future__ import annotations

import time

from shopmind.recommend.loop import train_epochs


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
