"""Training triples for pairwise (BPR) models: (user, positive item, uniform negative items).

An epoch has as many triples as there are observed (user, item) pairs, drawn in one of two ways:

- ``"pairs"``: every observed pair once, in a seeded random order (heavy users get more updates);
- ``"users"``: a user drawn uniformly (among users with items), then one of their items uniformly —
  the sampler of the LightGCN authors' code, where every user weighs the same in the loss, as they
  do in user-averaged metrics such as Recall@K.

Each triple gets ``n_neg`` negatives drawn uniformly from the items the user has *not* interacted
with (drawn uniformly from all items, then redrawn where they hit a positive — vectorised, a few
rounds).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import scipy.sparse as sp


class BPRSampler:
    """Seeded uniform negative sampling over the positives of a binary (U, I) CSR matrix."""

    def __init__(self, positives: sp.csr_matrix, n_neg: int = 1, seed: int = 0, mode: str = "pairs") -> None:
        if mode not in ("pairs", "users"):
            raise ValueError(f"sampling mode must be 'pairs' or 'users', got {mode!r}")
        csr = positives.tocsr()
        csr.sum_duplicates()
        self.mode = mode
        self.indptr = csr.indptr.astype(np.int64)  # (U + 1,)
        self.degree = np.diff(self.indptr)  # (U,) items per user
        self.active = np.flatnonzero(self.degree)  # users with at least one item
        self.n_users, self.n_items = csr.shape
        self.users = np.repeat(np.arange(self.n_users, dtype=np.int64), np.diff(csr.indptr))  # (P,)
        self.items = csr.indices.astype(np.int64)  # (P,)
        self.keys = np.sort(self.users * self.n_items + self.items)  # (P,) sorted pair keys for lookups
        self.n_neg = n_neg
        self.rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        return len(self.users)

    def is_positive(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        """Whether each (user, item) pair is observed; any broadcastable shapes."""
        keys = users * self.n_items + items
        pos = np.searchsorted(self.keys, keys).clip(max=len(self.keys) - 1)
        return self.keys[pos] == keys

    def negatives(self, users: np.ndarray, max_rounds: int = 20) -> np.ndarray:
        """(B, n_neg) items each user has not interacted with (a user with every item keeps a few hits)."""
        users = users[:, None]  # (B, 1)
        neg = self.rng.integers(0, self.n_items, size=(len(users), self.n_neg))  # (B, n_neg)
        for _ in range(max_rounds):
            hit = self.is_positive(users, neg)  # (B, n_neg)
            if not hit.any():
                break
            neg[hit] = self.rng.integers(0, self.n_items, size=int(hit.sum()))
        return neg

    def batches(self, batch_size: int) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """One epoch of (users (B,), positives (B,), negatives (B, n_neg)) in a random order."""
        if self.mode == "users":
            for start in range(0, len(self.users), batch_size):
                n = min(batch_size, len(self.users) - start)
                users = self.rng.choice(self.active, n)  # (B,) uniform over users with items
                offset = (self.rng.random(n) * self.degree[users]).astype(np.int64)  # (B,) one item each
                yield users, self.items[self.indptr[users] + offset], self.negatives(users)
            return
        order = self.rng.permutation(len(self.users))
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            users = self.users[idx]
            yield users, self.items[idx], self.negatives(users)


__all__ = ["BPRSampler"]
