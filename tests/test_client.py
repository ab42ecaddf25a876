"""shopmind.client against a live server (uvicorn on a free port): products written and found, suggest,
trending, similar, recommendations for a guest, events, an order; errors raised with the API's shape;
a 429 retried after its Retry-After, and not waited on longer than max_wait."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from shopmind.api.app import create_app
from shopmind.client import BatchResult, Product, SearchPage, ShopMind, ShopMindError
from shopmind.config import Settings
from shopmind.data.store import Store
from shopmind.engine import Engine
from tests.conftest import LiveServer

PRODUCTS = [
    {
        "product_id": f"P{i}",
        "title": f"Summer dress {i}",
        "price": 20.0 + i,
        "category": "Dresses",
        "stock": 5,
    }
    for i in range(1, 4)
] + [{"product_id": "P9", "title": "Wool coat", "price": 80.0, "category": "Coats", "stock": 2}]
ORDER = {
    "order_id": "O1",
    "customer_id": "C1",
    "placed_at": "2026-11-01T10:00:00Z",
    "total": 41.0,
    "items": [{"line_no": 1, "product_id": "P1", "quantity": 2, "unit_price": 20.5}],
}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, str, str]]:
    """(url, admin key, storefront key) of a live server over an empty SQLite store."""
    store = Store(f"sqlite:///{tmp_path / 'shop.db'}")
    store.migrate()
    settings = Settings(
        var_dir=tmp_path / "var",
        artifacts_dir=tmp_path / "artifacts",
        embedded_worker=False,
        rate_suggest_per_minute=60,
    )
    engine = Engine(settings, store)
    admin, public = store.create_api_key("admin", "client test"), store.create_api_key("storefront", "shop")
    with LiveServer(create_app(engine)) as live:
        yield live.url, admin, public
    store.dispose()


def eventually(check, seconds: float = 20.0):
    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.2)


def test_the_client_writes_reads_and_raises_the_api_errors(server) -> None:
    url, admin_key, public_key = server
    with ShopMind(url, admin_key) as sm:
        assert sm.upsert_products(PRODUCTS) == BatchResult(written=4, rejected=[])
        bad = sm.upsert_products([{"product_id": "P5", "title": "", "price": -1}])
        assert bad.written == 0 and bad.rejected and bad.rejected[0].row == 1
        httpx.post(f"{url}/customers", json=[{"customer_id": "C1"}], headers={"X-API-Key": admin_key})
        httpx.post(f"{url}/orders", json=[ORDER], headers={"X-API-Key": admin_key})

        def all_indexed() -> SearchPage | None:  # the index follows the store in the background
            page = sm.search("dress", page_size=2)
            return page if page.total >= 3 else None

        page = eventually(all_indexed)
        assert isinstance(page, SearchPage) and page.total >= 3 and len(page.products) == 2
        assert all(isinstance(p, Product) and "dress" in p.title.lower() for p in page.products)
        assert sm.search("coat", category="Coats").products[0].product_id == "P9"
        sent = sm.send_events([{"customer_id": "guest-abc", "type": "view", "product_id": "P2"}])
        assert sent.written == 1
        order = sm.get_order("O1")
        assert (order.customer_id, order.total, order.items[0]["product_id"]) == ("C1", 41.0, "P1")
        with pytest.raises(ShopMindError) as missing:
            sm.get_order("O404")
        assert (missing.value.status, missing.value.code) == (404, "not_found")
        with pytest.raises(ShopMindError) as invalid:
            sm.search("dress", page=0)
        assert invalid.value.code == "invalid_input" and invalid.value.details

    with ShopMind(url, public_key) as shop:
        assert [s.text for s in eventually(lambda: shop.suggest("dre"))][0].lower().startswith("dre")
        assert shop.trending(k=3).source == "trending"
        similar = shop.similar("P1", k=3)
        assert similar.items and all(p.product_id != "P1" for p in similar.items)
        mine = shop.recommend("guest-abc", k=3)
        assert mine.raw["customer_id"] == "guest-abc"
        with pytest.raises(ShopMindError) as forbidden:
            shop.upsert_products(PRODUCTS)
        assert (forbidden.value.status, forbidden.value.code) == (403, "forbidden")
    with ShopMind(url, "sm_st_not-a-key") as nobody, pytest.raises(ShopMindError) as unknown:
        nobody.trending()
    assert unknown.value.status == 401


def test_a_429_is_retried_after_retry_after_and_the_wait_is_bounded(server) -> None:
    url, _, public_key = server
    with httpx.Client(base_url=url, headers={"X-API-Key": public_key}) as raw:
        codes = [raw.get("/suggest", params={"q": "x"}).status_code for _ in range(61)]
    assert codes[-1] == 429  # the bucket (60 a minute) is empty
    with ShopMind(url, public_key, retries=1, max_wait=0.05) as impatient:
        t0 = time.monotonic()
        with pytest.raises(ShopMindError) as limited:
            impatient.suggest("x")
        assert limited.value.status == 429 and limited.value.code == "too_many_requests"
        assert time.monotonic() - t0 < 1.0  # waited max_wait, not the Retry-After
    with ShopMind(url, public_key, retries=2, max_wait=5) as patient:
        t0 = time.monotonic()
        assert isinstance(patient.suggest("x"), list)  # after Retry-After (a second or two)
        assert time.monotonic() - t0 >= 0.9
