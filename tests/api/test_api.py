"""The HTTP API over a real uvicorn server: auth scopes, the error shape, catalog, events, orders."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from shopmind import __version__
from shopmind.api.app import create_app
from shopmind.config import Settings
from shopmind.data.store import Store
from shopmind.engine import Engine
from tests.conftest import LiveServer


@pytest.fixture
def api(store: Store) -> Iterator[tuple[httpx.Client, dict[str, str], dict[str, str]]]:
    admin_key = store.create_api_key("admin", "test admin")
    shop_key = store.create_api_key("storefront", "test shop")
    app = create_app(Engine(Settings(), store), web_storefront_key=shop_key)
    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=10) as client:
        yield client, {"X-API-Key": admin_key}, {"X-API-Key": shop_key}


def product(pid: str, **kw) -> dict:
    return {
        "product_id": pid,
        "title": f"Dress {pid}",
        "price": 10.0,
        "category": "Clothing > Dresses",
        "stock": 2,
    } | kw


def assert_error(resp: httpx.Response, status: int, code: str, text: str = "") -> None:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert set(body) == {"error"} and body["error"]["code"] == code
    assert text in body["error"]["message"]


def test_health_says_only_ok_without_an_admin_key(api) -> None:
    client, _, shop = api
    for headers in ({}, shop, {"X-API-Key": "wrong"}):
        resp = client.get("/health", headers=headers)
        assert resp.status_code == 200 and resp.json() == {"status": "ok", "version": __version__}


def test_health_reports_the_backend_to_an_admin_key(api, store: Store) -> None:
    client, admin, _ = api
    body = client.get("/health", headers=admin).json()
    for _ in range(300):  # search and recommendations are built by the server's start, in the background
        if body["models"]["recommendations"]["serving"] != "loading":
            break
        time.sleep(0.1)
        body = client.get("/health", headers=admin).json()
    assert body["status"] == "ok" and body["schema_revision"] == store.schema_revision() is not None
    assert body["database"] == store.dialect and body["counts"]["products"] == 0
    assert body["models"]["recommendations"]["serving"] == "fallback"
    process = body["process"]  # the answering worker; its collector pauses counted since start()
    assert process["pid"] == os.getpid() and set(process["gc"]) == {"gen0", "gen1", "gen2"}
    assert process["gc"]["gen0"]["collections"] > 0 and process["frozen_objects"] >= 0


def test_keys_and_scopes(api) -> None:
    client, admin, shop = api
    assert_error(client.get("/products"), 401, "unauthorized", "X-API-Key")
    assert_error(
        client.get("/products", headers={"X-API-Key": "wrong"}), 401, "unauthorized", "unknown API key"
    )
    assert client.get("/products", headers=shop).status_code == 200
    assert (
        client.get("/products", headers={"Authorization": f"Bearer {shop['X-API-Key']}"}).status_code == 200
    )
    assert_error(client.post("/products", json=[product("P1")], headers=shop), 403, "forbidden", "admin key")
    assert_error(client.get("/customers", headers=shop), 403, "forbidden")
    assert_error(client.get("/orders", headers=shop), 403, "forbidden")
    assert client.get("/customers", headers=admin).status_code == 200


def test_product_batch_write_read_page_delete(api) -> None:
    client, admin, shop = api
    batch = [
        product("P1"),
        product("P2", lang="zh", title="红色连衣裙"),
        product("P3", price=-1),
        {"title": "x"},
    ]
    alone = client.post("/products", json=[{"title": "x"}], headers=admin)  # rejected alone, not the batch
    assert alone.status_code == 200, alone.text
    assert alone.json() == {
        "written": 0,
        "rejected": [{"row": 1, "field": "product_id", "reason": "product_id is required"}],
    }
    resp = client.post("/products", json=batch, headers=admin)
    assert resp.status_code == 200
    assert resp.json() == {
        "written": 2,
        "rejected": [
            {"row": 3, "field": "price", "reason": "price must be at least 0"},
            {"row": 4, "field": "product_id", "reason": "product_id is required"},
        ],
    }
    page = client.get("/products", params={"lang": "zh"}, headers=shop).json()
    assert page["total"] == 1 and page["items"][0]["title"] == "红色连衣裙"
    got = client.get("/products/P1", headers=shop).json()
    assert got["price"] == 10.0 and got["currency"] == "CNY"
    put = client.put("/products/P1", json=product("ignored", title="Renamed"), headers=admin)
    assert put.status_code == 200 and put.json()["product_id"] == "P1" and put.json()["title"] == "Renamed"
    assert client.delete("/products/P1", headers=admin).status_code == 204
    assert_error(client.get("/products/P1", headers=shop), 404, "not_found", "'P1' not found")
    assert_error(client.delete("/products/P1", headers=admin), 404, "not_found")


def test_validation_errors_use_the_one_shape(api) -> None:
    client, admin, shop = api
    resp = client.get("/products", params={"limit": 0}, headers=shop)
    assert_error(resp, 422, "invalid_input", "limit")
    assert resp.json()["error"]["details"][0]["field"] == "query.limit"
    assert_error(client.put("/products/P1", json={"title": "x"}, headers=admin), 422, "invalid_input")
    assert_error(
        client.post("/products", content=b"{not json", headers=admin | {"content-type": "application/json"}),
        422,
        "invalid_input",
    )
    assert_error(client.get("/no/such/route"), 404, "not_found")


def test_events_batch_ingestion(api) -> None:
    client, admin, _ = api
    now = datetime(2025, 5, 1, tzinfo=UTC).isoformat()
    events = [
        {"customer_id": "C1", "type": "view", "product_id": "P1", "ts": now},
        {"customer_id": "C1", "type": "search", "query": "红色连衣裙", "ts": now},
        {"customer_id": "C1", "type": "search", "ts": now},
    ]
    body = client.post("/events", json=events, headers=admin).json()
    assert body["written"] == 2 and body["rejected"][0]["row"] == 3
    again = client.post("/events", json=events[:2], headers=admin).json()
    assert again["written"] == 2
    listed = client.get("/events", params={"customer_id": "C1"}, headers=admin).json()
    assert listed["total"] == 2  # the same events posted twice are stored once


def test_orders_and_status_changes(api) -> None:
    client, admin, _ = api
    order = {
        "order_id": "O1",
        "customer_id": "C1",
        "placed_at": "2025-05-01T10:00:00Z",
        "status": "paid",
        "items": [{"product_id": "P1", "quantity": 2, "unit_price": 10}],
    }
    assert client.post("/orders", json=[order], headers=admin).json()["written"] == 1
    got = client.get("/orders/O1", headers=admin).json()
    assert got["total"] == 20 and [t["status"] for t in got["timeline"]] == ["placed", "paid"]
    moved = client.post(
        "/orders/O1/status", json={"status": "shipped", "tracking_number": "SF1"}, headers=admin
    )
    assert moved.status_code == 200 and moved.json()["tracking_number"] == "SF1"
    assert_error(
        client.post("/orders/O1/status", json={"status": "cancelled"}, headers=admin),
        409,
        "conflict",
        "allowed: delivered",
    )
    assert_error(
        client.post("/orders/O1/status", json={"status": "lost"}, headers=admin), 422, "invalid_input"
    )
    page = client.get("/orders", params={"customer_id": "C1"}, headers=admin).json()
    assert page["total"] == 1 and page["items"][0]["status"] == "shipped"


def test_openapi_docs_and_web_ui_are_served(api) -> None:
    client, _, shop = api
    spec = client.get("/openapi.json").json()
    assert {"/health", "/products", "/events", "/orders/{order_id}/status"} <= set(spec["paths"])
    assert client.get("/docs").status_code == 200
    assert "ShopMind" in client.get("/", follow_redirects=True).text
    assert client.get("/web/config.json").json()["storefront_key"] == shop["X-API-Key"]


def test_configured_keys_work_without_the_database(sqlite_store: Store) -> None:
    app = create_app(Engine(Settings(admin_api_key="env-admin-key"), sqlite_store))
    with LiveServer(app) as server:
        resp = httpx.get(f"{server.url}/customers", headers={"X-API-Key": "env-admin-key"})
    assert resp.status_code == 200
