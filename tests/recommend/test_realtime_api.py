"""Real time over HTTP: events posted for a customer change their next recommendations, no retraining."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from shopmind.api.app import create_app
from shopmind.artifacts import ArtifactStore
from shopmind.config import Settings
from shopmind.data.demo import load_demo_shop
from shopmind.data.simulate import DemoTruth
from shopmind.data.store import Store
from shopmind.engine import Engine
from shopmind.recommend.base import create
from shopmind.recommend.data import interactions_from_store
from shopmind.recommend.train import KIND
from tests.conftest import LiveServer

# A small, quick SASRec: short sequences, small batches, a higher learning rate, few epochs.
FAST_SASREC = {"max_len": 20, "batch_size": 32, "lr": 5e-3, "dropout": 0.2, "epochs": 6, "n_threads": 2}


@pytest.fixture
def live_demo(tmp_path: Path) -> Iterator[tuple[httpx.Client, dict, dict, Store, DemoTruth, str]]:
    store = Store(f"sqlite:///{tmp_path / 'demo.db'}")
    load_demo_shop(store, seed=11, scale=0.1, truth_path=tmp_path / "truth.json")
    model = create("sasrec", **FAST_SASREC).fit(interactions_from_store(store))  # no split: just serve it
    settings = Settings()
    version = ArtifactStore(settings.artifacts_dir).save_version(KIND, "sasrec", model.save)
    admin = {"X-API-Key": store.create_api_key("admin", "test admin")}
    shop = {"X-API-Key": store.create_api_key("storefront", "test shop")}
    app = create_app(Engine(settings, store))
    try:
        with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=30) as client:
            yield (
                client,
                admin,
                shop,
                store,
                DemoTruth.from_json(tmp_path / "truth.json"),
                version.name,
            )
    finally:
        store.dispose()


def test_posted_events_pull_the_next_recommendations_towards_their_category(live_demo) -> None:
    client, admin, shop, store, truth, version = live_demo
    products = store.frame("products", columns=["product_id", "category", "stock"])
    in_stock = products[products["stock"] > 0]
    sizes = in_stock["category"].value_counts()
    customer = truth.customer_ids[0]
    liked = set(truth.top_categories(customer, 4))
    # the storefront key alone may not read a stored customer's list: the customer logs in first
    assert client.get(f"/recommendations/{customer}", headers=shop).status_code == 403
    email = store.get_customer(customer)["email"]
    login = client.post("/shop/login", json={"customer_id": customer, "email": email}, headers=shop)
    shop = shop | {"X-Customer-Token": login.json()["token"]}

    before = client.get(f"/recommendations/{customer}", params={"k": 10}, headers=shop).json()
    assert before["source"] == "sasrec (real time)" and before["version"] == version
    shown = Counter(item["category"] for item in before["items"])
    # a category the customer neither prefers nor is being shown, with enough products to move to
    target = next(c for c in sizes.index if c not in liked and shown[c] == 0 and sizes[c] >= 8)
    posted = in_stock.loc[in_stock["category"] == target, "product_id"].head(4).tolist()

    last = store.frame("events", columns=["ts"])["ts"].max()
    events = [
        {
            "customer_id": customer,
            "type": "view",
            "product_id": pid,
            "ts": (last + timedelta(minutes=n + 1)).isoformat(),
        }
        for n, pid in enumerate(posted)
    ]
    assert client.post("/events", json=events, headers=admin).json()["written"] == len(events)

    after = client.get(f"/recommendations/{customer}", params={"k": 10}, headers=shop).json()
    assert after["version"] == version  # the same published model: nothing was retrained
    fresh = [i for i in after["items"] if i["category"] == target and i["product_id"] not in posted]
    # none of the target category before; now several of its *other* products (not just the ones viewed)
    assert len(fresh) >= 3, [i["category"] for i in after["items"]]
