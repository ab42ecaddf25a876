"""Acting for a stored customer with the public storefront key needs that customer's token: their
recommendations, events in their name, searches personalised and logged for them. Over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from shopmind.api import tokens
from shopmind.api.app import create_app
from shopmind.config import Settings
from shopmind.data.demo import mark_demo_shop
from shopmind.data.ingest import ingest_records
from shopmind.data.store import Store
from shopmind.engine import Engine
from tests.api.test_web_endpoints import seed
from tests.conftest import LiveServer

SECRET = "test-secret-for-customer-tokens"


@pytest.fixture
def shop(sqlite_store: Store, tmp_path: Path) -> Iterator[tuple[httpx.Client, dict, dict]]:
    seed(sqlite_store)  # customer C1 (wf@example.com) with an order and views; C2..C24 with views
    admin = {"X-API-Key": sqlite_store.create_api_key("admin", "a")}
    key = {"X-API-Key": sqlite_store.create_api_key("storefront", "s")}
    settings = Settings(var_dir=tmp_path / "var", artifacts_dir=tmp_path / "artifacts", chat_secret=SECRET)
    app = create_app(Engine(settings, sqlite_store))
    with LiveServer(app) as server, httpx.Client(base_url=server.url) as client:
        yield client, admin, key


def login(client: httpx.Client, key: dict, customer_id: str, email: str) -> httpx.Response:
    return client.post("/shop/login", json={"customer_id": customer_id, "email": email}, headers=key)


def test_a_stored_customers_recommendations_need_their_token(shop) -> None:
    client, admin, key = shop
    refused = client.get("/recommendations/C1", headers=key)
    assert refused.status_code == 403 and "X-Customer-Token" in refused.json()["error"]["message"]
    # an id with no customer behind it gets the same answer: nothing is revealed about ids
    assert client.get("/recommendations/NOBODY", headers=key).json() == refused.json()
    assert client.get("/recommendations/guest-7f3a", headers=key).status_code == 200  # anonymous shopper
    assert client.get("/recommendations/C1", headers=admin).status_code == 200  # the shop's backend

    assert login(client, key, "C1", "nobody@example.com").status_code == 401
    assert login(client, key, "NOBODY", "wf@example.com").status_code == 401
    ok = login(client, key, "C1", " WF@example.com ")
    assert ok.status_code == 200 and ok.json()["customer_id"] == "C1"
    token = {"X-Customer-Token": ok.json()["token"]}
    mine = client.get("/recommendations/C1", headers=key | token)
    assert mine.status_code == 200 and mine.json()["items"]
    assert client.get("/recommendations/C2", headers=key | token).status_code == 403  # not theirs


def test_a_stored_customer_with_a_guest_like_id_is_protected_too(shop, sqlite_store: Store) -> None:
    client, _, key = shop
    ingest_records(sqlite_store, "customers", [{"customer_id": "guest-1", "email": "g1@example.com"}])
    assert client.get("/recommendations/guest-1", headers=key).status_code == 403
    token = {"X-Customer-Token": login(client, key, "guest-1", "g1@example.com").json()["token"]}
    assert client.get("/recommendations/guest-1", headers=key | token).status_code == 200


def test_forged_expired_and_chat_tokens_are_refused(shop) -> None:
    client, _, key = shop
    for bad in (
        tokens.sign(b"another secret", "customer", ["C1"], 60),  # not signed by this server
        tokens.sign(SECRET.encode(), "customer", ["C1"], -1),  # expired
        tokens.sign(SECRET.encode(), "chat", ["conv-1", "C1"], 60),  # a chat token, another purpose
        "not-a-token",
    ):
        assert client.get("/recommendations/C1", headers=key | {"X-Customer-Token": bad}).status_code == 403
    good = tokens.sign(SECRET.encode(), "customer", ["C1"], 60)
    assert client.get("/recommendations/C1", headers=key | {"X-Customer-Token": good}).status_code == 200


def test_events_and_personal_search_in_a_customers_name(shop) -> None:
    client, admin, key = shop
    view = {"type": "view", "customer_id": "C1", "product_id": "P3"}
    assert client.post("/shop/events", json=view, headers=key).status_code == 403
    guest = view | {"customer_id": "guest-42"}
    assert client.post("/shop/events", json=guest, headers=key).json()["written"] == 1
    token = {"X-Customer-Token": login(client, key, "C1", "wf@example.com").json()["token"]}
    assert client.post("/shop/events", json=view, headers=key | token).json()["written"] == 1
    logged = client.get("/events", params={"customer_id": "C1", "type": "view"}, headers=admin).json()
    assert any(e["product_id"] == "P3" for e in logged["items"])

    params = {"q": "dress", "customer_id": "C1"}
    assert client.get("/search", params=params, headers=key).status_code == 403
    assert client.get("/search", params=params, headers=key | token).status_code == 200
    assert client.get("/search", params={"q": "dress"}, headers=key).status_code == 200  # not personal
    as_guest = {"q": "dress", "customer_id": "guest-42"}
    assert client.get("/search", params=as_guest, headers=key).status_code == 200


def test_the_demo_shop_lets_its_switcher_act_for_any_customer(sqlite_store: Store, tmp_path: Path) -> None:
    seed(sqlite_store)
    mark_demo_shop(sqlite_store, seed=0, scale=0.0)  # demo mode serves only a demo generator's database
    key = {"X-API-Key": sqlite_store.create_api_key("storefront", "s")}
    settings = Settings(var_dir=tmp_path / "var", artifacts_dir=tmp_path / "artifacts")
    app = create_app(Engine(settings, sqlite_store), web_demo=True)
    with LiveServer(app) as server, httpx.Client(base_url=server.url) as client:
        assert client.get("/recommendations/C1", headers=key).status_code == 200
