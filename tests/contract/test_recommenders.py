"""The recommender contract, run over every name in the registry: fit returns self, save -> load
gives identical scores, the same seed gives the same model, seen and excluded items are never
recommended, and an unknown name lists the valid ones."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from shopmind.recommend.base import RECOMMENDERS, IdMap, Interactions, Recommender, UnknownModelError
from tests.contract import tiny_config

# per-model settings that keep a fit on the tiny data below short (besides SMALL's epochs and threads)
TINY = {
    "bpr": {"dim": 8, "batch_size": 64},
    "lightgcn": {"dim": 8, "batch_size": 64, "n_layers": 2},
    "sasrec": {"dim": 16, "max_len": 8, "batch_size": 32},
    "itemknn": {"k": 10},
}


@pytest.fixture(scope="module")
def data() -> Interactions:
    """60 users in 3 taste groups, each touching 6 items of its group's 12 and 1 random item."""
    rng = np.random.default_rng(0)
    users, items = [], []
    for u in range(60):
        group = u // 20
        picked = np.unique(np.concatenate([group * 12 + rng.choice(12, 6, replace=False), rng.choice(36, 1)]))
        users += [u] * len(picked)
        items += picked.tolist()
    ts = rng.permutation(len(users))
    return Interactions(
        IdMap(f"u{u}" for u in range(60)), IdMap(f"p{i}" for i in range(36)), users, items, ts
    )


def _fit(name: str, data: Interactions) -> tuple[Recommender, Recommender]:
    model = RECOMMENDERS.create(name, **tiny_config(RECOMMENDERS, name, TINY))
    return model, model.fit(data)


@pytest.fixture(scope="module", params=RECOMMENDERS.names())
def fitted(request: pytest.FixtureRequest, data: Interactions) -> tuple[str, Recommender]:
    name = request.param
    model, returned = _fit(name, data)
    assert returned is model, f"{name}: fit must return self"
    return name, model


def _all_scores(model: Recommender, data: Interactions) -> np.ndarray:
    return np.asarray(model.score(np.arange(data.n_users)), dtype=np.float32)


def test_fit_returns_self_with_the_registered_class(fitted: tuple[str, Recommender]) -> None:
    name, model = fitted  # the fixture asserts that fit returned the model itself
    assert type(model) is RECOMMENDERS.get(name) and model.name == name
    assert isinstance(model.config, type(model).Config)


def test_save_load_gives_identical_scores(
    fitted: tuple[str, Recommender], data: Interactions, tmp_path: Path
) -> None:
    name, model = fitted
    loaded = Recommender.load(model.save(tmp_path / name))
    assert type(loaded) is type(model) and loaded.config == model.config
    np.testing.assert_array_equal(_all_scores(loaded, data), _all_scores(model, data))
    assert loaded.recommend("u3", k=5) == model.recommend("u3", k=5)
    assert loaded.similar("p1", k=5) == model.similar("p1", k=5)


def test_same_seed_same_result(fitted: tuple[str, Recommender], data: Interactions) -> None:
    name, model = fitted
    _, again = _fit(name, data)
    np.testing.assert_array_equal(_all_scores(again, data), _all_scores(model, data))
    assert again.recommend("u7", k=5) == model.recommend("u7", k=5)


def test_never_recommends_seen_or_excluded_items(fitted: tuple[str, Recommender], data: Interactions) -> None:
    _, model = fitted
    seen = data.csr()
    for u in range(0, data.n_users, 6):
        user = data.users.ids[u]
        touched = set(data.items.to_id(seen[u].indices))
        everything = [item for item, _ in model.recommend(user, k=data.n_items)]
        assert everything and not touched & set(everything)
        assert len(everything) == len(set(everything))
        exclude = [*everything[:3], next(iter(touched))]
        rest = [item for item, _ in model.recommend(user, k=data.n_items, exclude=exclude)]
        assert set(rest) == set(everything) - set(exclude)
        top = model.recommend(user, k=4, exclude=exclude)
        assert len(top) == 4 and not {i for i, _ in top} & (touched | set(exclude))
        assert [s for _, s in top] == sorted((s for _, s in top), reverse=True)
    similar = [item for item, _ in model.similar("p5", k=10)]
    assert similar and "p5" not in similar


def test_unknown_name_lists_the_valid_names() -> None:
    with pytest.raises(UnknownModelError) as info:
        RECOMMENDERS.create("no-such-model")
    assert isinstance(info.value, KeyError)
    assert all(name in str(info.value) for name in RECOMMENDERS.names())
