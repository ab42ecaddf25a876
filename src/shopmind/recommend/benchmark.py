"""The evaluation harness behind `shopmind rec evaluate` and `shopmind rec benchmark`.

Data sets and protocols:

- ``beauty`` — Amazon Beauty (S3-Rec split): leave-one-out by position (last = test, second
  last = validation);
- ``ml-100k`` — MovieLens 100k: leave-one-out by timestamp (or ``--split temporal``);
- ``gowalla`` — the LightGCN split as published (its test file); validation is a seeded 10 % of
  each user's training items, so nothing is tuned on the test;
- ``demo`` — the behaviour events in the store (e.g. the demo shop): leave-one-out by time.

Every model is fitted on train with early stopping on validation, validation metrics are
recorded, then the validation interactions join the history (no retraining) and the test is
scored once. Full ranking over all items throughout.
"""

from __future__ import annotations

import json
import logging
import resource
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from shopmind.recommend.base import IdMap, Interactions, create
from shopmind.recommend.evaluate import Split, evaluate, leave_one_out, merge, temporal_split

log = logging.getLogger(__name__)
DATASETS = ("beauty", "ml-100k", "gowalla", "demo")


def holdout_fraction(
    data: Interactions,
    frac: float,
    seed: int = 0,
    *,
    min_one: bool = False,
    max_users: int | None = None,
) -> tuple[Interactions, Interactions]:
    """(train, held out): a seeded random ``frac`` of each user's interactions.

    By default floor(frac · n) per user (at least one kept in train). With ``min_one``, round(frac · n)
    and at least one for every user with two or more. With ``max_users`` only a seeded sample of that
    many users gives any up (when validation scores only those users, holding out the others' items
    would cost training data for nothing).
    """
    rng = np.random.default_rng(seed)
    order = np.lexsort((rng.random(len(data)), data.user_idx))  # by user, random within a user
    counts = np.bincount(data.user_idx, minlength=data.n_users)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    pos = np.arange(len(order)) - starts[data.user_idx[order]]  # position within the user's shuffled items
    if min_one:
        n_out = np.where(counts >= 2, np.maximum(1, np.round(counts * frac)), 0).astype(np.int64)
    else:
        n_out = np.floor(counts * frac).astype(np.int64)
    if max_users is not None and np.count_nonzero(n_out) > max_users:
        keep = np.zeros(data.n_users, dtype=bool)
        keep[rng.choice(np.flatnonzero(n_out), max_users, replace=False)] = True
        n_out[~keep] = 0
    out = np.zeros(len(data), dtype=bool)
    out[order[pos < n_out[data.user_idx[order]]]] = True
    return data.subset(~out), data.subset(out)


def load_split(dataset: str, split: str = "loo", seed: int = 0, store=None) -> Split:
    """Train / validation / test interactions of a benchmark data set."""
    from shopmind.data import datasets

    if dataset == "beauty":
        df = datasets.load_amazon_beauty()
        data = Interactions.from_frame(df, user_col="user_id", item_col="item_id", ts_col="pos")
    elif dataset == "ml-100k":
        df = datasets.load_movielens_100k("inter").sort_values("timestamp", kind="stable")
        data = Interactions.from_frame(df, user_col="user_id", item_col="item_id", ts_col="timestamp")
    elif dataset == "gowalla":
        train, test = datasets.load_gowalla("train"), datasets.load_gowalla("test")
        n_users = int(max(train.user_idx.max(), test.user_idx.max())) + 1
        n_items = int(max(train.item_idx.max(), test.item_idx.max())) + 1
        users, items = IdMap(map(str, range(n_users))), IdMap(map(str, range(n_items)))
        full = Interactions(users, items, train.user_idx.to_numpy(), train.item_idx.to_numpy())
        fit, valid = holdout_fraction(full, 0.1, seed)
        held = Interactions(users, items, test.user_idx.to_numpy(), test.item_idx.to_numpy())
        return Split(fit, valid, held)
    elif dataset == "demo":
        from shopmind.recommend.data import interactions_from_store

        data = interactions_from_store(store)
    else:
        raise KeyError(f"unknown data set {dataset!r}; use one of {', '.join(DATASETS)}")
    if split == "temporal":
        return temporal_split(data)
    return leave_one_out(data)


@dataclass
class Result:
    model: str
    params: dict[str, Any]
    valid: dict[str, float]
    test: dict[str, float]
    fit_seconds: float
    peak_rss_mb: float
    epochs: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def run(
    split: Split,
    models: Sequence[str],
    params: dict[str, dict[str, Any]] | None = None,
    ks: Sequence[int] = (10, 20),
) -> list[Result]:
    """Fit each model on ``split.train`` (early stopping on ``split.valid``) and score the test once."""
    params = params or {}
    history = merge(split.train, split.valid)
    results = []
    for name in models:
        model_params = params.get(name, {})
        start = time.perf_counter()
        model = create(name, **model_params).fit(split.train, split.valid)
        seconds = time.perf_counter() - start
        valid = evaluate(model, split.valid, ks=ks)
        model.update_history(history)
        test = evaluate(model, split.test, ks=ks)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        results.append(Result(name, model_params, valid, test, seconds, rss, model.meta_.get("best_epoch")))
        log.info("%s: test %s in %.0fs", name, {k: round(v, 4) for k, v in test.items()}, seconds)
    return results


def markdown(results: Sequence[Result], ks: Sequence[int] = (10, 20), title: str = "") -> str:
    """A Markdown table of test metrics, fit time and peak memory."""
    cols = [f"{m}@{k}" for k in ks for m in ("hr", "recall", "ndcg")] + ["mrr", f"coverage@{ks[0]}"]
    head = "| model | " + " | ".join(cols) + f" | valid ndcg@{ks[0]} | fit (s) | epochs | peak RSS (MB) |"
    lines = ([f"**{title}**", ""] if title else []) + [head, "|" + "---|" * (len(cols) + 5)]
    for r in results:
        vals = " | ".join(f"{r.test.get(c, float('nan')):.4f}" for c in cols)
        valid = r.valid.get(f"ndcg@{ks[0]}", float("nan"))
        epochs = r.epochs if r.epochs is not None else "-"
        tail = f"{valid:.4f} | {r.fit_seconds:.0f} | {epochs} | {r.peak_rss_mb:.0f}"
        lines.append(f"| {r.model} | {vals} | {tail} |")
    return "\n".join(lines)


def to_json(results: Sequence[Result], path: str | Path, **info: Any) -> None:
    payload = {"info": info, "results": [r.__dict__ for r in results]}
    Path(path).write_text(json.dumps(payload, indent=2, default=float), encoding="utf-8")
