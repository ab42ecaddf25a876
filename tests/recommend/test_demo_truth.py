"""On the demo shop, recommendations recover the simulated customers' latent tastes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from shopmind.artifacts import ArtifactStore
from shopmind.data.demo import load_demo_shop
from shopmind.data.simulate import DemoTruth
from shopmind.data.store import Store
from shopmind.recommend.service import RecommendationService
from shopmind.recommend.train import train_and_publish


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, DemoTruth, Path]:
    tmp = tmp_path_factory.mktemp("demo")
    store = Store(f"sqlite:///{tmp / 'demo.db'}")
    load_demo_shop(store, seed=11, scale=0.2, truth_path=tmp / "truth.json")
    return store, DemoTruth.from_json(tmp / "truth.json"), tmp


# Settings that train each model in seconds on this slice (1,000 customers, ~60k events) on 2 cores.
PARAMS: dict[str, dict] = {
    "itemknn": {},
    "sasrec": {"max_len": 20, "batch_size": 32, "lr": 5e-3, "dropout": 0.2, "epochs": 6, "n_threads": 2},
    "lightgcn": {"dim": 32, "n_layers": 2, "batch_size": 2048, "lr": 1e-2, "epochs": 20, "n_threads": 2},
}


@pytest.mark.parametrize("model", list(PARAMS))
def test_recommendations_land_in_the_customers_preferred_categories(demo, model: str) -> None:
    store, truth, tmp = demo
    root = tmp / f"artifacts-{model}"
    result = train_and_publish(store, model, PARAMS[model], ArtifactStore(root))
    popular = train_and_publish(store, "popular", None, ArtifactStore(tmp / "artifacts-popular"))
    assert result.metrics["test_ndcg@10"] > popular.metrics["test_ndcg@10"]
    service = RecommendationService(store, ArtifactStore(root))
    rng = np.random.default_rng(0)
    customers = rng.choice(truth.customer_ids, size=60, replace=False)
    leaf = {pid: cat for pid, cat in zip(truth.product_ids, truth.product_category, strict=True)}
    hit, base = [], []
    for cid in customers:
        top3 = set(truth.top_categories(cid, 3))
        items = service.recommend(str(cid), k=10)["items"]
        hit.append(np.mean([leaf[i["product_id"]] in top3 for i in items]))
        base.append(3 / len(truth.leaf_categories))
    # At random 3 of the leaf categories would get ~3/n of the list; the model must do far better.
    assert np.mean(hit) > 0.6 and np.mean(hit) > 3 * np.mean(base)
