"""Simulated shoppers through the real serving path: the experiment between a personalised recommender
and most-popular finds the personalised one better (interval above 0) within the planned sample size,
and A/A experiments (two copies of one model) call a difference about as rarely as alpha says."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from shopmind.artifacts import ArtifactStore
from shopmind.data.demo import load_demo_shop
from shopmind.data.simulate import DemoConfig
from shopmind.data.simulate_shoppers import Shoppers
from shopmind.data.store import Store
from shopmind.online.experiments import sample_size
from shopmind.online.service import OnlineService
from shopmind.online.simulation import aa_false_positives, pilot_conversion, run_experiment
from shopmind.recommend.service import RecommendationService
from shopmind.recommend.train import train_and_publish

SCALE = 0.1  # 500 customers


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple]:
    tmp: Path = tmp_path_factory.mktemp("sim")
    store = Store(f"sqlite:///{tmp / 'shop.db'}")
    load_demo_shop(store, seed=7, scale=SCALE)
    artifacts = ArtifactStore(tmp / "artifacts")
    versions = {name: train_and_publish(store, name, None, artifacts, force=True).version_dir.name
                for name in ("popular", "itemknn")}  # fmt: skip
    versions["popular copy"] = train_and_publish(
        store, "popular", None, artifacts, force=True
    ).version_dir.name
    online = OnlineService(store, artifacts)
    shoppers = Shoppers(DemoConfig(seed=7, scale=SCALE))
    customers = list(np.random.default_rng(0).permutation(shoppers.customer_ids))
    yield store, RecommendationService(store, artifacts), online, shoppers, versions, customers
    online.close()
    store.dispose()


def test_the_simulator_prefers_what_matches_the_hidden_tastes() -> None:
    shoppers = Shoppers(DemoConfig(seed=7, scale=SCALE))
    c = shoppers.customer_ids[0]
    z = shoppers.relevance(c, shoppers.product_ids)
    best = [shoppers.product_ids[i] for i in np.argsort(-z)[:10]]
    worst = [shoppers.product_ids[i] for i in np.argsort(z)[:10]]
    assert shoppers.conversion(shoppers.relevance(c, best)) > 5 * shoppers.conversion(
        shoppers.relevance(c, worst)
    )
    rng = np.random.default_rng(0)
    clicks = np.zeros(10)
    for _ in range(3000):
        for k in shoppers.visit(rng, np.zeros(10), best).clicked:
            clicks[k - 1] += 1
    assert clicks[0] > 1.6 * clicks[1] > 1.6 * 0.5 * clicks[0] and clicks[0] > 5 * clicks[9]  # position bias


def test_a_personalised_model_beats_most_popular_within_the_planned_sample(sim) -> None:
    store, recs, online, shoppers, versions, customers = sim
    pilot, rest = customers[:100], customers[100:]
    baseline = pilot_conversion(recs, shoppers, pilot, versions["popular"])
    arms = [{"name": "popular", "share": 0.5, "version": versions["popular"]},
            {"name": "itemknn", "share": 0.5, "version": versions["itemknn"]}]  # fmt: skip
    planned = 2 * sample_size(baseline, 0.15)  # up front: two arms of the calculator's size
    assert planned <= len(rest)
    result = run_experiment(
        online, recs, shoppers, arms, rest[:planned], baseline=baseline, min_effect=0.15, seed=1
    )
    assert result["experiment"]["plan"]["sample_size_per_arm"] * 2 == planned
    (cmp,) = result["analysis"]["comparisons"]
    assert cmp["arm"] == "itemknn" and cmp["significant"] and cmp["conversion"]["ci"][0] > 0
    assert not result["srm"]["mismatch"]
    assert "itemknn converts better than popular" in result["verdict"]["en"]


def test_aa_experiments_rarely_find_a_difference(sim) -> None:
    store, recs, online, shoppers, versions, customers = sim
    arms = [{"name": "a", "share": 0.5, "version": versions["popular"]},
            {"name": "b", "share": 0.5, "version": versions["popular copy"]}]  # fmt: skip
    out = aa_false_positives(online, recs, shoppers, arms, customers, repetitions=20, size=200, seed=3)
    assert out["flagged"] <= 3  # alpha 0.05: P(4 or more of 20) < 2 %
    assert 0.2 < float(np.mean(out["p_values"])) < 0.8  # p-values spread, about uniform
