"""Demo mode (a public key that reads any customer's orders) runs only on a database the demo
generator filled: refused by the app factory, `shopmind demo` and `shopmind demo-data` on a real
shop's data; the demo keeps its keys across starts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from shopmind.api.app import create_app
from shopmind.config import Settings
from shopmind.data.demo import (
    DEMO_KEYS,
    NotADemoShopError,
    check_demo_database,
    demo_keys,
    demo_marker,
    load_demo_shop,
)
from shopmind.data.ingest import ingest_records
from shopmind.data.store import Store
from shopmind.engine import Engine
from tests.conftest import LiveServer

T0 = "2025-06-01T10:00:00+00:00"


def real_shop(store: Store) -> None:
    """A shop's own data: a customer with an address on an order."""
    ingest_records(store, "products", [{"product_id": "P1", "title": "Lamp", "price": 30.0}])
    ingest_records(store, "customers", [{"customer_id": "C1", "name": "Ana", "email": "ana@example.com"}])
    order = {"order_id": "O1", "customer_id": "C1", "placed_at": T0, "status": "paid"}
    item = {"product_id": "P1", "unit_price": 30.0}
    ingest_records(store, "orders", [order | {"shipping_address": "1 Real St", "items": [item]}])


def engine(store: Store, tmp: Path) -> Engine:
    return Engine(Settings(var_dir=tmp / "var", artifacts_dir=tmp / "artifacts"), store)


def test_the_app_factory_refuses_demo_mode_on_a_real_shop(store: Store, tmp_path: Path) -> None:
    real_shop(store)
    with pytest.raises(NotADemoShopError) as refused:
        create_app(engine(store, tmp_path), web_demo=True)
    message = str(refused.value)
    assert "demo marker" in message and "shopmind serve" in message and "SHOPMIND_DATABASE_URL" in message
    create_app(engine(store, tmp_path))  # serving it normally is fine


def test_demo_mode_runs_on_an_empty_database_and_on_the_demo_shop(
    sqlite_store: Store, tmp_path: Path
) -> None:
    check_demo_database(sqlite_store)  # empty: the demo may fill it
    sqlite_store.create_api_key("admin", "made before the demo")  # keys are not shop data
    create_app(engine(sqlite_store, tmp_path), web_demo=True)
    load_demo_shop(sqlite_store, seed=3, scale=0.02)
    marker = demo_marker(sqlite_store)
    assert marker is not None and marker["seed"] == 3 and marker["scale"] == 0.02 and marker["created_at"]
    with TestClient(create_app(engine(sqlite_store, tmp_path), web_demo=True)) as client:
        assert client.get("/web/config.json").json()["demo"] is True


def test_the_demo_generator_never_writes_into_a_real_shop(store: Store) -> None:
    real_shop(store)
    before = store.counts()
    with pytest.raises(NotADemoShopError, match="refusing to write the demo shop"):
        load_demo_shop(store, seed=3, scale=0.02)
    assert store.counts() == before and demo_marker(store) is None


def test_customer_data_routes_are_off_outside_demo_mode(sqlite_store: Store, tmp_path: Path) -> None:
    real_shop(sqlite_store)
    shop = {"X-API-Key": sqlite_store.create_api_key("storefront", "web")}
    with (
        LiveServer(create_app(engine(sqlite_store, tmp_path))) as server,
        httpx.Client(base_url=server.url) as c,
    ):
        assert c.get("/web/config.json").json()["demo"] is False
        for path in ("/shop/customers", "/shop/customers/C1/orders"):
            resp = c.get(path, headers=shop)
            assert resp.status_code == 404 and "1 Real St" not in resp.text


def run_cli(args: list[str], url: str, tmp: Path) -> subprocess.CompletedProcess[str]:
    env = os.environ | {
        "SHOPMIND_DATABASE_URL": url,
        "SHOPMIND_VAR_DIR": str(tmp / "var"),
        "SHOPMIND_ARTIFACTS_DIR": str(tmp / "artifacts"),
    }
    cmd = [sys.executable, "-m", "shopmind.cli", *args]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)


def test_shopmind_demo_refuses_a_real_shops_database(sqlite_store: Store, tmp_path: Path) -> None:
    real_shop(sqlite_store)
    result = run_cli(["demo", "--port", "0"], sqlite_store.url, tmp_path)
    out = " ".join((result.stdout + result.stderr).split())
    assert result.returncode == 1, out
    assert "refusing to serve it in demo mode" in out and "shopmind serve" in out
    assert not (tmp_path / "artifacts").exists()  # nothing trained, nothing served
    keys = sqlite_store.list_api_keys()
    assert keys == [] and demo_marker(sqlite_store) is None

    result = run_cli(["demo-data", "--scale", "0.02"], sqlite_store.url, tmp_path)
    out = " ".join((result.stdout + result.stderr).split())
    assert result.returncode == 1 and "refusing to write the demo shop" in out and "--reset" in out
    assert sqlite_store.counts()["customers"] == 1


def test_demo_keys_are_kept_across_starts(sqlite_store: Store) -> None:
    load_demo_shop(sqlite_store, seed=3, scale=0.02)
    first = demo_keys(sqlite_store)
    assert sqlite_store.api_key_scope(first["admin"]) == "admin"
    assert sqlite_store.api_key_scope(first["storefront"]) == "storefront"
    assert demo_keys(sqlite_store) == first and len(sqlite_store.list_api_keys()) == 2  # nothing minted

    admin_id = next(k["key_id"] for k in sqlite_store.list_api_keys() if k["scope"] == "admin")
    sqlite_store.revoke_api_key(admin_id)
    again = demo_keys(sqlite_store)  # a revoked key is replaced, the storefront key stays
    assert again["admin"] != first["admin"] and again["storefront"] == first["storefront"]
    assert sqlite_store.get_meta(DEMO_KEYS) == again and demo_keys(sqlite_store) == again


def test_demo_keys_are_never_written_into_a_real_shop(sqlite_store: Store) -> None:
    real_shop(sqlite_store)
    with pytest.raises(NotADemoShopError):
        demo_keys(sqlite_store)
    assert sqlite_store.list_api_keys() == [] and sqlite_store.get_meta(DEMO_KEYS) is None
