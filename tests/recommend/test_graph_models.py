"""LightGCN, BPR-MF and item-kNN on a synthetic shop with planted taste clusters (the recommender
contract — save/load, seeds, seen items — is checked for every model in tests/contract)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from shopmind.recommend.base import IdMap, Interactions, Recommender, create
from shopmind.recommend.evaluate import Split, evaluate, leave_one_out
from shopmind.recommend.itemknn import knn_similarity
from shopmind.recommend.sampling import BPRSampler

FAST = {
    "lightgcn": {"dim": 16, "lr": 0.02, "batch_size": 256, "epochs": 40, "eval_every": 5, "n_threads": 1},
    "bpr": {"dim": 16, "lr": 0.02, "batch_size": 256, "epochs": 40, "eval_every": 5, "n_threads": 1},
    "itemknn": {"k": 20, "shrink": 2.0},
}


def planted(n_clusters: int = 4, users_per: int = 80, items_per: int = 40, seed: int = 0) -> Interactions:
    """Users in clusters, each liking one block of items (Zipf-popular within the block), plus noise.

    The global most-popular list mixes all blocks, so it is a weak baseline; a model that finds a
    user's block ranks that block's unseen items first.
    """
    rng = np.random.default_rng(seed)
    n_items = n_clusters * items_per
    within = 1.0 / np.arange(1, items_per + 1) ** 0.7
    within /= within.sum()
    rows_u, rows_i = [], []
    for c in range(n_clusters):
        for u in range(c * users_per, (c + 1) * users_per):
            liked = c * items_per + rng.choice(items_per, size=10, replace=False, p=within)
            noise = rng.choice(n_items, size=2, replace=False)
            items = np.unique(np.concatenate([liked, noise]))
            rows_u += [u] * len(items)
            rows_i += list(items)
    n_users = n_clusters * users_per
    ts = rng.permutation(len(rows_u))  # random order: the held-out items are random
    return Interactions(
        IdMap(f"u{u}" for u in range(n_users)), IdMap(f"p{i}" for i in range(n_items)), rows_u, rows_i, ts
    )


@pytest.fixture(scope="module")
def split() -> Split:
    return leave_one_out(planted())


@pytest.fixture(scope="module")
def fitted(split: Split) -> dict[str, Recommender]:
    return {
        name: create(name, **FAST.get(name, {})).fit(split.train, split.valid) for name in [*FAST, "popular"]
    }


def test_learned_models_beat_popular(split: Split, fitted: dict[str, Recommender]) -> None:
    ndcg = {name: evaluate(model, split.test, ks=(10,))["ndcg@10"] for name, model in fitted.items()}
    for name in FAST:
        assert ndcg[name] > 1.5 * ndcg["popular"], ndcg
        assert ndcg[name] > 0.2, ndcg


def test_early_stopping_keeps_history(fitted: dict[str, Recommender]) -> None:
    meta = fitted["lightgcn"].meta_
    assert 1 <= meta["best_epoch"] <= meta["epochs"] <= 40
    validated = [row for row in meta["history"] if "ndcg@20" in row]
    assert validated and max(r["ndcg@20"] for r in validated) > 0.2


@pytest.mark.parametrize("name", ["bpr", "lightgcn"])
def test_another_seed_gives_another_model(name: str, split: Split) -> None:
    """Same seed -> same model is the contract (tests/contract); here: the seed is actually used."""
    params = FAST[name] | {"epochs": 3}
    users = np.arange(split.train.n_users)
    a = create(name, **params).fit(split.train).score(users)
    c = create(name, **params, seed=1).fit(split.train).score(users)
    assert not np.array_equal(a, c)


def test_similar_items_share_the_block(fitted: dict[str, Recommender]) -> None:
    for name in ("lightgcn", "bpr"):
        same = [int(item[1:]) // 40 == 0 for item, _ in fitted[name].similar("p0", k=10)]
        assert sum(same) >= 8, name


def test_lightgcn_svd_init_and_progress(split: Split) -> None:
    rows = []
    model = create("lightgcn", **FAST["lightgcn"] | {"init": "svd", "epochs": 5})
    model.progress = rows.append
    model.fit(split.train, split.valid)
    assert [r["epoch"] for r in rows] == [1, 2, 3, 4, 5] and "ndcg@20" in rows[-1]
    assert evaluate(model, split.test, ks=(10,))["ndcg@10"] > 0.2
    with pytest.raises(ValueError, match="init"):
        create("lightgcn", init="xavier", epochs=1).fit(split.train)


def test_sampler_negatives_and_epoch_coverage() -> None:
    R = sp.random(50, 30, density=0.3, format="csr", random_state=0)
    R.data[:] = 1
    sampler = BPRSampler(R, n_neg=3, seed=0)
    pairs = []
    for users, pos, neg in sampler.batches(64):
        assert neg.shape == (len(users), 3)
        assert R[users, pos].all() and not R[users[:, None], neg].toarray().any()
        pairs += list(zip(users.tolist(), pos.tolist(), strict=True))
    assert sorted(pairs) == sorted(zip(*R.nonzero(), strict=True))  # every pair once per epoch
    # the same seed repeats the same epoch
    first = [np.concatenate(b) for b in zip(*BPRSampler(R, seed=5).batches(64), strict=True)]
    second = [np.concatenate(b) for b in zip(*BPRSampler(R, seed=5).batches(64), strict=True)]
    assert all(np.array_equal(x, y) for x, y in zip(first, second, strict=True))


def test_user_uniform_sampler_weighs_every_user_the_same() -> None:
    """mode="users" (LightGCN's code): a heavy user is drawn as often as a light one, and every
    drawn pair is one of the user's own items."""
    rows = [0] * 25 + [1, 2, 3, 4, 5]  # user 0 has 25 items, users 1-5 one each; user 6 none
    cols = list(range(25)) + [25, 26, 27, 28, 29]
    R = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(7, 40))
    counts = np.zeros(7)
    for _ in range(200):
        for users, pos, neg in BPRSampler(R, n_neg=2, seed=_, mode="users").batches(16):
            assert len(users) <= 16 and R[users, pos].all() and not R[users[:, None], neg].toarray().any()
            counts += np.bincount(users, minlength=7)
    assert counts.sum() == 200 * 30 and counts[6] == 0  # an epoch has as many triples as pairs
    share = counts[:6] / counts.sum()
    assert np.all(np.abs(share - 1 / 6) < 0.02)  # pairs mode would give user 0 a share of 25/30
    with pytest.raises(ValueError, match="pairs"):
        BPRSampler(R, mode="items")


def test_knn_similarity_matches_brute_force() -> None:
    rng = np.random.default_rng(0)
    X = (rng.random((40, 25)) < 0.2).astype(np.float32)
    shrink, k = 3.0, 4
    n = X.sum(0)
    sim = (X.T @ X) / (np.sqrt(n)[:, None] * np.sqrt(n)[None, :] + shrink)
    np.fill_diagonal(sim, 0)
    W = knn_similarity(sp.csr_matrix(X), k=k, shrink=shrink, block_size=7).toarray()
    for i in range(25):
        col = W[:, i]
        assert (col > 0).sum() <= k
        np.testing.assert_allclose(col[col > 0], sim[col > 0, i], rtol=1e-5)
        assert col[col > 0].min(initial=np.inf) >= np.sort(sim[:, i])[-k] - 1e-6
