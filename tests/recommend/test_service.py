"""Serving: filters, exclusions, cold start, a fallback for similar products of new products, atomic
version switch."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from shopmind.artifacts import ArtifactStore
from shopmind.data.ingest import ingest_records
from shopmind.data.store import NotFoundError, Store
from shopmind.recommend.service import RecommendationService
from shopmind.recommend.train import KIND, train_and_publish

CATS = ["Clothing > Dresses", "Electronics > Earbuds"]
T0 = datetime(2025, 6, 1, tzinfo=UTC)


@pytest.fixture
def shop(sqlite_store: Store) -> Store:
    """40 products in two categories; even customers like dresses, odd ones earbuds."""
    rng = np.random.default_rng(0)
    products = [
        {
            "product_id": f"P{i:02d}",
            "title": ("Floral summer dress " if i < 20 else "Wireless earbuds ") + str(i),
            "category": CATS[i >= 20],
            "price": 10.0 + i,
            "stock": 0 if i in (3, 23) else 5,
        }
        for i in range(40)
    ]
    ingest_records(sqlite_store, "products", products)
    events = []
    for c in range(30):
        block = range(0, 20) if c % 2 == 0 else range(20, 40)
        for n, item in enumerate(rng.choice(list(block), size=8, replace=False)):
            events.append(
                {
                    "customer_id": f"C{c:02d}",
                    "type": "view",
                    "product_id": f"P{item:02d}",
                    "ts": (T0 + timedelta(hours=c * 10 + n)).isoformat(),
                }
            )
    ingest_records(sqlite_store, "events", events)
    ingest_records(
        sqlite_store,
        "orders",
        [
            {
                "order_id": "O1",
                "customer_id": "C00",
                "placed_at": T0.isoformat(),
                "status": "delivered",
                "items": [{"product_id": "P05", "unit_price": 15.0}],
            }
        ],
    )
    return sqlite_store


def test_recommendations_follow_taste_and_respect_filters(shop: Store, tmp_path: Path) -> None:
    result = train_and_publish(shop, "itemknn", None, ArtifactStore(tmp_path))
    assert result.metrics["test_hr@10"] > 0 and (result.version_dir / "meta.json").exists()
    service = RecommendationService(shop, ArtifactStore(tmp_path))
    recs = service.recommend("C00", k=10)
    ids = [r["product_id"] for r in recs["items"]]
    assert recs["source"] == "itemknn" and len(ids) == 10
    assert sum(r["category"] == CATS[0] for r in recs["items"]) >= 8  # C00 likes dresses
    assert "P05" not in ids and "P03" not in ids  # bought, out of stock
    cheap = service.recommend("C01", k=5, category="Electronics", max_price=40)["items"]
    assert cheap and all(r["category"] == CATS[1] and r["price"] <= 40 for r in cheap)


def test_cold_start_new_customer_gets_trending_then_session_recommendations(
    shop: Store, tmp_path: Path
) -> None:
    train_and_publish(shop, "itemknn", None, ArtifactStore(tmp_path))
    service = RecommendationService(shop, ArtifactStore(tmp_path))
    assert service.recommend("NEW", k=5)["source"] == "trending"
    ingest_records(
        shop,
        "events",
        [{"customer_id": "NEW", "type": "view", "product_id": "P30", "ts": "2025-07-01T00:00:00Z"}],
    )
    recs = service.recommend("NEW", k=5)
    assert recs["source"] == "itemknn (session)"
    assert all(r["category"] == CATS[1] for r in recs["items"])


def test_without_a_model_everything_is_trending(shop: Store, tmp_path: Path) -> None:
    service = RecommendationService(shop, ArtifactStore(tmp_path))
    assert service.recommend("C00", k=3)["source"] == "trending"
    assert len(service.trending(k=4)["items"]) == 4


def test_a_live_event_does_not_empty_the_trend_of_a_historic_shop(shop: Store, tmp_path: Path) -> None:
    """The events end in the past; one event logged now (a search) must not push them out of the window."""
    ingest_records(
        shop,
        "events",
        [{"customer_id": "C01", "type": "search", "query": "dress", "ts": datetime.now(UTC).isoformat()}],
    )
    items = RecommendationService(shop, ArtifactStore(tmp_path)).trending(k=10)["items"]
    assert len(items) == 10 and all(item["score"] > 0 for item in items)


def test_similar_by_behaviour_and_by_text_for_a_new_product(shop: Store, tmp_path: Path) -> None:
    train_and_publish(shop, "itemknn", None, ArtifactStore(tmp_path))
    service = RecommendationService(shop, ArtifactStore(tmp_path))
    sim = service.similar("P25", k=5)
    assert sim["source"] == "itemknn" and all(r["category"] == CATS[1] for r in sim["items"])
    ingest_records(
        shop,
        "products",
        [
            {
                "product_id": "NEW1",
                "title": "Chiffon floral dress",
                "category": CATS[0],
                "price": 20,
                "stock": 1,
            }
        ],
    )
    sim = service.similar("NEW1", k=5)  # not seen by the model, no search index: its category's trending
    assert sim["source"] == "category" and sim["fallback"]
    assert len(sim["items"]) == 5 and all(r["category"] == CATS[0] for r in sim["items"])
    with pytest.raises(NotFoundError):
        service.similar("nope")


def test_a_new_version_is_swapped_in_atomically(shop: Store, tmp_path: Path) -> None:
    first = train_and_publish(shop, "popular", None, ArtifactStore(tmp_path))
    service = RecommendationService(shop, ArtifactStore(tmp_path))
    assert service.recommend("C00")["version"] == first.version_dir.name
    second = train_and_publish(shop, "itemknn", None, ArtifactStore(tmp_path))
    assert ArtifactStore(tmp_path).current(KIND) == second.version_dir
    assert service.recommend("C00")["version"] == second.version_dir.name
    listed = ArtifactStore(tmp_path).versions(KIND)
    assert [v["current"] for v in listed].count(True) == 1 and len(listed) == 2


def test_stock_and_category_changes_reach_the_answers_when_the_catalog_follows_the_store(
    shop: Store, tmp_path: Path
) -> None:
    train_and_publish(shop, "itemknn", None, ArtifactStore(tmp_path))
    service = RecommendationService(shop, ArtifactStore(tmp_path))
    top = service.recommend("C00", k=3)["items"][0]["product_id"]
    ingest_records(shop, "products", [shop.get_product(top) | {"stock": 0}])
    assert top in [r["product_id"] for r in service.recommend("C00", k=10)["items"]]  # not applied yet
    assert service.follower.catch_up() == 1
    assert top not in [r["product_id"] for r in service.recommend("C00", k=10)["items"]]
    # category filters on the patched catalog still see whole category paths, a new path included
    assert all(r["category"] == CATS[0] for r in service.recommend("C00", k=5, category="Clothing")["items"])
    moved = service.recommend("C00", k=1)["items"][0]["product_id"]
    ingest_records(shop, "products", [shop.get_product(moved) | {"category": "Home > Vases"}])
    service.follower.catch_up()
    assert [r["product_id"] for r in service.recommend("C00", k=5, category="Home")["items"]] == [moved]


def test_trending_is_recomputed_by_the_timer_not_by_requests(shop: Store, tmp_path: Path) -> None:
    service = RecommendationService(shop, ArtifactStore(tmp_path))
    before = service.trending(k=1)["items"][0]["product_id"]
    assert before != "P39"
    late = (T0 + timedelta(days=20)).isoformat()
    buys = [
        {"customer_id": f"C{i:02d}", "type": "purchase", "product_id": "P39", "ts": late} for i in range(30)
    ]
    ingest_records(shop, "events", [v | {"event_id": f"T{i}"} for i, v in enumerate(buys)])
    assert service.trending(k=1)["items"][0]["product_id"] == before
    service.refresh_trending()
    assert service.trending(k=1)["items"][0]["product_id"] == "P39"
