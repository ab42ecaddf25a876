"""The console's import API over a real server: bounded upload, preview with guesses, import, rejects."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from shopmind.api.app import create_app
from shopmind.config import Settings
from shopmind.data.store import Store
from shopmind.engine import Engine
from tests.conftest import LiveServer

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
MAX_BODY = 64 * 1024


@pytest.fixture
def api(sqlite_store: Store, tmp_path: Path) -> Iterator[tuple[httpx.Client, Path]]:
    admin_key = sqlite_store.create_api_key("admin", "test admin")
    var = tmp_path / "var"
    settings = Settings(var_dir=var, artifacts_dir=tmp_path / "artifacts", max_body_bytes=MAX_BODY)
    engine = Engine(settings, sqlite_store)
    with LiveServer(create_app(engine)) as server:
        headers = {"X-API-Key": admin_key}
        with httpx.Client(base_url=server.url, timeout=30, headers=headers) as client:
            yield client, var
    engine.close()


def upload(client: httpx.Client, content: bytes, **params) -> httpx.Response:
    return client.post("/admin/imports", params=params, content=content)


def test_upload_is_validated_and_bounded(api) -> None:
    client, var = api
    resp = upload(client, b"product_id,title\nA,B\n", kind="widgets", filename="x.csv")
    assert resp.status_code == 422
    resp = upload(client, b"product_id,title\nA,B\n", kind="products", filename="x.exe")
    assert resp.status_code == 422 and "format" in resp.json()["error"]["message"]
    resp = upload(client, b"", kind="products", filename="x.csv")
    assert resp.status_code == 422 and "empty" in resp.json()["error"]["message"]
    resp = upload(client, b"a," * MAX_BODY, kind="products", filename="x.csv")
    assert resp.status_code == 413
    assert httpx.post(f"{client.base_url}/admin/imports", params={"kind": "products"}).status_code == 401
    assert client.get("/admin/imports/..%2F..%2Fetc").status_code in (404, 422)  # never a path
    assert client.get("/admin/imports/0123456789abcdef").status_code == 404
    saved = list((var / "uploads").glob("*")) if (var / "uploads").exists() else []
    assert saved == []  # nothing kept of a refused upload


def test_a_shopify_export_previews_recognised_and_imports(api, sqlite_store: Store) -> None:
    client, var = api
    data = (EXAMPLES / "shopify_products.csv").read_bytes()
    resp = upload(client, data, kind="products", filename="C:\\exports\\../products_export.csv")
    assert resp.status_code == 201, resp.text
    preview = resp.json()
    assert preview["recognised"] == "a Shopify product export" and preview["mapping"] == {}
    assert preview["filename"] == "products_export.csv" and preview["size"] == len(data)
    assert preview["preview_columns"][:2] == ["product_id", "title"]
    assert preview["rows"][0][:2] == ["alder-oak-desk-lamp", "Alder Oak Desk Lamp"]
    stored = sorted(p.name for p in (var / "uploads").iterdir())
    assert stored == sorted([f"{preview['upload_id']}.csv", f"{preview['upload_id']}.json"])
    result = client.post(f"/admin/imports/{preview['upload_id']}", json={"mapping": {}}).json()
    assert (result["rows_read"], result["rows_written"], result["rows_rejected"]) == (20, 15, 0)
    assert result["rows_folded"] == 5 and result["rejects_url"] is None
    assert result["source"] == "products_export.csv"
    assert sqlite_store.get_product("pebble-ceramic-mug")["price"] == 18.5
    assert client.post(f"/admin/imports/{preview['upload_id']}", json={}).status_code == 404  # used up


def test_guessed_mapping_can_be_changed_and_rejects_are_shown(api, sqlite_store: Store) -> None:
    client, _ = api
    data = b"SKU,Name,Cost,Label\nA1,Blue mug,3.5,x\nA2,,2,y\nA3,Red cup,-4,z\n"
    preview = upload(client, data, kind="products", filename="mine.csv").json()
    assert preview["recognised"] is None
    assert preview["mapping"] == {"product_id": "SKU", "title": "Name"}
    assert {"name": "product_id", "required": True} in preview["fields"]
    bad = client.post(f"/admin/imports/{preview['upload_id']}", json={"mapping": {"price": "Nope"}})
    assert bad.status_code == 422 and "Nope" in bad.json()["error"]["message"]
    mapping = {**preview["mapping"], "price": "Cost"}
    result = client.post(f"/admin/imports/{preview['upload_id']}", json={"mapping": mapping}).json()
    assert (result["rows_written"], result["rows_rejected"]) == (1, 2)
    assert result["reject_columns"][:4] == ["line", "row", "field", "reason"]
    assert [(r[0], r[2]) for r in result["rejects"]] == [("3", "title"), ("4", "price")]
    assert sqlite_store.get_product("A1")["attributes"] == {"Label": "x"}
    csv = client.get(result["rejects_url"])
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert "Red cup" in csv.text and "attachment" in csv.headers["content-disposition"]
