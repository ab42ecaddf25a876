"""Item-kNN: items are similar when the same users interacted with both (Sarwar et al., WWW 2001).

On the binary user–item matrix X (U, I), with n_i users for item i:

    sim(i, j) = |users(i) ∩ users(j)| / (√n_i · √n_j + shrink)     shrunk cosine
    W[j, i]   = sim(i, j) if j is among the k most similar items of i, else 0      (I, I), sparse
    score(u, i) = Σ_j X[u, j] · W[j, i]   i.e.  scores = X_u W

The similarities are computed in column blocks (X_blockᵀ X is dense for a block of items), so
memory stays at I × block_size floats.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from shopmind.recommend.base import Interactions, Recommender, RecommenderConfig

if TYPE_CHECKING:
    import scipy.sparse as sp


@dataclass
class ItemKNNConfig(RecommenderConfig):
    k: int = 100  # neighbours kept per item
    shrink: float = 10.0  # added to the cosine's denominator: damps similarities resting on few users
    block_size: int = 2048  # items per block while computing similarities (memory: n_items × block floats)


def knn_similarity(X: sp.csr_matrix, k: int, shrink: float, block_size: int = 2048) -> sp.csr_matrix:
    """(I, I) sparse W with W[j, i] = shrunk cosine of items i and j for the top-k j of each item i."""
    import scipy.sparse as sp

    X = sp.csr_matrix(X, dtype=np.float32)
    n_items = X.shape[1]
    k = min(k, n_items - 1)
    norms = np.sqrt(np.asarray(X.sum(axis=0)).ravel())  # (I,) √n_i for a binary X
    Xt, Xc = X.T.tocsr(), X.tocsc()  # (I, U) rows and (U, I) columns
    rows, cols, vals = [], [], []
    for start in range(0, n_items, block_size):
        block = np.arange(start, min(start + block_size, n_items))  # (b,)
        co = (Xt @ Xc[:, block]).toarray()  # (I, U) @ (U, b) -> (I, b) co-occurrence counts
        sim = co / (norms[:, None] * norms[None, block] + shrink + 1e-12)  # (I, b)
        sim[block, np.arange(len(block))] = 0.0  # an item is not its own neighbour
        if k <= 0:
            continue
        top = np.argpartition(-sim, k - 1, axis=0)[:k]  # (k, b) neighbour indices j
        val = np.take_along_axis(sim, top, axis=0)  # (k, b)
        keep = val > 0
        rows.append(top[keep])
        cols.append(np.broadcast_to(block, top.shape)[keep])
        vals.append(val[keep].astype(np.float32))
    if not rows:
        return sp.csr_matrix((n_items, n_items), dtype=np.float32)
    data = (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols)))
    return sp.csr_matrix(data, shape=(n_items, n_items))


class ItemKNN(Recommender):
    name = "itemknn"
    Config = ItemKNNConfig

    def _fit(self, data: Interactions, valid: Interactions | None) -> None:
        cfg = self.config
        self.similarity_ = knn_similarity(self.seen_, cfg.k, cfg.shrink, cfg.block_size)  # (I, I)

    def score(self, user_idx: np.ndarray) -> np.ndarray:
        return (self.seen_[user_idx] @ self.similarity_).toarray()  # (B, I) @ (I, I) -> (B, I)

    def state(self) -> dict[str, np.ndarray]:
        w = self.similarity_
        return {
            "w_indptr": w.indptr.astype(np.int64),
            "w_indices": w.indices.astype(np.int64),
            "w_data": w.data,
        }

    def load_state(self, arrays: dict[str, np.ndarray]) -> None:
        import scipy.sparse as sp

        n = len(self.items_)
        self.similarity_ = sp.csr_matrix(
            (arrays["w_data"], arrays["w_indices"], arrays["w_indptr"]), shape=(n, n)
        )
