"""Training a recommender on the store's events: split, fit with early stopping, evaluate, save, publish."""

from __future__ import annotations

import dataclasses
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shopmind.artifacts import ArtifactStore, Gate
from shopmind.data.store import Store
from shopmind.recommend.base import Recommender, create
from shopmind.recommend.data import interactions_from_store
from shopmind.recommend.evaluate import evaluate, leave_one_out, merge

log = logging.getLogger(__name__)
KIND = "rec"
# A new recommender replaces the serving one only if its validation NDCG@10 is at most 5% below it.
GATE = Gate("valid_ndcg@10", tolerance=0.05)

# Quick settings for `shopmind demo`'s first run (the demo shop: 5,000 customers, ~300k events):
# a few epochs with a higher learning rate and smaller batches; no new epoch starts past 45 s of a fit.
DEMO_PARAMS: dict[str, dict[str, Any]] = {
    "sasrec": {
        "max_len": 50,
        "batch_size": 64,
        "lr": 5e-3,
        "dropout": 0.2,
        "epochs": 10,
        "patience": 2,
        "max_seconds": 45.0,
    },
}


@dataclass
class TrainResult:
    version_dir: Path | None  # None on the helper ranks of a distributed run (rank 0 saves)
    metrics: dict[str, float]
    seconds: float
    refused: str | None = None  # why the gate kept the new version from being published

    @property
    def published(self) -> bool:
        return self.refused is None


def train_and_publish(
    store: Store,
    model_name: str,
    params: dict[str, Any] | None,
    artifacts: ArtifactStore,
    publish: bool = True,
    force: bool = False,
) -> TrainResult:
    """Fit ``model_name`` on the store's events and save it as a new version, published (unless told not
    to) when its validation NDCG@10 clears :data:`GATE` against the serving version — or in any case
    with ``force``. A refused version stays saved; ``TrainResult.refused`` says why.

    Validation is the second-last interaction of each customer (early stopping); the test metrics
    come from the last interaction, with the validation interactions added to the history. The
    served model is then refitted on all events (with the epoch count found on validation).

    Under ``torchrun`` every process runs this: the fits are data-parallel (DDP), and rank 0
    alone evaluates, saves and publishes (see :mod:`shopmind.train.distributed`).
    """
    from shopmind.train import distributed as D

    dist = D.init()
    start = time.perf_counter()
    data = interactions_from_store(store)
    if len(data) == 0:
        raise ValueError("no behaviour events in the store: ingest events or run `shopmind demo-data` first")
    split = leave_one_out(data)
    params = dict(params or {})
    probe = create(model_name, **params).fit(split.train, split.valid)
    metrics: dict[str, float] = {}
    if dist.is_main:  # the weights are the same on every rank: one evaluation is enough
        metrics = {f"valid_{k}": v for k, v in evaluate(probe, split.valid, ks=(10, 20)).items()}
        probe.update_history(merge(split.train, split.valid))
        metrics |= {f"test_{k}": v for k, v in evaluate(probe, split.test, ks=(10, 20)).items()}
    final = create(model_name, **_final_params(probe, params)).fit(data)
    if not dist.is_main:
        return TrainResult(None, metrics, time.perf_counter() - start)
    seconds = time.perf_counter() - start
    path = artifacts.save_version(
        KIND,
        model_name,
        final.save,
        config=dataclasses.asdict(final.config),
        metrics=metrics,
        data_fingerprint=data.fingerprint(),
        seconds=seconds,
        extra={"trained_until": int(data.ts.max()) if data.ts is not None and len(data) else None},
        publish=False,
    )
    refused = artifacts.publish_gated(KIND, path, GATE, force) if publish else None
    log.info("%s trained in %.1fs: %s", model_name, seconds, {k: round(v, 4) for k, v in metrics.items()})
    return TrainResult(path, metrics, seconds, refused)


def _final_params(probe: Recommender, params: dict[str, Any]) -> dict[str, Any]:
    """Refit settings: the epoch count that early stopping found, without further early stopping."""
    best = probe.meta_.get("best_epoch")  # iterative models record it (SASRec, BPR, LightGCN)
    fields = {f.name for f in dataclasses.fields(probe.config)}
    if best and "epochs" in fields:
        return params | {"epochs": int(best)}
    return params
