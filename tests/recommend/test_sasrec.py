"""SASRec on synthetic sequences with a planted next-item rule: learns it, uses its seed, reacts to a
new item (the recommender contract is checked for every model in tests/contract)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from shopmind.recommend.base import IdMap, Interactions, Recommender, create
from shopmind.recommend.evaluate import Split, evaluate, leave_one_out, merge
from shopmind.recommend.sasrec import SASRec

N_ITEMS = 60
FAST = {
    "dim": 32,
    "n_heads": 2,
    "max_len": 20,
    "dropout": 0.1,
    "lr": 5e-3,
    "batch_size": 64,
    "epochs": 30,
    "eval_every": 5,
    "patience": 3,
    "n_threads": 1,
}


def planted(n_users: int = 400, seed: int = 0) -> tuple[Interactions, np.ndarray]:
    """Each user walks a hidden permutation: the item after i is ``succ[i]`` (80%) or random (20%).

    Starting items are uniform, so every item is about as popular as any other: most-popular
    cannot guess the next item, a sequence model that learns ``succ`` can.
    """
    rng = np.random.default_rng(seed)
    succ = rng.permutation(N_ITEMS)
    users, items = [], []
    for u in range(n_users):
        seq = [int(rng.integers(N_ITEMS))]
        for _ in range(int(rng.integers(8, 16)) - 1):
            seq.append(int(succ[seq[-1]]) if rng.random() < 0.8 else int(rng.integers(N_ITEMS)))
        users += [u] * len(seq)
        items += seq
    data = Interactions(
        IdMap(f"u{u}" for u in range(n_users)),
        IdMap(f"p{i}" for i in range(N_ITEMS)),
        users,
        items,
        np.arange(len(users)),  # time order = generation order
    )
    return data, succ


@pytest.fixture(scope="module")
def split() -> Split:
    return leave_one_out(planted()[0])


@pytest.fixture(scope="module")
def model(split: Split) -> SASRec:
    return create("sasrec", **FAST).fit(split.train, split.valid)


def test_learns_the_planted_rule_and_beats_popular(split: Split, model: SASRec) -> None:
    popular = create("popular").fit(split.train)
    ours = evaluate(model, split.valid, ks=(10,))["ndcg@10"]
    base = evaluate(popular, split.valid, ks=(10,))["ndcg@10"]
    assert ours > 0.4 and ours > 3 * base, (ours, base)
    model.update_history(merge(split.train, split.valid))  # the test item follows the validation item
    test = evaluate(model, split.test, ks=(10,))
    assert test["hr@10"] > 0.6, test
    assert 1 <= model.best_epoch_ <= model.meta_["epochs"] <= FAST["epochs"]


def test_another_seed_gives_another_model(split: Split) -> None:
    """Same seed -> same model is the contract (tests/contract); here: the seed is actually used."""
    params = FAST | {"epochs": 2}
    users = np.arange(split.train.n_users)
    a = create("sasrec", **params).fit(split.train).score(users)
    c = create("sasrec", **params, seed=1).fit(split.train).score(users)
    assert not np.allclose(a, c)


def test_bce_loss_trains(split: Split) -> None:
    bce = create("sasrec", **FAST | {"loss": "bce", "epochs": 10, "eval_every": 10}).fit(
        split.train, split.valid
    )
    assert evaluate(bce, split.valid, ks=(10,))["ndcg@10"] > 0.3
    with pytest.raises(ValueError, match="loss"):
        create("sasrec", loss="hinge").fit(split.train)


def test_save_load_keeps_sequences_and_item_vectors(split: Split, model: SASRec, tmp_path: Path) -> None:
    loaded = Recommender.load(model.save(tmp_path / "sasrec"))
    np.testing.assert_array_equal(model.item_vectors(), loaded.item_vectors())
    seq = np.array([3, 17, 42])
    np.testing.assert_array_equal(model.score_sequences([seq]), loaded.score_sequences([seq]))


def test_score_sequences_reacts_to_a_new_item(model: SASRec) -> None:
    succ = planted()[1]
    seq = np.array([3, 17, 42])
    before, after = model.score_sequences([seq, np.append(seq, 7)])
    assert not np.allclose(before, after)
    assert int(np.argmax(after)) == succ[7]  # the newest item decides what comes next
    assert model.item_vectors().shape == (N_ITEMS, FAST["dim"])
    assert model.score_sequences([np.zeros(0, dtype=np.int64)]).shape == (1, N_ITEMS)


def test_recommend_for_items(model: SASRec) -> None:
    succ = planted()[1]
    recs = model.recommend_for_items(["p3", "p17", "p7", "new-product"], k=5, exclude=["p0"])
    ids = [i for i, _ in recs]
    assert ids[0] == f"p{succ[7]}"  # (succ[7] is none of the excluded items for this seed)
    assert len(recs) == 5 and not {"p3", "p17", "p7", "p0"} & set(ids)
    assert [s for _, s in recs] == sorted((s for _, s in recs), reverse=True)
    assert model.recommend_for_items(["never-seen"], k=5) == []
