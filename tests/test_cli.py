"""The `shopmind` command line, run in-process with Typer's runner against a temporary SQLite file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shopmind.cli import app
from shopmind.data.store import Store

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("SHOPMIND_DATABASE_URL", url)
    return url


def test_every_command_has_help() -> None:
    for args in (
        ["--help"],
        ["ingest", "--help"],
        ["db", "--help"],
        ["datasets", "--help"],
        ["keys", "--help"],
        ["demo-data", "--help"],
        ["serve", "--help"],
        ["demo", "--help"],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, (args, result.output)
        assert "Usage" in result.output


def test_ingest_reports_rejects_and_writes_the_file(db: str, tmp_path: Path) -> None:
    src = tmp_path / "catalog.csv"
    src.write_text("sku,name,price\nA1,Mug,3\nA2,Plate,x\n", encoding="utf-8")
    rejects = tmp_path / "rejects.csv"
    result = runner.invoke(
        app,
        [
            "ingest",
            "products",
            str(src),
            "--map",
            "product_id=sku",
            "--map",
            "title=name",
            "--rejects",
            str(rejects),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "1 rows written" in result.output and "1 rejected" in result.output
    assert "line 3: price: price must be a number" in result.output  # the header is line 1
    assert rejects.read_text(encoding="utf-8").splitlines()[1].startswith("3,2,price,")  # line, row, field
    info = runner.invoke(app, ["db", "info"])
    assert info.exit_code == 0 and "products" in info.output


def test_ingest_file_level_errors_exit_non_zero(db: str, tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    result = runner.invoke(app, ["ingest", "products", str(empty)])
    assert result.exit_code == 1 and "empty (0 bytes)" in result.output
    result = runner.invoke(app, ["ingest", "widgets", str(empty)])
    assert result.exit_code == 1 and "unknown kind" in result.output
    result = runner.invoke(app, ["ingest", "products", str(empty), "--map", "nonsense"])
    assert result.exit_code == 1 and "FIELD=COLUMN" in result.output


def test_keys_create(db: str) -> None:
    result = runner.invoke(app, ["keys", "create", "--scope", "admin", "--name", "ops"])
    assert result.exit_code == 0 and result.output.strip().startswith("sm_ad_")
    result = runner.invoke(app, ["keys", "create", "--scope", "root"])
    assert result.exit_code == 1 and "unknown scope" in result.output


def test_importing_shopmind_loads_no_heavy_modules() -> None:
    code = (
        "import sys, shopmind, shopmind.config, shopmind.cli; "
        "heavy = [m for m in ('torch', 'pandas', 'sqlalchemy', 'fastapi', 'numpy') if m in sys.modules]; "
        "print(heavy); sys.exit(1 if heavy else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_demo_data_then_train_and_recommend(db: str, tmp_path: Path) -> None:
    result = runner.invoke(app, ["demo-data", "--seed", "3", "--scale", "0.05"])
    assert result.exit_code == 0, result.output
    assert "products" in result.output and (tmp_path / "var" / "demo" / "truth-seed3.json").exists()
    result = runner.invoke(app, ["train", "rec", "--model", "itemknn", "--param", "k=50"])
    assert result.exit_code == 0, result.output
    assert "ndcg@10" in result.output and "(published)" in result.output
    result = runner.invoke(app, ["rec", "recommend", "C00001", "--k", "3"])
    assert result.exit_code == 0 and "itemknn" in result.output
    result = runner.invoke(app, ["train", "rec", "--model", "nope"])
    assert result.exit_code == 1 and "valid names" in result.output


@pytest.mark.datasets
def test_import_online_retail_as_a_shop(db: str) -> None:
    import os

    folder = os.environ.get("SHOPMIND_DATASETS_DIR")
    if not folder or not (Path(folder) / "marketing/online-retail-uci").is_dir():
        pytest.skip("SHOPMIND_DATASETS_DIR with marketing/online-retail-uci is needed")
    result = runner.invoke(app, ["datasets", "import-shop", "online-retail-uci", "--months", "2010-12"])
    assert result.exit_code == 0, result.output
    from shopmind.data.store import Store

    store = Store(db)
    counts = store.counts()
    assert counts["orders"] > 1000 and counts["customers"] > 500 and counts["events"] > 10_000
    order = store.list_orders(status="delivered")[0][0]
    assert [t["status"] for t in store.get_order(order["order_id"])["timeline"]][-1] == "delivered"
    assert runner.invoke(app, ["datasets", "import-shop", "hillstrom"]).exit_code == 1


def test_a_worker_lowers_its_cpu_priority_below_the_servers(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    store = Store(url)
    store.migrate()
    store.dispose()
    env = os.environ | {"SHOPMIND_DATABASE_URL": url, "SHOPMIND_LOG_LEVEL": "INFO", "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "shopmind.cli", "worker", "--once", "--nice", "7"]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    assert f"lowered to nice {os.nice(0) + 7}" in out.stdout + out.stderr
