"""Through the API: answers that show products carry an impression_id, the storefront's click with it
is attributed (an unknown id is kept and counted as a mismatch), the admin metrics and search
analytics show it, and experiments are defined (bad ones refused with the reason), served as
assigned, analysed and stopped; the CLI does the same."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from shopmind.api.app import create_app
from shopmind.config import Settings
from shopmind.data.store import Store
from shopmind.engine import Engine


@pytest.fixture
def shop(store: Store, tmp_path: Path) -> Iterator[tuple[TestClient, dict, dict, Engine]]:
    cfg = Settings(var_dir=tmp_path / "var", artifacts_dir=tmp_path / "artifacts", embedded_worker=False)
    engine = Engine(cfg, store)
    admin = {"X-API-Key": store.create_api_key("admin", "test admin")}
    public = {"X-API-Key": store.create_api_key("storefront", "test shop")}
    client = TestClient(create_app(engine, close_engine=False), raise_server_exceptions=False)
    products = [
        {
            "product_id": f"P{i}",
            "title": f"Summer dress {i}",
            "price": 20.0 + i,
            "category": "Dresses",
            "stock": 5,
        }
        for i in range(1, 5)
    ]
    assert client.post("/products", json=products, headers=admin).json()["written"] == 4
    try:
        yield client, admin, public, engine
    finally:
        client.close()
        engine.close()


def test_shown_products_carry_an_impression_and_clicks_reach_attribution(shop) -> None:
    client, admin, public, engine = shop
    found = client.get("/search", params={"q": "dress", "session_id": "s-1"}, headers=public).json()
    assert found["impression_id"].startswith("im-") and found["products"]
    for path in ("/recommendations/guest-1", "/trending", "/products/P1/similar"):
        answer = client.get(path, headers=public)
        assert answer.status_code == 200 and answer.json()["impression_id"].startswith("im-"), path
    clicked = found["products"][0]["product_id"]
    for impression_id in (found["impression_id"], "im-nothing-like-it"):
        body = {"type": "click", "product_id": clicked, "session_id": "s-1", "impression_id": impression_id}
        assert client.post("/shop/events", json=body, headers=public).status_code == 200
    engine.online.flush()
    assert client.post("/admin/online/attribute", headers=admin).json() == {"id": 1, "mismatch": 1}
    out = client.get("/admin/online/metrics", params={"days": 2}, headers=admin).json()
    search = [r for r in out["rows"] if r["surface"] == "search"]
    assert search[0]["impressions"] == 1 and search[0]["clicks"] == 1
    assert {r["surface"] for r in out["rows"]} == {"search", "recommendations", "trending", "similar"}
    assert sum(out["mismatches"].values()) == 1 and out["attributions"]["mismatch"] == 1
    report = client.get("/admin/online/search", params={"days": 2}, headers=admin).json()
    assert report["top"][0]["query"] == "dress" and report["top"][0]["clicked"] == 1
    assert client.get("/admin/online/metrics", headers=public).status_code == 403


def test_experiments_are_defined_served_analysed_and_stopped(shop) -> None:
    client, admin, public, engine = shop
    lexical = {"name": "b", "share": 0.6, "settings": {"mode": "lexical"}}
    bad = {"name": "x", "surface": "search", "arms": [{"name": "a", "share": 0.5}, lexical]}
    refused = client.post("/admin/online/experiments", json=bad, headers=admin)
    assert refused.status_code == 422 and "add up to 1" in refused.text
    arms = [{"name": "a", "share": 0.5, "version": "v1"}, {"name": "b", "share": 0.5, "version": "v2"}]
    rec = {"name": "r", "surface": "recommendations", "arms": arms}
    refused = client.post("/admin/online/experiments", json=rec, headers=admin)
    assert refused.status_code == 422 and "no saved model version 'v1'" in refused.text
    good = bad | {"arms": [{"name": "hybrid", "share": 0.5}, {"name": "lexical", "share": 0.5,
                                                               "settings": {"mode": "lexical"}}]}  # fmt: skip
    made = client.post("/admin/online/experiments", json=good, headers=admin)
    assert made.status_code == 201, made.text
    xid = made.json()["experiment_id"]
    modes = {}
    for i in range(30):
        answer = client.get("/search", params={"q": "dress", "session_id": f"s-{i}"}, headers=public).json()
        modes[f"s-{i}"] = answer["mode"]
    assert set(modes.values()) == {"hybrid", "lexical"}  # each arm served as assigned
    engine.online.flush()
    shown = engine.store.frame("impressions", where={"experiment_id": xid})
    assert len(shown) == 30 and set(shown["arm"]) == {"hybrid", "lexical"}
    assert all(modes[s] == arm for s, arm in zip(shown["session_id"], shown["arm"], strict=True))
    result = client.get(f"/admin/online/experiments/{xid}", headers=admin).json()
    assert sum(result["units"].values()) == 30 and result["verdict"]["en"] and result["verdict"]["zh"]
    assert client.get("/admin/online/experiments", headers=admin).json()[0]["experiment_id"] == xid
    assert client.post(f"/admin/online/experiments/{xid}/stop", headers=admin).json()["status"] == "stopped"
    again = client.get("/search", params={"q": "dress", "session_id": "s-1"}, headers=public).json()
    assert again["mode"] == "hybrid"


def test_the_cli_defines_and_refuses_experiments(sqlite_store: Store, monkeypatch, tmp_path: Path) -> None:
    from shopmind.cli import app

    monkeypatch.setenv("SHOPMIND_DATABASE_URL", sqlite_store.url)
    runner = CliRunner()
    bad = runner.invoke(app, ["online", "experiment", "create", "x", "--surface", "search",
                              "--arm", "a=0.5", "--arm", "b=0.4:mode=lexical"])  # fmt: skip
    assert bad.exit_code == 1 and "add up to 1" in bad.output
    good = runner.invoke(app, ["online", "experiment", "create", "x", "--surface", "search",
                               "--arm", "a=0.5", "--arm", "b=0.5:mode=lexical"])  # fmt: skip
    assert good.exit_code == 0, good.output
    listed = runner.invoke(app, ["online", "experiment", "list"])
    assert "running" in listed.output
    xid = sqlite_store.experiments()[0]["experiment_id"]
    shown = runner.invoke(app, ["online", "experiment", "show", xid, "--lang", "zh"])
    assert shown.exit_code == 0 and "尚无数据" in shown.output
    assert runner.invoke(app, ["online", "metrics"]).exit_code == 0
    assert runner.invoke(app, ["online", "search"]).exit_code == 0
