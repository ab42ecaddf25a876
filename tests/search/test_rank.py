"""Fusion and business rules."""

from __future__ import annotations

import numpy as np

from shopmind.search.rank import FusionConfig, apply_rules, fuse, ranks, rrf


def test_rrf_rewards_agreement() -> None:
    a = np.array([1.0, 2.0, 3.0, np.inf])
    b = np.array([3.0, 2.0, 1.0, 1.0])
    fused = rrf([a, b], k=60)
    assert fused[1] > fused[0] * 0.99 and fused[3] < fused[2]
    assert np.allclose(ranks(np.array([0.1, 0.9, 0.5])), [3, 1, 2])


def test_blend_alpha_moves_between_retrievers() -> None:
    lex = np.array([10.0, 0.0, 5.0])
    dense = np.array([0.80, 0.90, 0.85])
    in_dense = np.array([True, True, True])
    assert np.argmax(fuse(lex, dense, in_dense, FusionConfig(alpha=1.0))) == 0
    assert np.argmax(fuse(lex, dense, in_dense, FusionConfig(alpha=0.0))) == 1
    r = fuse(lex, dense, in_dense, FusionConfig(method="rrf"))
    assert r.max() <= 1.0 + 1e-9 and np.argmin(r) == 1  # no lexical match and only 2nd by dense


def test_rules_pins_stock_and_personal_boost() -> None:
    slots = np.array([0, 1, 2, 3])
    scores = np.array([0.9, 0.8, 0.7, 0.6])
    in_stock = np.array([False, True, True, True])
    s, _ = apply_rules(slots, scores, in_stock)
    assert s.tolist() == [1, 2, 3, 0]  # in stock first, relevance order kept
    s, _ = apply_rules(slots, scores, in_stock, pinned=[3, 7])
    assert s.tolist()[:2] == [3, 7]
    s, _ = apply_rules(slots, scores, in_stock, personal={3: 1.0}, personal_weight=0.5)
    assert s.tolist()[0] == 3


def test_second_encoder_takes_its_share_of_the_dense_part() -> None:
    lex = np.array([0.0, 0.0, 0.0])
    dense = np.array([0.90, 0.80, 0.70])
    extra = np.array([0.10, 0.50, 0.90])
    hit = np.array([True, True, True])
    only_first = FusionConfig(alpha=0.0, extra_weight=0.0)
    only_extra = FusionConfig(alpha=0.0, extra_weight=1.0)
    assert np.argmax(fuse(lex, dense, hit, only_first, extra, hit)) == 0
    assert np.argmax(fuse(lex, dense, hit, only_extra, extra, hit)) == 2
    # without the second encoder's cosines (a Chinese query) the weight is ignored
    assert np.allclose(fuse(lex, dense, hit, only_extra), fuse(lex, dense, hit, only_first))
    r = fuse(lex + np.array([1.0, 0, 0]), dense, hit, FusionConfig(method="rrf"), extra, hit)
    assert r.max() <= 1.0 + 1e-9 and np.argmax(r) == 0  # first in all three lists
