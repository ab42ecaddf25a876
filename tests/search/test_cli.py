"""`shopmind search …` through Typer's runner (the sub-app the main CLI mounts as `search`)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from shopmind.data.ingest import ingest_records
from shopmind.search.cli import search_app
from tests.search.conftest import CATALOG


def test_query_is_the_default_command(sqlite_store, monkeypatch) -> None:
    ingest_records(sqlite_store, "products", CATALOG)
    monkeypatch.setenv("SHOPMIND_DATABASE_URL", sqlite_store.url)
    runner = CliRunner()
    out = runner.invoke(search_app, ["不要红色的连衣裙", "--mode", "lexical", "--json"])
    assert out.exit_code == 0, out.output
    assert [p["product_id"] for p in json.loads(out.output)["products"]] == ["P4"]
    out = runner.invoke(search_app, ["query", "leather jacket", "--mode", "lexical"])
    assert out.exit_code == 0 and "P5" in out.output
    out = runner.invoke(search_app, ["iphnoe case", "--mode", "lexical"])  # nothing matches: it says so
    assert out.exit_code == 0 and "No exact match for “iphone case”" in out.output
    assert "showing results for “iphone case”" in out.output
    out = runner.invoke(search_app, ["jacket", "--mode", "fuzzy"])
    assert out.exit_code == 2 and "unknown mode" in out.output
    out = runner.invoke(search_app, ["evaluate", "--dataset", "nope"])
    assert out.exit_code == 2 and "unknown dataset" in out.output
