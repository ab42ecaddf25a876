"""A launched campaign whose message shows products logs one impression per contacted recipient (surface
``campaign``), none for the hold-out group; the recipient list (API JSON and CSV download, CLI file)
carries each recipient's impression id; bad product lists are refused with the reason."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from shopmind.api.app import create_app
from shopmind.artifacts import ArtifactStore
from shopmind.config import Settings
from shopmind.engine import Engine
from shopmind.marketing.service import MarketingConfig, MarketingService


@pytest.fixture
def served(shop, tmp_path: Path):
    engine = Engine(Settings(var_dir=tmp_path / "var", artifacts_dir=tmp_path / "artifacts"), shop)
    service = MarketingService(shop, ArtifactStore(tmp_path / "mk"), config=MarketingConfig(fit_inline=True),
                               online=lambda: engine.online,
                               recommend=lambda c, k: engine.recommendations.recommend(c, k))  # fmt: skip
    engine.provide(marketing=service)
    admin = {"X-API-Key": shop.create_api_key("admin", "campaign impressions")}
    with TestClient(create_app(engine, close_engine=False)) as client:
        yield client, admin, engine, service
    engine.close()


def _impressions(engine: Engine, ids: list[str]) -> dict:
    engine.online.flush()
    return engine.store.impressions_by_ids(ids)


def test_every_contacted_recipient_gets_an_impression_the_holdout_none(served) -> None:
    client, admin, engine, service = served
    products = list(engine.store.frame("products")["product_id"][:3])
    body = {"name": "summer", "budget": 60, "cost_per_contact": 0.1, "offer_value": 1.0, "holdout_share": 0.3,
            "products": products}  # fmt: skip
    launched = client.post("/marketing/campaigns", json=body, headers=admin)
    assert launched.status_code == 200, launched.text
    out = launched.json()
    assert out["shown"] == out["treatment"] > 0 and out["control"] > 0
    path = f"/marketing/campaigns/{out['campaign_id']}/recipients"
    listed = client.get(path, headers=admin).json()["items"]
    assert len(listed) == out["treatment"] and all(r["products"] == products for r in listed)
    shown = _impressions(engine, [r["impression_id"] for r in listed])
    assert len(shown) == out["treatment"]
    assert {(s["surface"], s["unit"]) for s in shown.values()} == {("campaign", f"c:{r['customer_id']}")
                                                                    for r in listed}  # fmt: skip
    control = set(service.store.frame("campaigns", where={"campaign_id": out["campaign_id"]})
                  .iloc[0]["meta"]["control"])  # fmt: skip
    assert control and not control & {r["customer_id"] for r in listed}
    assert not {s["customer_id"] for s in shown.values()} & control
    download = client.get(path, params={"format": "csv"}, headers=admin)
    assert download.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(download.text)))
    assert [r["impression_id"] for r in rows] == [r["impression_id"] for r in listed]
    assert rows[0]["products"].split() == products


def test_recommendations_per_recipient_and_refusals(served) -> None:
    client, admin, engine, service = served
    base = {"name": "picked", "budget": 30, "cost_per_contact": 0.1, "offer_value": 1.0}
    out = client.post("/marketing/campaigns", json=base | {"recommend_k": 2}, headers=admin).json()
    listed = service.recipients(out["campaign_id"])
    assert listed and all(len(r["products"]) == 2 and r["impression_id"] for r in listed)
    kinds = {s["model_version"] for s in _impressions(engine, [r["impression_id"] for r in listed]).values()}
    assert len(kinds) == 1  # the recommender version served (or '' for its fallback)
    refusals = [
        ({"products": ["NOPE"]}, "unknown product"),
        ({"products": ["x"], "recommend_k": 2}, "not both"),
        ({"recommend_k": 11}, "less than or equal"),
    ]
    for bad, why in refusals:
        refused = client.post("/marketing/campaigns", json=base | bad, headers=admin)
        assert refused.status_code == 422 and why in refused.text, refused.text
    plain = client.post("/marketing/campaigns", json=base, headers=admin).json()
    assert plain["shown"] == 0
    assert all(r["impression_id"] is None for r in service.recipients(plain["campaign_id"]))


def test_the_cli_launch_writes_the_recipient_list(
    shop, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from shopmind.cli import app

    monkeypatch.setenv("SHOPMIND_DATABASE_URL", shop.url)
    monkeypatch.setenv("SHOPMIND_ARTIFACTS_DIR", str(tmp_path / "artifacts"))
    monkeypatch.setenv("SHOPMIND_VAR_DIR", str(tmp_path / "var"))
    pid = str(shop.frame("products")["product_id"].iloc[0])
    out = tmp_path / "recipients.csv"
    args = [
        "marketing",
        "launch",
        "cli",
        "--budget",
        "20",
        "--cost",
        "0.2",
        "--product",
        pid,
        "--recipients",
        str(out),
    ]
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert rows and all(row["impression_id"].startswith("im-") and row["products"] == pid for row in rows)
    assert len(shop.impressions_by_ids([row["impression_id"] for row in rows])) == len(rows)
    assert "messages show products" in r.output
