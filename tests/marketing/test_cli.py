"""`shopmind marketing …` in-process against the demo shop."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from shopmind.cli import app

runner = CliRunner()


@pytest.fixture
def shop_db(demo_store, monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("SHOPMIND_DATABASE_URL", demo_store.url)
    monkeypatch.setenv("SHOPMIND_ARTIFACTS_DIR", str(tmp_path / "artifacts"))
    monkeypatch.setenv("SHOPMIND_VAR_DIR", str(tmp_path / "var"))
    yield


def test_marketing_commands(shop_db, tmp_path) -> None:
    r = runner.invoke(app, ["marketing", "rfm", "--json"])
    assert r.exit_code == 0, r.output
    assert sum(s["customers"] for s in json.loads(r.output)["segments"]) == json.loads(r.output)["customers"]
    r = runner.invoke(app, ["marketing", "chart", "rfm-grid", "--out", str(tmp_path / "grid.png")])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "grid.png").read_bytes()[:4] == b"\x89PNG"
    r = runner.invoke(
        app, ["marketing", "plan", "--budget", "20", "--cost", "0.2", "--csv", str(tmp_path / "t.csv")]
    )
    assert r.exit_code == 0, r.output
    assert (tmp_path / "t.csv").read_text(encoding="utf-8").startswith("customer_id,segment")
    r = runner.invoke(app, ["marketing", "profile", "nobody"])
    assert r.exit_code == 1 and "nobody" in r.output


def test_fit_publishes_a_version_that_the_next_commands_use(shop_db, tmp_path) -> None:
    r = runner.invoke(app, ["marketing", "fit", "--json"])
    assert r.exit_code == 0, r.output
    fit = json.loads(r.output)
    assert fit["version"].startswith("clv-churn-uplift-") and fit["fitted_on"]["orders"] > 0
    assert 0.5 < fit["metrics"]["churn_auc_90d"] <= 1 and fit["metrics"]["bgnbd_customers"] > 0
    r = runner.invoke(app, ["marketing", "churn", "--json"])
    assert r.exit_code == 0, r.output
    churn = json.loads(r.output)
    assert churn["model_version"] == fit["version"] and churn["stale"] is False and churn["at_risk"]
    assert (tmp_path / "artifacts" / "marketing" / "CURRENT").read_text().strip() == fit["version"]


def test_abtest_from_counts() -> None:
    r = runner.invoke(
        app, ["marketing", "abtest", "--arm", "control:2000:200", "--arm", "mail:2000:260", "--json"]
    )
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["comparisons"][0]["significant"] and out["arms"][1]["conversion_rate"] == pytest.approx(0.13)
    r = runner.invoke(app, ["marketing", "abtest", "--arm", "broken"])
    assert r.exit_code == 1
