"""Embedding caches: an encoder's vectors kept by text, so that an unchanged text is never encoded twice.

Two implementations of one interface (``passages``, ``queries``, ``lookup``, ``close``):

- :class:`EmbeddingCache`: a local SQLite file (library use, benchmarks, a single process).
- :class:`StoreEmbeddingCache`: the store's ``embeddings`` table (SQLite or PostgreSQL), shared by
  every replica and worker: a text one process encoded is read, not encoded, by all the others.

Both remember the last 4,096 query vectors in memory, and encode a text that occurs twice in one call
once.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from shopmind.data.store import Store
    from shopmind.text.encoder import Encoder

QUERY_KIND = "query\0"  # passages are keyed by their text, queries by this prefix + their text
RECENT_QUERIES = 4096


class VectorCache:
    """The shared logic: look up, encode what is missing in batches, save, remember recent queries.

    Subclasses say where vectors live: ``_load(keys) -> {key: vector}`` and ``_save({key: vector})``.
    """

    def __init__(self, encoder: Encoder) -> None:
        self.encoder = encoder
        self.encoded = 0  # texts this cache has encoded (not found stored)
        self._lock = threading.Lock()
        self._recent: dict[str, np.ndarray] = {}  # query text -> vector (bounded)

    def _key(self, text: str, kind: str) -> str:
        raise NotImplementedError

    def _load(self, keys: list[str]) -> dict[str, np.ndarray]:
        raise NotImplementedError

    def _save(self, vectors: dict[str, np.ndarray]) -> None:
        raise NotImplementedError

    def passages(self, texts: Sequence[str], batch_size: int = 256) -> np.ndarray:
        """(N, D) vectors for ``texts``, encoding only the ones not stored yet."""
        return self._cached(texts, "", self.encoder.encode_passages, batch_size)

    def queries(self, texts: Sequence[str], batch_size: int = 256, persist: bool = True) -> np.ndarray:
        """(N, D) query vectors (encoded with the query prefix), kept in memory (the last 4,096) and,
        with ``persist``, stored like passages (evaluations; serving skips the write)."""
        hits = [self._recent.get(t) for t in texts]
        if all(h is not None for h in hits):
            return np.stack(hits) if hits else self._empty()
        if persist:
            out = self._cached(texts, QUERY_KIND, self.encoder.encode_queries, batch_size)
        else:
            out = self.encoder.encode_queries(list(texts))
            self.encoded += len(texts)
        with self._lock:
            for t, v in zip(texts, out, strict=True):
                self._recent[t] = v
                if len(self._recent) > RECENT_QUERIES:
                    self._recent.pop(next(iter(self._recent)))
        return out

    def lookup(self, texts: Sequence[str]) -> list[np.ndarray | None]:
        """The stored passage vector of each text, None where there is none (never encodes)."""
        keys = [self._key(t, "") for t in texts]
        found = self._load(list(dict.fromkeys(keys)))
        return [found.get(k) for k in keys]

    def _cached(self, texts: Sequence[str], kind: str, encode: Callable, batch_size: int) -> np.ndarray:
        if not texts:
            return self._empty()
        keys = [self._key(t, kind) for t in texts]
        found = self._load(list(dict.fromkeys(keys)))
        todo = list({k: i for i, k in enumerate(keys) if k not in found}.values())  # one text per key
        for start in range(0, len(todo), batch_size):
            idx = todo[start : start + batch_size]
            vecs = np.asarray(encode([texts[i] for i in idx]), dtype=np.float32)
            fresh = {keys[i]: v for i, v in zip(idx, vecs, strict=True)}
            self._save(fresh)
            self.encoded += len(idx)
            found.update(fresh)
        return np.stack([found[k] for k in keys]).astype(np.float32)

    def _empty(self) -> np.ndarray:
        return np.zeros((0, self.encoder.dim), dtype=np.float32)

    def close(self) -> None:
        """Release files or connections (the cache must not be used afterwards)."""


class EmbeddingCache(VectorCache):
    """Vectors in a local SQLite file (``":memory:"`` for none), keyed by (encoder, text)."""

    def __init__(self, path: str | Path, encoder: Encoder) -> None:
        super().__init__(encoder)
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, timeout=30)
        self._db.execute("CREATE TABLE IF NOT EXISTS vec (key TEXT PRIMARY KEY, v BLOB NOT NULL)")

    def _key(self, text: str, kind: str) -> str:
        return hashlib.sha1(f"{self.encoder.name}\0{kind}{text}".encode()).hexdigest()

    def _load(self, keys: list[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for i in range(0, len(keys), 900):
                chunk = keys[i : i + 900]
                rows = self._db.execute(
                    f"SELECT key, v FROM vec WHERE key IN ({','.join('?' * len(chunk))})", chunk
                ).fetchall()
                found.update({k: np.frombuffer(v, dtype=np.float32) for k, v in rows})
        return found

    def _save(self, vectors: dict[str, np.ndarray]) -> None:
        with self._lock:
            self._db.executemany(
                "INSERT OR REPLACE INTO vec VALUES (?, ?)",
                [(k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in vectors.items()],
            )
            self._db.commit()

    def close(self) -> None:
        self._db.close()


class StoreEmbeddingCache(VectorCache):
    """Vectors in the store's ``embeddings`` table, shared by every process on the same database."""

    def __init__(self, store: Store, encoder: Encoder) -> None:
        super().__init__(encoder)
        self.store = store

    def _key(self, text: str, kind: str) -> str:
        return hashlib.sha1(f"{kind}{text}".encode()).hexdigest()

    def _load(self, keys: list[str]) -> dict[str, np.ndarray]:
        rows = self.store.embeddings(self.encoder.name, keys)
        return {k: np.frombuffer(v, dtype="<f4") for k, v in rows.items()}

    def _save(self, vectors: dict[str, np.ndarray]) -> None:
        blobs = {k: np.asarray(v, dtype="<f4").tobytes() for k, v in vectors.items()}
        self.store.add_embeddings(self.encoder.name, self.encoder.dim, blobs)
