"""The web UI's own endpoints over real HTTP: browser events, demo-only customer data, the admin
console's activity, rejects, models, publishing and retraining jobs."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from shopmind.api.app import create_app
from shopmind.artifacts import ArtifactStore
from shopmind.config import Settings
from shopmind.data.demo import mark_demo_shop
from shopmind.data.ingest import ingest_file, ingest_records
from shopmind.data.store import Store
from shopmind.engine import Engine
from shopmind.recommend.train import KIND
from tests.conftest import LiveServer

T0 = "2025-06-01T10:00:00+00:00"


def seed(store: Store) -> None:
    products = [
        {"product_id": f"P{i}", "title": f"Dress {i}", "price": 10.0 + i, "category": cat, "stock": 3}
        for i, cat in enumerate(["Clothing > Dresses"] * 18 + ["Home > Lighting"] * 12)
    ]
    ingest_records(store, "products", products)
    ingest_records(store, "customers", [{"customer_id": "C1", "name": "王芳", "email": "wf@example.com"}])
    order = {"order_id": "O1", "customer_id": "C1", "placed_at": T0, "status": "shipped"}
    ingest_records(store, "orders", [order | {"items": [{"product_id": "P1", "unit_price": 11.0}]}])
    events = [  # 24 customers, 3 days, 2 views a day
        {
            "customer_id": f"C{c}",
            "type": "view",
            "product_id": f"P{(c + 7 * k + j) % 30}",
            "ts": f"2025-06-0{1 + k}T1{j}:00:00+00:00",
        }
        for c in range(1, 25)
        for k in range(3)
        for j in range(2)
    ]
    ingest_records(store, "events", events)


def serve(store: Store, tmp: Path, demo: bool) -> tuple[Settings, object]:
    """The app over ``store``; with ``demo``, the seeded data is marked as the demo generator's first
    (demo mode is refused on any other database with data)."""
    settings = Settings(var_dir=tmp / "var", artifacts_dir=tmp / "artifacts")
    if demo:
        mark_demo_shop(store, seed=0, scale=0.0)
    return settings, create_app(Engine(settings, store), web_demo=demo)


@pytest.fixture
def web(sqlite_store: Store, tmp_path: Path) -> Iterator[tuple[httpx.Client, dict, dict, Store, Settings]]:
    seed(sqlite_store)
    admin = {"X-API-Key": sqlite_store.create_api_key("admin", "a")}
    shop = {"X-API-Key": sqlite_store.create_api_key("storefront", "s")}
    settings, app = serve(sqlite_store, tmp_path, demo=True)
    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=30) as client:
        yield client, admin, shop, sqlite_store, settings


def test_browser_events_are_validated_and_recorded(web) -> None:
    client, _, shop, store, _ = web
    event = {"type": "add_to_cart", "customer_id": "guest-1", "session_id": "s1", "product_id": "P2"}
    assert client.post("/shop/events", json=event).status_code == 401
    assert client.post("/shop/events", json=event, headers=shop).json() == {"written": 1, "rejected": []}
    rows, total = store.list_events(customer_id="guest-1")
    assert total == 1 and rows[0]["type"] == "add_to_cart" and rows[0]["product_id"] == "P2"
    bad = client.post("/shop/events", json=event | {"type": "purchase"}, headers=shop)
    assert bad.status_code == 422 and "add_to_cart" in bad.json()["error"]["message"]
    missing = client.post("/shop/events", json=event | {"product_id": "NOPE"}, headers=shop)
    assert missing.status_code == 404 and "NOPE" in missing.json()["error"]["message"]
    no_query = client.post("/shop/events", json={"type": "search", "customer_id": "guest-1"}, headers=shop)
    assert no_query.status_code == 422 and "query" in no_query.json()["error"]["message"]


def test_categories_and_demo_customer_data(web) -> None:
    client, _, shop, _, _ = web
    cats = client.get("/shop/categories", headers=shop).json()
    assert {c["category"]: c["count"] for c in cats} == {"Clothing > Dresses": 18, "Home > Lighting": 12}
    customers = client.get("/shop/customers", headers=shop).json()
    assert customers[0]["customer_id"] == "C1" and customers[0]["orders"] == 1
    assert customers[0]["email"] == "wf@example.com"  # the demo chat login
    orders = client.get("/shop/customers/C1/orders", headers=shop).json()
    order = orders["orders"][0]
    assert orders["total"] == 1 and order["items"][0]["title"] == "Dress 1"
    assert [t["status"] for t in order["timeline"]] == ["placed", "paid", "shipped"]
    assert client.get("/shop/customers/NOPE/orders", headers=shop).status_code == 404
    assert client.get("/web/config.json").json()["demo"] is True


def test_customer_data_is_off_outside_the_demo(sqlite_store: Store, tmp_path: Path) -> None:
    seed(sqlite_store)
    shop = {"X-API-Key": sqlite_store.create_api_key("storefront", "s")}
    _, app = serve(sqlite_store, tmp_path, demo=False)
    with LiveServer(app) as server, httpx.Client(base_url=server.url) as client:
        for path in ("/shop/customers", "/shop/customers/C1/orders"):
            resp = client.get(path, headers=shop)
            assert resp.status_code == 404 and "demo" in resp.json()["error"]["message"]
        config = client.get("/web/config.json").json()
        assert config["storefront_key"] is None and config["demo"] is False
        assert client.get("/admin", follow_redirects=False).headers["location"] == "/web/admin.html"


def test_activity_and_rejects(web, tmp_path: Path) -> None:
    client, admin, shop, store, _ = web
    assert client.get("/admin/activity", headers=shop).status_code == 403
    body = client.get("/admin/activity", params={"days": 30}, headers=admin).json()
    assert [d["day"] for d in body["days"]] == ["2025-06-01", "2025-06-02", "2025-06-03"]
    assert all(d["view"] == 48 for d in body["days"]) and body["orders_by_status"] == {"shipped": 1}
    csv = tmp_path / "products.csv"
    csv.write_text("product_id,title,price\nP9,Lamp,12\nP10,,5\nP11,Bad,-3\n", encoding="utf-8")
    report = ingest_file(store, "products", csv, rejects_path=tmp_path / "rejects.csv")
    assert report.rows_rejected == 2
    run = client.get("/admin/overview", headers=admin).json()["last_ingest"]
    assert run["rows_rejected"] == 2
    rejects = client.get(f"/admin/ingest-runs/{run['run_id']}/rejects", headers=admin).json()
    assert rejects["total"] == 2 and len(rejects["rows"]) == 2
    assert {"row", "field", "reason"} <= set(rejects["columns"])
    fields = {r[rejects["columns"].index("field")] for r in rejects["rows"]}
    assert fields == {"title", "price"}
    assert client.get("/admin/ingest-runs/nope/rejects", headers=admin).status_code == 404


def wait_job(client: httpx.Client, admin: dict, job_id: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/admin/jobs/{job_id}", headers=admin).json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish in {timeout}s")


def test_retrain_job_publishes_and_versions_can_be_switched(web) -> None:
    client, admin, shop, _, settings = web
    assert client.get("/admin/models", headers=admin).json()["kinds"] == []
    bad = client.post("/admin/models/rec/retrain", json={"model": "nope"}, headers=admin)
    assert bad.status_code == 404 and "itemknn" in bad.json()["error"]["message"]
    assert client.post("/admin/models/nlu9/retrain", json={"model": "x"}, headers=admin).status_code == 404
    first = client.post("/admin/models/rec/retrain", json={"model": "popular"}, headers=admin)
    assert first.status_code == 202 and first.json()["status"] in ("queued", "running")
    again = client.post("/admin/models/rec/retrain", json={"model": "itemknn"}, headers=admin)
    if again.status_code == 409:  # the first one was still queued or running
        assert first.json()["job_id"] in again.json()["error"]["message"]
        assert wait_job(client, admin, first.json()["job_id"])["status"] == "done"
        again = client.post("/admin/models/rec/retrain", json={"model": "itemknn"}, headers=admin)
    done = wait_job(client, admin, again.json()["job_id"])
    assert done["status"] == "done" and done["result"]["version"].startswith("itemknn-")
    assert any("itemknn trained" in line for line in done["log"])  # the library's log line is the progress
    models = client.get("/admin/models", headers=admin).json()
    rec = models["kinds"][0]
    assert rec["kind"] == KIND and rec["current"] == done["result"]["version"]
    assert [v["model"] for v in rec["versions"]] == ["itemknn", "popular"]  # newest first
    assert all("users" not in v and "test_ndcg@10" in v["metrics"] for v in rec["versions"])
    assert "itemknn" in models["retrainable"]["rec"]
    popular = next(v["version"] for v in rec["versions"] if v["model"] == "popular")
    refused = client.post("/admin/models/rec/publish", json={"version": popular}, headers=admin)
    assert refused.status_code == 409 and "valid_ndcg@10" in refused.json()["error"]["message"]  # the gate
    switched = client.post(
        "/admin/models/rec/publish", json={"version": popular, "force": True}, headers=admin
    )
    assert switched.json() == {"kind": "rec", "current": popular}
    assert ArtifactStore(settings.artifacts_dir).current(KIND).name == popular
    assert client.get("/recommendations/C1", headers=shop).json()["version"] == popular
    assert (
        client.post("/admin/models/rec/publish", json={"version": "../x"}, headers=admin).status_code == 422
    )
    jobs = client.get("/admin/jobs", headers=admin).json()
    assert [j["job_id"] for j in jobs][0] == done["job_id"]
