"""Marketing endpoints over HTTP (a real uvicorn server on the demo shop): admin only, JSON shapes, errors,
and the fallback (503 naming the refit job) while the models are being fitted."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import httpx
import pytest

from shopmind.api.app import create_app
from shopmind.config import Settings
from shopmind.engine import Engine
from tests.conftest import LiveServer


@pytest.fixture(scope="module")
def api(
    demo_store, tmp_path_factory
) -> Iterator[tuple[httpx.Client, dict[str, str], dict[str, str], Engine]]:
    admin_key = demo_store.create_api_key("admin", "marketing test")
    shop_key = demo_store.create_api_key("storefront", "marketing test shop")
    tmp = tmp_path_factory.mktemp("marketing-api")
    engine = Engine(Settings(artifacts_dir=tmp / "artifacts", var_dir=tmp / "var"), demo_store)
    app = create_app(engine)
    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=120) as client:
        yield client, {"X-API-Key": admin_key}, {"X-API-Key": shop_key}, engine


@pytest.fixture
def fitted(api) -> None:
    """The marketing models of the current data are published (the refit job, waited for)."""
    engine = api[3]
    job = engine.marketing.ensure_fitted()
    if job is not None:
        assert engine.jobs.wait(job, timeout=300).status == "done", job.error


def test_marketing_needs_an_admin_key(api) -> None:
    client, _, shop, _ = api
    assert client.get("/marketing/rfm").status_code == 401
    resp = client.get("/marketing/rfm", headers=shop)
    assert resp.status_code == 403 and resp.json()["error"]["code"] == "forbidden"


def test_until_the_models_are_fitted_the_fallback_answers_and_clv_is_503(api) -> None:
    client, admin, _, engine = api
    gate = threading.Event()  # keep the job worker busy so the refit stays queued while we look
    engine.jobs.register("test:hold", lambda job: gate.wait(120) and None)
    engine.jobs.submit("test:hold", "hold the worker")
    try:
        assert engine.artifacts.current("marketing") is None
        first = client.get("/marketing/clv", headers=admin)  # queues the refit
        busy = client.get("/marketing/clv", headers=admin)
        assert first.status_code == busy.status_code == 503 and busy.headers["retry-after"]
        err = busy.json()["error"]
        assert err["code"] == "unavailable" and err["details"]["job_id"] in err["message"]
        assert first.json()["error"]["details"] == err["details"]  # the same job, not a second one
        assert client.get("/marketing/churn", headers=admin).status_code == 503
        assert client.post("/marketing/campaigns/plan", headers=admin, json={}).status_code == 503
        assert client.get("/marketing/rfm", headers=admin).status_code == 200
        seg = client.get("/marketing/segments", headers=admin, params={"k": 3}).json()
        assert seg["serving"] == "fallback" and seg["model_version"] is None
        status = engine.marketing.status()
        assert status["serving"] == "fallback" and status["job"]["status"] == "queued"
        queued = [j for j in engine.jobs.list() if j.kind == "train:marketing"]
        assert len(queued) == 1 and queued[0].job_id == err["details"]["job_id"]
    finally:
        gate.set()


def test_profile_rfm_clv_segments_over_http(api, fitted) -> None:
    client, admin, _, _ = api
    rfm = client.get("/marketing/rfm", headers=admin).json()
    assert sum(s["customers"] for s in rfm["segments"]) == rfm["customers"] > 0
    clv = client.get("/marketing/clv", headers=admin, params={"top": 5}).json()
    assert set(clv["bgnbd"]) == {"r", "alpha", "a", "b"} and len(clv["top"]) == 5
    assert clv["stale"] is False and clv["model_version"].startswith("clv-churn-uplift-")
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
    churn = client.get("/marketing/churn", headers=admin, params={"horizon_days": 90, "top": 3}).json()
    assert len(churn["at_risk"]) == 3 and churn["model_version"] == clv["model_version"]
    other = client.get("/marketing/churn", headers=admin, params={"horizon_days": 45})
    assert other.status_code == 404 and "fitted horizons" in other.json()["error"]["message"]


def test_plan_abtest_and_charts_over_http(api, fitted) -> None:
    client, admin, _, _ = api
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
