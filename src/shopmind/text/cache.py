"""Embedding caches: an encoder's vectors kept by text, so that an unchanged text is never encoded twice.

Two implementations of one interface (``passages``, ``queries``, ``lookup``, ``close``):

- :class:`EmbeddingCache`: a local SQLite file (library use, benchmarks, a single process).
- :class:`StoreEmbeddingCache`: the store's ``embeddings`` table (SQLite or PostgreSQL), shared by
  every replica and worker: a text one process encoded is read, not encoded, by all the others.

Both remember the last 4,096 query vectors in memory, and encode a text that occurs twice in one call
once. A cache built with ``workers > 1`` encodes a large batch of missing texts (at least
:data:`PARALLEL_MIN`) in that many worker processes, for encoders that say it helps
(``Encoder.parallel``: one single-threaded engine per process, no threads spinning against each
other on a busy machine); the vectors are the same as one process's.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from shopmind.data.store import Store
    from shopmind.text.encoder import Encoder

log = logging.getLogger(__name__)

QUERY_KIND = "query\0"  # passages are keyed by their text, queries by this prefix + their text
RECENT_QUERIES = 4096
PARALLEL_MIN = 1000  # missing texts below which worker processes cost more to start than they save
MAX_WORKERS = 4


def default_workers() -> int:
    """Encoding processes for a large batch: one per CPU core this process may use, at most 4."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    return max(1, min(MAX_WORKERS, cores))


class VectorCache:
    """The shared logic: look up, encode what is missing in batches, save, remember recent queries.

    Subclasses say where vectors live: ``_load(keys) -> {key: vector}`` and ``_save({key: vector})``.
    """

    def __init__(self, encoder: Encoder, workers: int = 1) -> None:
        self.encoder = encoder
        # processes for a large batch of missing texts (0: default_workers())
        self.workers = default_workers() if int(workers) == 0 else max(1, int(workers))
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
        batches = [todo[start : start + batch_size] for start in range(0, len(todo), batch_size)]
        chunks = [[texts[i] for i in idx] for idx in batches]
        start, done, step = time.perf_counter(), 0, max(1000, len(todo) // 10)
        for idx, vecs in zip(batches, self._encode_batches(chunks, kind, encode), strict=True):
            fresh = {keys[i]: v for i, v in zip(idx, np.asarray(vecs, dtype=np.float32), strict=True)}
            self._save(fresh)
            self.encoded += len(idx)
            found.update(fresh)
            if len(todo) >= PARALLEL_MIN and (done + len(idx)) // step > done // step:
                log.info(
                    "encoded %d of %d texts with %s in %.0f s",
                    done + len(idx),
                    len(todo),
                    self.encoder.name,
                    time.perf_counter() - start,
                )
            done += len(idx)
        return np.stack([found[k] for k in keys]).astype(np.float32)

    def _encode_batches(self, chunks: list[list[str]], kind: str, encode: Callable):
        """Vectors of each chunk, in order: here, or in worker processes for a large batch."""
        total = sum(len(c) for c in chunks)
        workers = min(self.workers, len(chunks))
        if workers < 2 or total < PARALLEL_MIN or not getattr(self.encoder, "parallel", False):
            for chunk in chunks:
                yield encode(chunk)
            return
        from shopmind.text.encode_worker import WorkerPool

        log.info("encoding %d texts with %s in %d processes", total, self.encoder.name, workers)
        done = 0
        try:
            with WorkerPool(self.encoder.name, kind == QUERY_KIND, workers) as pool:
                for vecs in pool.map(chunks):
                    done += 1
                    yield vecs
        except (OSError, RuntimeError) as exc:
            log.warning("encoding processes failed (%s); encoding the rest in this process", exc)
            for chunk in chunks[done:]:
                yield encode(chunk)

    def _empty(self) -> np.ndarray:
        return np.zeros((0, self.encoder.dim), dtype=np.float32)

    def close(self) -> None:
        """Release files or connections (the cache must not be used afterwards)."""


class EmbeddingCache(VectorCache):
    """Vectors in a local SQLite file (``":memory:"`` for none), keyed by (encoder, text)."""

    def __init__(self, path: str | Path, encoder: Encoder, workers: int = 1) -> None:
        super().__init__(encoder, workers)
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

    def __init__(self, store: Store, encoder: Encoder, workers: int = 1) -> None:
        super().__init__(encoder, workers)
        self.store = store

    def _key(self, text: str, kind: str) -> str:
        return hashlib.sha1(f"{kind}{text}".encode()).hexdigest()

    def _load(self, keys: list[str]) -> dict[str, np.ndarray]:
        rows = self.store.embeddings(self.encoder.name, keys)
        return {k: np.frombuffer(v, dtype="<f4") for k, v in rows.items()}

    def _save(self, vectors: dict[str, np.ndarray]) -> None:
        blobs = {k: np.asarray(v, dtype="<f4").tobytes() for k, v in vectors.items()}
        self.store.add_embeddings(self.encoder.name, self.encoder.dim, blobs)
