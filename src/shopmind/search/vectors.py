"""Dense retrieval: unit vectors in slots, exact search below a size threshold, faiss HNSW above it.

Rows live in *slots* shared with the lexical index. Adding appends a slot (and adds it to the
HNSW graph); deleting only marks the slot dead, and dead slots are filtered out of answers. When
more than ``compact_dead`` of the graph is dead the graph is rebuilt from the live rows (no
re-encoding: the vectors stay in memory).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class VectorConfig:
    """How dense search is done."""

    ann_threshold: int = 20_000  # live rows above which faiss HNSW replaces exact search
    hnsw_m: int = 32  # HNSW neighbours per node
    ef_construction: int = 64  # HNSW build beam width
    ef_search: int = 96  # HNSW search beam width (recall vs speed)
    compact_dead: float = 0.2  # share of dead rows in the graph that triggers a rebuild


class VectorIndex:
    """Unit float32 vectors by slot; ``search(q, k, mask)`` returns (slots, cosine scores), best first."""

    def __init__(self, dim: int, config: VectorConfig | None = None) -> None:
        self.dim = dim
        self.config = config or VectorConfig()
        self.vectors_ = np.zeros((1024, dim), dtype=np.float32)  # (capacity, D)
        self.n_ = 0  # slots used (live or dead)
        self.alive_ = np.zeros(1024, dtype=bool)
        self._ann = None  # faiss index whose ids are slots 0.._ann_n-1
        self._ann_n = 0
        self._ann_dead = 0

    # ------------------------------------------------------------------ writes
    def set(self, slots: np.ndarray, vectors: np.ndarray) -> None:
        """Store ``vectors`` (N, D) at new ``slots`` (each at or beyond the current end)."""
        if len(slots) == 0:
            return
        need = int(slots.max()) + 1
        if need > len(self.alive_):
            cap = max(need, 2 * len(self.alive_))
            grown = np.zeros((cap, self.dim), dtype=np.float32)
            grown[: self.n_] = self.vectors_[: self.n_]
            self.vectors_ = grown
            self.alive_ = np.concatenate([self.alive_, np.zeros(cap - len(self.alive_), dtype=bool)])
        self.vectors_[slots] = vectors
        self.alive_[slots] = True
        self.n_ = max(self.n_, need)
        if self._ann is not None:
            self._ann_extend()
        elif self.live > self.config.ann_threshold:
            self._build_ann()

    def delete(self, slots: np.ndarray) -> None:
        slots = slots[self.alive_[slots]]
        self.alive_[slots] = False
        if self._ann is not None:
            self._ann_dead += int((slots < self._ann_n).sum())
            if self._ann_dead > self.config.compact_dead * max(self._ann_n, 1):
                self._build_ann()

    @property
    def live(self) -> int:
        return int(self.alive_[: self.n_].sum())

    @property
    def uses_ann(self) -> bool:
        return self._ann is not None

    # ------------------------------------------------------------------ faiss
    def _new_hnsw(self):
        import faiss

        index = faiss.IndexHNSWFlat(self.dim, self.config.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = self.config.ef_construction
        index.hnsw.efSearch = self.config.ef_search
        return faiss.IndexIDMap2(index)

    def _build_ann(self) -> None:
        """(Re)build the graph from the live rows."""
        if self.live <= self.config.ann_threshold:
            self._ann = None
            return
        live = np.flatnonzero(self.alive_[: self.n_])
        self._ann = self._new_hnsw()
        self._ann.add_with_ids(self.vectors_[live], live.astype(np.int64))
        self._ann_n, self._ann_dead = self.n_, 0
        log.info("built HNSW over %d vectors", len(live))

    def _ann_extend(self) -> None:
        new = np.arange(self._ann_n, self.n_)
        new = new[self.alive_[new]]
        if len(new):
            self._ann.add_with_ids(self.vectors_[new], new.astype(np.int64))
        self._ann_n = self.n_

    # ------------------------------------------------------------------ reads
    def scores(self, q: np.ndarray, slots: np.ndarray) -> np.ndarray:
        """Cosine of ``q`` with the rows at ``slots`` (exact)."""
        return self.vectors_[slots] @ q  # (N, D) @ (D,) -> (N,)

    def search(self, q: np.ndarray, k: int, mask: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` live slots (optionally only where ``mask`` (n_,) is True) by cosine with ``q`` (D,)."""
        allowed = self.alive_[: self.n_] if mask is None else self.alive_[: self.n_] & mask[: self.n_]
        n_allowed = int(allowed.sum())
        if n_allowed == 0 or k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        if self._ann is None or n_allowed <= self.config.ann_threshold:
            slots = np.flatnonzero(allowed)
            return _top(slots, self.scores(q, slots), k)
        share = n_allowed / max(self.live, 1)
        fetch = min(self._ann.ntotal, int(k / share * 1.5) + 16 + self._ann_dead)
        sims, ids = self._ann.search(q[None, :].astype(np.float32), fetch)
        ids, sims = ids[0], sims[0]
        keep = (ids >= 0) & allowed[np.clip(ids, 0, None)]
        ids, sims = ids[keep], sims[keep]
        if len(ids) < min(k, n_allowed):  # a selective filter: fall back to exact over the allowed rows
            slots = np.flatnonzero(allowed)
            return _top(slots, self.scores(q, slots), k)
        return ids[:k].astype(np.int64), sims[:k].astype(np.float32)


def _top(slots: np.ndarray, scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    if len(slots) > k:
        part = np.argpartition(-scores, k - 1)[:k]
        slots, scores = slots[part], scores[part]
    order = np.argsort(-scores, kind="stable")
    return slots[order].astype(np.int64), scores[order].astype(np.float32)
