"""CORS per storefront key, through the real API on SQLite and PostgreSQL: a response names the page's
origin only when the presented key (or SHOPMIND_CORS_ORIGINS) allows it, never ``*``, never with
credentials; preflights are answered for origins of active storefront keys only; bad origins are
refused when a key is created (API and CLI); a guest opens a chat session with no e-mail."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from shopmind.api import cors
from shopmind.api.app import create_app
from shopmind.config import Settings
from shopmind.data.store import Store
from shopmind.engine import Engine

SHOP = "https://shop.example"
OTHER = "https://evil.example"


@pytest.fixture
def api(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[TestClient, dict]]:
    monkeypatch.setattr(cors, "CACHE_SECONDS", 0.0)  # a preflight sees a key created a moment before
    settings = Settings(
        var_dir=tmp_path / "var",
        artifacts_dir=tmp_path / "artifacts",
        embedded_worker=False,
        cors_origins="http://localhost:3000",
    )
    engine = Engine(settings, store)
    admin = {"X-API-Key": store.create_api_key("admin", "test admin")}
    client = TestClient(create_app(engine, close_engine=False), raise_server_exceptions=False)
    client.post("/products", json=[{"product_id": "P1", "title": "Red dress", "price": 9.0}], headers=admin)
    try:
        yield client, admin
    finally:
        client.close()
        engine.close()


def new_key(client: TestClient, admin: dict, **body) -> dict:
    answer = client.post("/admin/keys", json={"scope": "storefront", **body}, headers=admin)
    assert answer.status_code == 201, answer.text
    return answer.json()


def preflight(client: TestClient, origin: str, headers: str = "x-api-key") -> object:
    return client.options(
        "/search",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": headers,
        },
    )


def test_the_origin_is_allowed_only_for_the_key_that_names_it(api) -> None:
    client, admin = api
    shop = new_key(client, admin, name="widget", origins=["HTTPS://Shop.Example/"])
    assert shop["origins"] == [SHOP]
    plain = new_key(client, admin, name="no origins")
    assert plain["origins"] is None
    for key, origin, allowed in [
        (shop["key"], SHOP, True),
        (shop["key"], OTHER, False),
        (plain["key"], SHOP, False),
        (plain["key"], "http://localhost:3000", True),  # SHOPMIND_CORS_ORIGINS: with any key
    ]:
        answer = client.get("/search", params={"q": "dress"}, headers={"X-API-Key": key, "Origin": origin})
        assert answer.status_code == 200
        assert answer.headers.get("access-control-allow-origin") == (origin if allowed else None)
        assert "Origin" in answer.headers["vary"]
        assert "access-control-allow-credentials" not in answer.headers
    # an error the browser must be able to read carries the header too
    answer = client.get(
        "/search", params={"q": "dress", "page": 0}, headers={"X-API-Key": shop["key"], "Origin": SHOP}
    )
    assert answer.status_code == 422 and answer.headers["access-control-allow-origin"] == SHOP
    # a revoked key's origin stops at once
    client.delete(f"/admin/keys/{shop['key_id']}", headers=admin)
    answer = client.get("/search", params={"q": "dress"}, headers={"X-API-Key": shop["key"], "Origin": SHOP})
    assert answer.status_code == 401 and "access-control-allow-origin" not in answer.headers


def test_preflights_are_answered_for_origins_of_active_storefront_keys(api) -> None:
    client, admin = api
    assert preflight(client, SHOP).status_code == 403
    shop = new_key(client, admin, origins=[SHOP])
    answer = preflight(client, SHOP, "X-API-Key, Content-Type, X-Chat-Token")
    assert answer.status_code == 204
    assert answer.headers["access-control-allow-origin"] == SHOP
    assert "x-api-key" in answer.headers["access-control-allow-headers"]
    assert "access-control-allow-credentials" not in answer.headers
    assert preflight(client, OTHER).status_code == 403
    assert preflight(client, SHOP, "x-api-key, cookie").status_code == 403  # only the API's headers
    assert preflight(client, "http://localhost:3000").status_code == 204
    client.delete(f"/admin/keys/{shop['key_id']}", headers=admin)
    refused = preflight(client, SHOP)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"


@pytest.mark.parametrize(
    "body",
    [
        {"scope": "storefront", "origins": ["https://*.example"]},
        {"scope": "storefront", "origins": ["https://shop.example/path"]},
        {"scope": "storefront", "origins": ["ftp://shop.example"]},
        {"scope": "storefront", "origins": [f"https://s{i}.example" for i in range(21)]},
        {"scope": "admin", "origins": [SHOP]},
    ],
)
def test_bad_origins_are_refused(api, body: dict) -> None:
    client, admin = api
    answer = client.post("/admin/keys", json=body, headers=admin)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["code"] == "invalid_input"


def test_cli_creates_a_key_with_origins(sqlite_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    from shopmind.cli import app

    monkeypatch.setenv("SHOPMIND_DATABASE_URL", str(sqlite_store.engine.url))
    args = ["keys", "create", "--scope", "storefront", "--origin", SHOP, "--origin", "http://localhost:8080"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert sqlite_store.key_origins() == {SHOP, "http://localhost:8080"}
    bad = CliRunner().invoke(app, ["keys", "create", "--scope", "admin", "--origin", SHOP])
    assert bad.exit_code != 0


def test_a_guest_opens_a_chat_session_without_an_e_mail(api) -> None:
    client, admin = api
    key = {"X-API-Key": new_key(client, admin)["key"]}
    answer = client.post("/chat/sessions", json={"customer_id": "guest-1a2b3c"}, headers=key)
    assert answer.status_code == 201, answer.text
    reply = client.post(
        "/chat", json={"message": "hello"}, headers=key | {"X-Chat-Token": answer.json()["token"]}
    )
    assert reply.status_code == 200 and reply.json()["reply"]
    # a stored customer's id still needs the login
    assert client.post("/chat/sessions", json={"customer_id": "C1"}, headers=key).status_code == 401
