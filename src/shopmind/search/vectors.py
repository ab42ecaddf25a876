"""Dense retrieval: unit vectors in slots, exact search below a size threshold, faiss HNSW above it.

Rows live in *slots* shared with the lexical index. A :class:`VectorIndex` holds the vectors of one
encoder (its ``encoder`` name) and knows which live slots still *want* one: the product index adds a
new product's slot to ``wanted`` and the background backfill fills it (``set``) — in any order, so a
slot below the end can get its vector after the ones above it. Each slot is set at most once (a
changed product gets a new slot). Deleting only marks the slot dead, and dead slots are filtered out
of answers. Vectors join the HNSW graph as they are set; when more than ``compact_dead`` of the graph
is dead the graph is rebuilt from the live rows (no re-encoding: the vectors stay in memory).
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

    def __init__(self, dim: int = 0, config: VectorConfig | None = None, encoder: str = "") -> None:
        self.dim = dim  # 0 until the first vectors are set
        self.config = config or VectorConfig()
        self.encoder = encoder  # the name of the encoder the vectors (and queries) come from
        self.model = None  # the fitted encoder object itself, for an encoder fitted per set (static)
        self.vectors_ = np.zeros((1024, dim), dtype=np.float32)  # (capacity, D)
        self.n_ = 0  # one past the highest slot set
        self.alive_ = np.zeros(1024, dtype=bool)  # has a vector and is live
        self.wanted: dict[int, None] = {}  # live slots without a vector yet, oldest first
        self._ann = None  # faiss index whose ids are slots
        self._in_ann = np.zeros(1024, dtype=bool)  # slots added to the graph (live or dead)
        self._ann_size = 0  # rows added to the graph
        self._ann_dead = 0  # of them, dead since

    # ------------------------------------------------------------------ writes
    def want(self, slots) -> None:
        """Mark ``slots`` (live, new) as waiting for a vector."""
        self.wanted.update(dict.fromkeys(int(s) for s in slots))

    def set(self, slots: np.ndarray, vectors: np.ndarray) -> None:
        """Store ``vectors`` (N, D) at ``slots`` (slots that have no vector yet)."""
        slots = np.asarray(slots, dtype=np.int64)
        if len(slots) == 0:
            return
        if self.dim == 0:  # made before its encoder was known: the first vectors say the dimension
            self.dim = int(vectors.shape[1])
            self.vectors_ = np.zeros((len(self.alive_), self.dim), dtype=np.float32)
        self._grow(int(slots.max()) + 1)
        self.vectors_[slots] = vectors
        self.alive_[slots] = True
        self.n_ = max(self.n_, int(slots.max()) + 1)
        for s in slots.tolist():
            self.wanted.pop(s, None)
        if self._ann is not None:
            self._ann_add(slots)
        elif self.live > self.config.ann_threshold:
            self._build_ann()

    def _grow(self, need: int) -> None:
        if need <= len(self.alive_):
            return
        cap = max(need, 2 * len(self.alive_))
        grown = np.zeros((cap, self.dim), dtype=np.float32)
        grown[: self.n_] = self.vectors_[: self.n_]
        self.vectors_ = grown
        pad = np.zeros(cap - len(self.alive_), dtype=bool)
        self.alive_ = np.concatenate([self.alive_, pad])
        self._in_ann = np.concatenate([self._in_ann, pad])

    def delete(self, slots: np.ndarray) -> None:
        """Mark ``slots`` dead (their vectors, or their wish for one, are dropped)."""
        slots = np.asarray(slots, dtype=np.int64)
        for s in slots.tolist():
            self.wanted.pop(s, None)
        slots = slots[slots < self.n_]
        slots = slots[self.alive_[slots]]
        self.alive_[slots] = False
        if self._ann is not None:
            self._ann_dead += int(self._in_ann[slots].sum())
            if self._ann_dead > self.config.compact_dead * max(self._ann_size, 1):
                self._build_ann()

    def has(self, slots: np.ndarray) -> np.ndarray:
        """Whether each of ``slots`` has a (live) vector."""
        slots = np.asarray(slots, dtype=np.int64)
        out = np.zeros(len(slots), dtype=bool)
        inside = slots < self.n_
        out[inside] = self.alive_[slots[inside]]
        return out

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
        self._in_ann[:] = False
        self._ann_size = self._ann_dead = 0
        if self.live <= self.config.ann_threshold:
            self._ann = None
            return
        live = np.flatnonzero(self.alive_[: self.n_])
        self._ann = self._new_hnsw()
        self._ann_add(live)
        log.info("built HNSW over %d vectors", len(live))

    def _ann_add(self, slots: np.ndarray) -> None:
        self._ann.add_with_ids(self.vectors_[slots], slots.astype(np.int64))
        self._in_ann[slots] = True
        self._ann_size += len(slots)

    # ------------------------------------------------------------------ reads
    def scores(self, q: np.ndarray, slots: np.ndarray) -> np.ndarray:
        """Cosine of ``q`` with the rows at ``slots`` (exact; 0 where a slot has no vector)."""
        slots = np.asarray(slots, dtype=np.int64)
        out = np.zeros(len(slots), dtype=np.float32)
        inside = slots < self.n_
        if not inside.any():
            return out
        if 4 * len(slots) > self.n_:  # most rows: one pass over the stored matrix, no gathered copy
            out[inside] = (self.vectors_[: self.n_] @ q)[slots[inside]]  # (n, D) @ (D,) -> (n,)
        else:
            out[inside] = self.vectors_[slots[inside]] @ q  # (N, D) @ (D,) -> (N,)
        return out

    def search(self, q: np.ndarray, k: int, mask: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` slots with a vector (only where ``mask`` is True, if given) by cosine with ``q`` (D,)."""
        allowed = self.alive_[: self.n_].copy()
        if mask is not None:
            m = np.zeros(self.n_, dtype=bool)
            m[: min(len(mask), self.n_)] = mask[: self.n_]
            allowed &= m
        n_allowed = int(allowed.sum())
        if n_allowed == 0 or k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        if self._ann is None or n_allowed <= self.config.ann_threshold:
            slots = np.flatnonzero(allowed)
            return _top(slots, self.scores(q, slots), k)
        share = n_allowed / max(self.live, 1)
        fetch = min(self._ann.ntotal, int(k / share * 1.5) + 16 + self._ann_dead)
        ids, sims = self._ann_search(q, fetch, allowed)
        if share >= 0.5 and 2 * len(ids) >= min(k, n_allowed):
            # Rows with the same vector (variants sharing a text) crowd each other's neighbour lists,
            # so the graph can return fewer than asked with no filter to blame: at least half of them
            # is kept as the approximate answer it is, rather than an exact pass over every row.
            return ids[:k].astype(np.int64), sims[:k].astype(np.float32)
        if len(ids) < min(k, n_allowed):  # a selective filter: fall back to exact over the allowed rows
            slots = np.flatnonzero(allowed)
            return _top(slots, self.scores(q, slots), k)
        return ids[:k].astype(np.int64), sims[:k].astype(np.float32)

    def _ann_search(self, q: np.ndarray, fetch: int, allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The graph's ``fetch`` nearest rows to ``q`` (efSearch at least ``fetch``), kept where
        ``allowed``: (slots, cosines), best first."""
        import faiss

        params = faiss.SearchParametersHNSW(efSearch=max(self.config.ef_search, fetch))
        sims, ids = self._ann.search(q[None, :].astype(np.float32), fetch, params=params)
        ids, sims = ids[0], sims[0]
        keep = (ids >= 0) & allowed[np.clip(ids, 0, len(allowed) - 1)]
        return ids[keep], sims[keep]


def _top(slots: np.ndarray, scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    if len(slots) > k:
        part = np.argpartition(-scores, k - 1)[:k]
        slots, scores = slots[part], scores[part]
    order = np.argsort(-scores, kind="stable")
    return slots[order].astype(np.int64), scores[order].astype(np.float32)
