"""Marketing endpoints over HTTP (a real uvicorn server on the demo shop): admin only, JSON shapes, errors."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from shopmind.api.app import create_app
from shopmind.config import Settings
from tests.conftest import LiveServer


@pytest.fixture(scope="module")
def api(demo_store, tmp_path_factory) -> Iterator[tuple[httpx.Client, dict[str, str], dict[str, str]]]:
    admin_key = demo_store.create_api_key("admin", "marketing test")
    shop_key = demo_store.create_api_key("storefront", "marketing test shop")
    settings = Settings(artifacts_dir=tmp_path_factory.mktemp("artifacts"))
    app = create_app(settings, demo_store)
    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=120) as client:
        yield client, {"X-API-Key": admin_key}, {"X-API-Key": shop_key}


def test_marketing_needs_an_admin_key(api) -> None:
    client, _, shop = api
    assert client.get("/marketing/rfm").status_code == 401
    resp = client.get("/marketing/rfm", headers=shop)
    assert resp.status_code == 403 and resp.json()["error"]["code"] == "forbidden"


def test_profile_rfm_clv_segments_over_http(api) -> None:
    client, admin, _ = api
    rfm = client.get("/marketing/rfm", headers=admin).json()
    assert sum(s["customers"] for s in rfm["segments"]) == rfm["customers"] > 0
    clv = client.get("/marketing/clv", headers=admin, params={"top": 5}).json()
    assert set(clv["bgnbd"]) == {"r", "alpha", "a", "b"} and len(clv["top"]) == 5
    best = clv["top"][0]["customer_id"]
    prof = client.get(f"/customers/{best}/profile", headers=admin)
    assert prof.status_code == 200, prof.text
    body = prof.json()
    assert {"recency_days", "category_affinities", "price_sensitivity", "churn_risk"} <= set(body)
    assert body["clv_365d"] == pytest.approx(clv["top"][0]["clv_365d"], rel=1e-3)
    missing = client.get("/customers/nobody/profile", headers=admin)
    assert missing.status_code == 404 and "nobody" in missing.json()["error"]["message"]
    seg = client.get("/marketing/segments", headers=admin, params={"k": 3}).json()
    assert seg["k"] == 3 and len(seg["segments"]) == 3 and seg["segments"][0]["description_zh"]


def test_plan_abtest_and_charts_over_http(api) -> None:
    client, admin, _ = api
    body = {"budget": 30, "cost_per_contact": 0.2, "offer_value": 1.0}
    plan = client.post("/marketing/campaigns/plan", headers=admin, json=body).json()
    assert plan["expected_cost"] <= 30 and len(plan["targets"]) == plan["contacts"]
    assert plan["segments"] and plan["segments"][0]["copy"]["zh"]
    ab = client.post(
        "/marketing/abtest",
        headers=admin,
        json=[
            {"name": "control", "customers": 1000, "conversions": 100},
            {"name": "b", "customers": 1000, "conversions": 150},
        ],
    ).json()
    assert ab["comparisons"][0]["significant"] and ab["comparisons"][0]["conversion"]["p_value"] < 0.01
    bad = client.post(
        "/marketing/abtest", headers=admin, json=[{"name": "a", "customers": 10, "conversions": 20}] * 2
    )
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_input"
    grid = client.get("/marketing/charts/rfm-grid", headers=admin).json()
    assert len(grid["cells"]) == 25
    assert client.get("/marketing/charts/forecast", headers=admin).json()["contacts"]
    assert client.get("/marketing/charts/pie", headers=admin).status_code == 404
    assert client.get("/marketing/charts/qini", headers=admin).status_code == 404  # no campaign outcomes yet
