"""Offline evaluation: leave-one-out and temporal splits, full-ranking metrics over all items.

Full ranking: every item the user has not interacted with in training is a candidate (no
sampled negatives). For each user with a held-out item set ``T`` and a top-K list ``R``:

- HR@K = 1 if R ∩ T ≠ ∅;  Recall@K = |R ∩ T| / |T| (as in the LightGCN paper);
- NDCG@K = Σ_{r ∈ R ∩ T} 1/log2(rank(r)+1) / IDCG, IDCG over min(K, |T|) hits;
- MRR = 1 / rank of the first held-out item in the ranking (0 beyond ``max_rank``);
- coverage@K = share of the catalog that appears in anyone's top-K.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from shopmind.recommend.base import Interactions, Recommender, top_k


@dataclass
class Split:
    """Train data plus held-out validation and test interactions (same id maps)."""

    train: Interactions
    valid: Interactions
    test: Interactions


def leave_one_out(data: Interactions, min_len: int = 3) -> Split:
    """Per user, the last interaction is test and the second last validation (users with at least
    ``min_len`` interactions). For the test, the validation item is part of training history:
    use ``split.train`` + ``split.valid`` when fitting the final model."""
    order = data.order()
    users = data.user_idx[order]
    pos_from_end = np.zeros(len(order), dtype=np.int64)
    counts = np.bincount(users, minlength=data.n_users)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    pos = np.arange(len(order)) - starts[users]
    pos_from_end = counts[users] - 1 - pos
    long_enough = counts[users] >= min_len
    role = np.zeros(len(data), dtype=np.int8)  # 0 train, 1 valid, 2 test
    role[order[(pos_from_end == 0) & long_enough]] = 2
    role[order[(pos_from_end == 1) & long_enough]] = 1
    return Split(data.subset(role == 0), data.subset(role == 1), data.subset(role == 2))


def temporal_split(data: Interactions, valid_frac: float = 0.1, test_frac: float = 0.1) -> Split:
    """A global time cut: the last ``test_frac`` of interactions (by time) is test, the
    ``valid_frac`` before it validation. Held-out pairs already seen in training are kept; the
    metrics ignore users without held-out items."""
    if data.ts is None:
        raise ValueError("a temporal split needs timestamps")
    t_valid, t_test = np.quantile(data.ts, [1 - valid_frac - test_frac, 1 - test_frac])
    train = data.ts < t_valid
    valid = (data.ts >= t_valid) & (data.ts < t_test)
    return Split(data.subset(train), data.subset(valid), data.subset(~train & ~valid))


def merge(a: Interactions, b: Interactions) -> Interactions:
    """Concatenate two interaction sets with the same id maps."""
    import dataclasses

    ts = None if a.ts is None or b.ts is None else np.concatenate([a.ts, b.ts])
    w = None if a.weight is None or b.weight is None else np.concatenate([a.weight, b.weight])
    return dataclasses.replace(
        a,
        user_idx=np.concatenate([a.user_idx, b.user_idx]),
        item_idx=np.concatenate([a.item_idx, b.item_idx]),
        ts=ts,
        weight=w,
    )


def evaluate(
    model: Recommender,
    heldout: Interactions,
    ks: Sequence[int] = (10, 20),
    batch_size: int = 1024,
    users: np.ndarray | None = None,
    max_rank: int = 1000,
) -> dict[str, float]:
    """Full-ranking metrics of a fitted ``model`` on ``heldout`` (items seen in the model's training
    data are excluded from the ranking). ``users`` restricts to a subset (e.g. a sample)."""
    import scipy.sparse as sp

    truth = sp.csr_matrix(
        (np.ones(len(heldout), dtype=np.float32), (heldout.user_idx, heldout.item_idx)),
        shape=(heldout.n_users, heldout.n_items),
    )
    truth.sum_duplicates()
    truth.data[:] = 1
    if users is None:
        users = np.flatnonzero(np.diff(truth.indptr) > 0)
    kmax = max(max(ks), min(max_rank, heldout.n_items))
    sums = {f"{m}@{k}": 0.0 for k in ks for m in ("hr", "recall", "ndcg")} | {"mrr": 0.0}
    covered = {k: np.zeros(heldout.n_items, dtype=bool) for k in ks}
    discounts = 1.0 / np.log2(np.arange(2, kmax + 2))  # (kmax,)
    for start in range(0, len(users), batch_size):
        batch = users[start : start + batch_size]
        top, _ = model.recommend_idx(batch, kmax)  # (B, kmax)
        rel = np.asarray(truth[batch][np.arange(len(batch))[:, None], top].todense())  # (B, kmax) 0/1
        n_true = np.diff(truth.indptr)[batch]  # (B,)
        first = np.where(rel.any(1), rel.argmax(1) + 1, np.inf)
        sums["mrr"] += float(np.sum(1.0 / first))
        for k in ks:
            hits = rel[:, :k]
            n_hit = hits.sum(1)
            ideal = np.array([discounts[: min(k, n)].sum() for n in n_true])
            sums[f"hr@{k}"] += float((n_hit > 0).sum())
            sums[f"recall@{k}"] += float(np.sum(n_hit / n_true))
            sums[f"ndcg@{k}"] += float(np.sum((hits * discounts[:k]).sum(1) / ideal))
            covered[k][top[:, :k].ravel()] = True
    n = max(len(users), 1)
    out = {name: value / n for name, value in sums.items()}
    out |= {f"coverage@{k}": float(covered[k].mean()) for k in ks}
    out["users"] = float(len(users))
    return out


__all__ = ["Split", "leave_one_out", "temporal_split", "merge", "evaluate", "top_k"]
