"""`shopmind marketing …` in-process against the demo shop."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from shopmind.cli import app
from shopmind.config import get_settings

runner = CliRunner()


@pytest.fixture
def shop_db(demo_store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPMIND_DATABASE_URL", demo_store.url)
    get_settings.cache_clear()


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


def test_abtest_from_counts() -> None:
    r = runner.invoke(
        app, ["marketing", "abtest", "--arm", "control:2000:200", "--arm", "mail:2000:260", "--json"]
    )
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["comparisons"][0]["significant"] and out["arms"][1]["conversion_rate"] == pytest.approx(0.13)
    r = runner.invoke(app, ["marketing", "abtest", "--arm", "broken"])
    assert r.exit_code == 1
