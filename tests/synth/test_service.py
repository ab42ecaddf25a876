"""Parent–child synthesis, the service (fit → sample → report → export), the CLI and the API."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from shopmind.artifacts import ArtifactStore, read_meta
from shopmind.synth.privacy import exact_copy_share
from shopmind.synth.relational import Relation, RelationalSynthesizer
from shopmind.synth.service import SynthService
from shopmind.synth.tabular import TabularGANConfig
from shopmind.synth.transform import TransformerConfig

TINY = TabularGANConfig(
    epochs=3,
    batch_size=50,
    noise_dim=16,
    gen_dims=(32,),
    dis_dims=(32,),
    pac=5,
    threads=1,
    transformer=TransformerConfig(gmm_max_rows=300, gmm_max_iter=30),
)


@pytest.fixture(scope="module")
def shop() -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(0)
    n = 150
    customers = pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(n)],
            "country": rng.choice(["UK", "FR", "DE"], n, p=[0.7, 0.2, 0.1]),
            "signup_at": pd.Timestamp("2011-01-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 300, n), "D"),
        }
    )
    k = rng.poisson(2, n) + 1
    owner = np.repeat(np.arange(n), k)
    orders = pd.DataFrame(
        {
            "order_id": [f"o{i}" for i in range(len(owner))],
            "customer_id": customers["customer_id"].to_numpy()[owner],
            "status": rng.choice(["delivered", "cancelled"], len(owner), p=[0.85, 0.15]),
            "placed_at": customers["signup_at"].iloc[owner].reset_index(drop=True)
            + pd.to_timedelta(rng.integers(0, 60, len(owner)), "D"),
            "total": rng.gamma(2.0, 20.0, len(owner)).round(2),
        }
    )
    return customers, orders


def test_relational_keys_are_consistent(shop, tmp_path: Path) -> None:
    customers, orders = shop
    rel = Relation("customers", "orders", "customer_id", "customer_id", "order_id")
    model = RelationalSynthesizer(rel, TINY).fit(customers, orders, seed=0)
    out = model.sample(40, seed=1)
    c, o = out["customers"], out["orders"]
    assert len(c) == 40 and c["customer_id"].is_unique and o["order_id"].is_unique
    assert set(o["customer_id"]) <= set(c["customer_id"])  # every order references a synthetic customer
    assert not set(o["customer_id"]) & set(customers["customer_id"])  # and never a real one
    joined = o.merge(c, on="customer_id")
    assert len(joined) == len(o) and (joined["placed_at"] >= joined["signup_at"]).all()
    assert list(o.columns) == list(orders.columns) and str(o["placed_at"].dt.tz) == "UTC"
    assert model.context_ == ["country", "signup_at", "__n_children"]  # each order knows its customer
    assert model.child_model_.context_transformer_ is not None
    model.save(tmp_path / "rel")
    again = RelationalSynthesizer.load(tmp_path / "rel").sample(40, seed=1)
    pd.testing.assert_frame_equal(again["orders"], o)
    many = model.sample(450, seed=2)  # children per parent follow the data's: mean and shape
    real = orders.groupby("customer_id").size()
    syn = many["orders"].groupby("customer_id").size().reindex(many["customers"]["customer_id"]).fillna(0)
    assert syn.mean() == pytest.approx(real.mean(), rel=0.15) and syn.min() >= 1
    assert (
        np.abs(syn.quantile([0.25, 0.5, 0.75, 0.9]).to_numpy() - real.quantile([0.25, 0.5, 0.75, 0.9])).max()
        <= 1
    )
    from shopmind.synth.fit_report import after_fit

    report = after_fit(model, [], tmp_path / "rel", seed=0)  # the parent's report, the child's inside
    assert set(report["columns"]) == {"country", "signup_at", "__n_children"}
    assert set(report["related"]["orders"]["columns"]) == {"status", "placed_at", "total"}


def test_service_fit_sample_report_export(shop, tmp_path: Path) -> None:
    customers, _ = shop
    src = tmp_path / "customers.csv"
    customers.to_csv(src, index=False)
    service = SynthService(None, ArtifactStore(tmp_path / "artifacts"))
    version = service.fit(str(src), config=TINY)
    assert service.names() == ["customers"] and service.model_dir("customers") == version
    meta = read_meta(version)  # one meta.json: the common fields and the fit's own
    assert meta["kind"] == "synth/customers" and meta["name"] == "ctgan" and meta["version"] == version.name
    assert meta["source"] == str(src) and meta["rows"] == len(customers) and meta["seed"] == 0
    assert meta["config"]["epochs"] == TINY.epochs and set(meta["metrics"]) == {"loss_g", "loss_d"}
    assert len(meta["data_fingerprint"]) == 16 and not (version / "fit.json").exists()
    frame = service.sample("customers", 30, seed=2)["customers"]
    assert frame["customer_id"].tolist()[:2] == ["syn-customers-000001", "syn-customers-000002"]
    rep = service.report("customers", pd.read_csv(src), n=200)
    assert 0 < rep["quality_score"] <= 1 and rep["privacy"]["exact_copy_share"] == 0.0
    assert (version / "marginals.png").stat().st_size > 1000 and service.last_report("customers") == rep
    shared = service.export("customers", 100, pd.read_csv(src), min_dcr=0.05)
    assert 0 < len(shared) <= 100 and exact_copy_share(customers.drop(columns="customer_id"), shared) == 0.0
    with pytest.raises(LookupError, match="no synthesizer for 'orders'"):
        service.sample("orders", 5)


def test_cli_fit_sample_report(shop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from shopmind.cli import app

    monkeypatch.chdir(tmp_path)
    customers, _ = shop
    customers.drop(columns="customer_id").to_csv(tmp_path / "people.csv", index=False)
    runner = CliRunner()
    res = runner.invoke(
        app, ["synth", "fit", "people.csv", "--epochs", "2", "--batch-size", "50", "--threads", "1"]
    )
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["synth", "sample", "25", "--out", "out.csv"])
    assert res.exit_code == 0, res.output
    assert len(pd.read_csv(tmp_path / "out.csv")) == 25
    res = runner.invoke(app, ["synth", "report", "people", "--rows", "100"])
    assert res.exit_code == 0 and "quality_score" in res.output, res.output
    res = runner.invoke(app, ["synth", "sample", "5", "--name", "nope"])
    assert res.exit_code == 1 and "no synthesizer for 'nope'" in res.output
    res = runner.invoke(app, ["synth", "sample", "5", "--where", "nope"])
    assert res.exit_code == 1 and "COLUMN=VALUE" in res.output


def test_api_fit_job_sample_and_report(sqlite_store, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from shopmind.api.app import create_app
    from shopmind.config import Settings
    from shopmind.engine import Engine

    rng = np.random.default_rng(1)
    sqlite_store.upsert(
        "customers",
        [
            {
                "customer_id": f"c{i}",
                "name": "",
                "email": "",
                "country": str(rng.choice(["UK", "FR"])),
                "city": "",
                "lang": "en",
                "signup_at": pd.Timestamp("2024-01-01", tz="UTC") + pd.Timedelta(days=int(i)),
            }
            for i in range(120)
        ],
    )
    settings = Settings(admin_api_key="adm", storefront_api_key="front", artifacts_dir=tmp_path / "art")
    client = TestClient(create_app(Engine(settings, sqlite_store)))
    admin = {"X-API-Key": "adm"}
    assert (
        client.post("/synth/fit", json={"table": "customers"}, headers={"X-API-Key": "front"}).status_code
        == 403
    )
    assert client.post("/synth/fit", json={"table": "nope"}, headers=admin).status_code == 422
    res = client.post("/synth/fit", json={"table": "customers", "epochs": 2, "batch_size": 50}, headers=admin)
    assert res.status_code == 202 and res.json()["kind"] == "synth:customers"
    job = res.json()
    deadline = time.monotonic() + 240
    while job["status"] in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.5)
        job = client.get(f"/synth/jobs/{job['job_id']}", headers=admin).json()
    assert job["status"] == "done", job
    assert job["progress"]["epoch"] == 2 and set(job["progress"]["losses"]) == {"loss_g", "loss_d"}
    assert job["result"]["version"] == client.get("/synth/models", headers=admin).json()[0]["version"]
    assert client.get("/synth/jobs/nope", headers=admin).status_code == 404
    rows = client.post("/synth/sample", json={"name": "customers", "n": 7}, headers=admin).json()["customers"]
    assert len(rows) == 7 and {"customer_id", "country", "signup_at"} <= set(rows[0])
    body = {"name": "customers", "n": 9, "where": {"country": "FR"}}
    rows = client.post("/synth/sample", json=body, headers=admin).json()["customers"]
    assert len(rows) == 9 and {r["country"] for r in rows} == {"FR"}
    body["where"] = {"country": "DE"}  # never seen in training: 422 with the categories it knows
    res = client.post("/synth/sample", json=body, headers=admin)
    assert res.status_code == 422 and "no category 'DE'" in res.text
    report = client.get("/synth/report/customers", headers=admin).json()  # written by the fit job
    assert report["rows"]["synthetic"] > 0 and {"en", "zh", "verdict"} <= set(report["summary"][0])
    assert set(report["columns"]) == {"name", "email", "country", "city", "lang", "signup_at"}
    assert report["model"]["epochs_run"] == 2
    assert client.post("/synth/sample", json={"name": "x", "n": 7}, headers=admin).status_code == 404
