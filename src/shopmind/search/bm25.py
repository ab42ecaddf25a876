"""Lexical retrieval: BM25 over weighted fields (a simple BM25F), with incremental add and delete.

For a query term t and document d with fields f of weight w_f::

    tf~(t, d) = sum_f w_f * count_f(t, d)          len~(d) = sum_f w_f * len_f(d)
    score(d)  = sum_t q_t * idf(t) * tf~ (k1 + 1) / (tf~ + k1 (1 - b + b len~(d) / avg len~))
    idf(t)    = ln(1 + (N - df(t) + 0.5) / (df(t) + 0.5))

(Robertson & Zaragoza, "The Probabilistic Relevance Framework: BM25 and Beyond", 2009.)
``q_t`` is the query-side weight (1 for typed words, less for synonyms and corrections).

Postings are appended as documents arrive; a deleted document is marked dead and its statistics
are taken out at once, and dead postings are swept out when they pass a share of the total.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class BM25Config:
    """BM25F parameters and field weights."""

    k1: float = 1.2  # term-frequency saturation
    b: float = 0.75  # document-length normalisation
    title: float = 3.0  # weight of the product title
    brand: float = 2.0  # weight of the brand
    category: float = 1.5  # weight of the category path (both languages)
    attributes: float = 1.0  # weight of attribute values (colour, material …)
    description: float = 0.5  # weight of the description
    sweep_dead: float = 0.3  # share of dead postings that triggers a sweep

    def weight(self, field: str) -> float:
        return float(getattr(self, field))


FIELDS = ("title", "brand", "category", "attributes", "description")


class BM25Index:
    """Weighted-field BM25 over integer slots."""

    def __init__(self, config: BM25Config | None = None) -> None:
        self.config = config or BM25Config()
        self._post: dict[str, tuple[list[int], list[float]]] = {}
        self._arrays: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._doc_terms: dict[int, tuple[str, ...]] = {}
        self._len = np.zeros(1024, dtype=np.float32)  # weighted length by slot (0 for dead)
        self.df_: Counter[str] = Counter()
        self._total_len = 0.0
        self._n_postings = 0
        self._n_dead_postings = 0

    @property
    def n_docs(self) -> int:
        return len(self._doc_terms)

    def add(self, slot: int, fields: dict[str, list[str]]) -> None:
        """Index the tokens of one document's fields at a new ``slot``."""
        tf: dict[str, float] = {}
        length = 0.0
        for name, tokens in fields.items():
            w = self.config.weight(name)
            length += w * len(tokens)
            for t in tokens:
                tf[t] = tf.get(t, 0.0) + w
        if slot >= len(self._len):
            self._len = np.concatenate([self._len, np.zeros(max(slot + 1, len(self._len)), np.float32)])
        self._len[slot] = length
        self._total_len += length
        self._doc_terms[slot] = tuple(tf)
        for term, value in tf.items():
            post = self._post.get(term)
            if post is None:
                post = self._post[term] = ([], [])
            post[0].append(slot)
            post[1].append(value)
            self._arrays.pop(term, None)
            self.df_[term] += 1
        self._n_postings += len(tf)

    def delete(self, slot: int) -> None:
        terms = self._doc_terms.pop(slot, None)
        if terms is None:
            return
        self._total_len -= float(self._len[slot])
        self._len[slot] = 0.0
        for term in terms:
            self.df_[term] -= 1
            if self.df_[term] <= 0:
                del self.df_[term]
        self._n_dead_postings += len(terms)
        if self._n_dead_postings > self.config.sweep_dead * max(self._n_postings, 1):
            self._sweep()

    def _sweep(self) -> None:
        """Drop the postings of dead slots."""
        live = self._doc_terms
        for term in list(self._post):
            slots, values = self._post[term]
            kept = [(s, v) for s, v in zip(slots, values, strict=True) if s in live]
            if kept:
                self._post[term] = ([s for s, _ in kept], [v for _, v in kept])
            else:
                del self._post[term]
        self._arrays.clear()
        self._n_postings -= self._n_dead_postings
        self._n_dead_postings = 0

    def _postings(self, term: str) -> tuple[np.ndarray, np.ndarray] | None:
        arr = self._arrays.get(term)
        if arr is None:
            post = self._post.get(term)
            if post is None:
                return None
            arr = (np.asarray(post[0], dtype=np.int64), np.asarray(post[1], dtype=np.float32))
            self._arrays[term] = arr
        return arr

    def has(self, term: str, n_slots: int) -> np.ndarray:
        """(n_slots,) whether each slot's document has ``term`` (slots past ``n_slots`` — added since a
        request's snapshot — are left out; a dead slot may still read True: AND with the live slots)."""
        out = np.zeros(n_slots, dtype=bool)
        post = self._postings(term) if self.df_.get(term, 0) > 0 else None
        if post is not None:
            slots = post[0]
            out[slots[slots < n_slots]] = True
        return out

    def idf(self, term: str) -> float:
        df = self.df_.get(term, 0)
        n = max(self.n_docs, 1)
        return float(np.log1p((n - df + 0.5) / (df + 0.5)))

    def scores(self, query: dict[str, float], n_slots: int) -> np.ndarray:
        """(n_slots,) BM25 scores of every slot for weighted query terms (0 where nothing matched)."""
        out = np.zeros(n_slots, dtype=np.float32)
        if not self.n_docs:
            return out
        k1, b = self.config.k1, self.config.b
        avg = self._total_len / self.n_docs
        lengths = self._len
        matched = False
        for term, qw in query.items():
            if self.df_.get(term, 0) <= 0:
                continue
            post = self._postings(term)
            if post is None:
                continue
            slots, tf = post
            matched = True
            norm = k1 * (1.0 - b + b * lengths[slots] / avg)
            out[slots] += qw * self.idf(term) * tf * (k1 + 1.0) / (tf + norm)
        # dead slots have length 0 and are never in _doc_terms; their stale postings are zeroed here
        if self._n_dead_postings and matched:
            m = min(n_slots, len(lengths))
            out[:m][lengths[:m] == 0] = 0.0
        return out
