"""holdout_fraction: the per-user random hold-out the benchmarks validate on."""

from __future__ import annotations

import numpy as np

from shopmind.recommend.base import IdMap, Interactions
from shopmind.recommend.benchmark import holdout_fraction


def _data() -> Interactions:
    sizes = [1, 2, 5, 10, 20] * 4  # interactions per user
    users = np.repeat(np.arange(len(sizes)), sizes)
    items = np.concatenate([np.arange(n) for n in sizes])
    user_map, item_map = IdMap(str(u) for u in range(len(sizes))), IdMap(str(i) for i in range(20))
    return Interactions(user_map, item_map, users, items)


def test_floor_by_default_and_round_with_at_least_one() -> None:
    data = _data()
    counts = np.bincount(data.user_idx)
    _, out = holdout_fraction(data, 0.1, seed=3)
    assert np.array_equal(np.bincount(out.user_idx, minlength=len(counts)), np.floor(counts * 0.1))
    fit, out = holdout_fraction(data, 0.1, seed=3, min_one=True)
    want = np.where(counts >= 2, np.maximum(1, np.round(counts * 0.1)), 0)
    assert np.array_equal(np.bincount(out.user_idx, minlength=len(counts)), want)
    assert len(fit) + len(out) == len(data)


def test_max_users_limits_who_gives_items_up() -> None:
    data = _data()
    _, out = holdout_fraction(data, 0.1, seed=3, min_one=True, max_users=5)
    assert len(np.unique(out.user_idx)) == 5
    again = holdout_fraction(data, 0.1, seed=3, min_one=True, max_users=5)[1]
    assert np.array_equal(out.user_idx, again.user_idx) and np.array_equal(out.item_idx, again.item_idx)
