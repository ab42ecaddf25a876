"""Each finding of the attack-and-fault run on the API, reproduced: bad input gets a 4xx in the one
error shape (a bad row of a batch is rejected alone), nothing it sends corrupts what others read, the
server keeps the connection after an error, artifact kinds and versions are names, and publishing
refuses a model worse than the serving one unless forced. SQLite and PostgreSQL where the store
matters (NUL bytes, 64-bit overflow)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from shopmind.api.app import create_app
from shopmind.artifacts import ArtifactStore, InvalidNameError, read_meta
from shopmind.config import Settings
from shopmind.data.schema import MAX_OFFSET, MAX_QUANTITY
from shopmind.data.store import Store
from shopmind.engine import Engine
from tests.conftest import LiveServer

NOW = datetime(2026, 3, 1, tzinfo=UTC).isoformat()


def product(pid: str, **kw) -> dict:
    return {
        "product_id": pid,
        "title": f"Dress {pid}",
        "price": 10.0,
        "category": "Clothing",
        "stock": 3,
    } | kw


def order(oid: str, quantity=1, **kw) -> dict:
    items = [{"line_no": 1, "product_id": "P1", "quantity": quantity, "unit_price": 10.0}]
    return {"order_id": oid, "customer_id": "C1", "placed_at": NOW, "total": 10.0, "items": items} | kw


@pytest.fixture
def shop(store: Store, tmp_path: Path) -> Iterator[tuple[TestClient, dict, dict, Engine]]:
    """A small shop (two products, a customer with an order) behind the app, in-process."""
    settings = Settings(var_dir=tmp_path / "var", artifacts_dir=tmp_path / "artifacts", embedded_worker=False)
    engine = Engine(settings, store)
    admin = {"X-API-Key": store.create_api_key("admin", "test admin")}
    public = {"X-API-Key": store.create_api_key("storefront", "test shop")}
    client = TestClient(create_app(engine, close_engine=False), raise_server_exceptions=False)
    assert client.post("/products", json=[product("P1"), product("P2")], headers=admin).json()["written"] == 2
    customer = {"customer_id": "C1", "name": "Wu Fang", "email": "wf@example.com"}
    assert client.post("/customers", json=[customer], headers=admin).json()["written"] == 1
    assert client.post("/orders", json=[order("O1")], headers=admin).json()["rejected"] == []
    try:
        yield client, admin, public, engine
    finally:
        client.close()
        engine.close()


def assert_invalid(response: httpx.Response, field: str = "") -> None:
    """A 422 in the one error shape, naming ``field``."""
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_input" and field in error["message"], error


# ---------------------------------------------------------------------------- numbers
def test_an_order_with_a_huge_quantity_is_rejected_and_orders_still_read(shop) -> None:
    client, admin, _, _ = shop
    batch = [
        order("O2", quantity=1e30),
        order("O3", quantity=2, total=20.0),
        order("O4", quantity=MAX_QUANTITY + 1),
    ]
    answer = client.post("/orders", json=batch, headers=admin).json()
    assert [(r["row"], r["field"]) for r in answer["rejected"]] == [(1, "quantity"), (3, "quantity")]
    assert f"at most {MAX_QUANTITY:,}" in answer["rejected"][0]["reason"]
    listed = client.get("/orders", headers=admin)
    assert listed.status_code == 200 and {o["order_id"] for o in listed.json()["items"]} == {"O1", "O3"}
    assert client.get("/orders/O3", headers=admin).json()["items"][0]["quantity"] == 2
    assert client.get("/orders/O2", headers=admin).status_code == 404


def test_money_and_stock_out_of_range_are_rejected(shop) -> None:
    client, admin, _, _ = shop
    answer = client.post(
        "/products",
        json=[product("P3", price=1e308), product("P4", stock=2**40), product("P5")],
        headers=admin,
    ).json()
    assert [(r["row"], r["field"]) for r in answer["rejected"]] == [(1, "price"), (2, "stock")]
    assert_invalid(client.put("/products/P6", json=product("P6", price=1e308), headers=admin), "price")
    assert_invalid(client.put("/products/P6", json=product("P6", stock="5"), headers=admin), "stock")
    assert client.get("/products", headers=admin).json()["total"] == 3


def test_a_campaign_plan_with_an_absurd_offer_value_is_a_422(shop) -> None:
    client, admin, _, _ = shop
    body = {"budget": 1000, "cost_per_contact": 0.5, "offer_value": 1e308}
    assert_invalid(client.post("/marketing/campaigns/plan", json=body, headers=admin), "offer_value")
    assert_invalid(client.post("/marketing/campaigns/plan", json=body | {"offer_value": "5"}, headers=admin))


# ---------------------------------------------------------------------------- ids
def test_an_id_in_the_path_follows_the_id_pattern(shop) -> None:
    client, admin, public, _ = shop
    bad = client.put("/products/has%20space%3Cscript%3E", json=product("x"), headers=admin)
    assert_invalid(bad, "product_id")
    assert client.get("/products", headers=public).status_code == 200  # the public list is unharmed
    assert_invalid(client.get("/customers/a%00b", headers=admin), "customer_id")
    assert_invalid(client.get("/orders", params={"customer_id": "<script>"}, headers=admin), "customer_id")


def test_a_row_stored_before_a_rule_existed_is_still_listed(shop) -> None:
    client, _, public, engine = shop
    legacy = product("old id", title="tab\there") | {"attributes": {}, "currency": "CNY", "lang": "en"}
    engine.store.upsert("products", [legacy])  # written without validation (an older version)
    listed = client.get("/products", params={"limit": 500}, headers=public)
    assert listed.status_code == 200 and "old id" in {p["product_id"] for p in listed.json()["items"]}


# ---------------------------------------------------------------------------- text
def test_nul_and_control_characters_are_rejected_where_the_public_key_writes(shop) -> None:
    client, _, public, _ = shop
    assert_invalid(
        client.post("/shop/events", json={"type": "search", "query": "a\x00b"}, headers=public), "query"
    )
    event = {"type": "view", "product_id": "P1", "session_id": "s\x00", "customer_id": "guest-1"}
    assert_invalid(client.post("/shop/events", json=event, headers=public), "session_id")
    searched = client.get("/search", params={"q": "dress\x00"}, headers=public)  # the query is cleaned
    assert searched.status_code == 200 and searched.json()["query"] == "dress"
    assert_invalid(
        client.get("/search", params={"q": "a", "session_id": "\x01"}, headers=public), "session_id"
    )
    login = {"customer_id": "C1", "email": "wf@example.com"}
    token = client.post("/chat/sessions", json=login, headers=public).json()["token"]
    said = client.post(
        "/chat", json={"message": "where is\x00 my order"}, headers=public | {"X-Chat-Token": token}
    )
    assert_invalid(said, "message")
    fine = client.post("/chat", json={"message": "hello\nthere"}, headers=public | {"X-Chat-Token": token})
    assert fine.status_code == 200, fine.text  # line breaks are text


def test_a_batch_rejects_the_row_with_a_nul_and_writes_the_others(shop) -> None:
    client, admin, _, _ = shop
    cases = {
        "/products": ([product("P7", title="a\x00"), product("P8")], "title"),
        "/customers": ([{"customer_id": "C2", "name": "x\x00"}, {"customer_id": "C3"}], "name"),
        "/events": (
            [
                {"type": "search", "query": "q\x00", "ts": NOW, "customer_id": "C1"},
                {"type": "view", "product_id": "P1", "ts": NOW, "customer_id": "C1"},
            ],
            "query",
        ),
        "/orders": ([order("O5", shipping_address="x\x00"), order("O6")], "shipping_address"),
        "/knowledge": (
            [{"doc_id": "D1", "title": "t", "body": "b\x00"}, {"doc_id": "D2", "title": "t", "body": "b"}],
            "body",
        ),
    }
    for path, (rows, field) in cases.items():
        answer = client.post(path, json=rows, headers=admin)
        assert answer.status_code == 200, (path, answer.text)
        assert answer.json()["written"] >= 1, path
        assert [(r["row"], r["field"]) for r in answer.json()["rejected"]] == [(1, field)], path


def test_attributes_lose_their_control_characters(shop) -> None:
    client, admin, public, _ = shop
    written = client.put(
        "/products/P9", json=product("P9", attributes={"colour\x00": "red\x01"}), headers=admin
    )
    assert written.status_code == 200 and written.json()["attributes"] == {"colour": "red"}
    assert client.get("/products/P9", headers=public).json()["attributes"] == {"colour": "red"}


# ---------------------------------------------------------------------------- pages
@pytest.mark.parametrize("path", ["/products", "/customers", "/orders", "/events", "/admin/conversations"])
def test_a_huge_offset_is_a_422_not_a_server_error(shop, path: str) -> None:
    client, admin, _, _ = shop
    for offset in ("1e20", str(10**20), str(MAX_OFFSET + 1), "-1"):
        assert_invalid(client.get(path, params={"offset": offset}, headers=admin), "offset")
    assert client.get(path, params={"offset": MAX_OFFSET}, headers=admin).status_code == 200


def test_an_attribute_no_product_has_filters_to_nothing(shop) -> None:
    client, _, public, _ = shop
    found = client.get("/search", params={"q": "dress", "attr": "nosuchkey:x"}, headers=public)
    assert found.status_code == 200 and found.json()["total"] == 0


# ---------------------------------------------------------------------------- errors
def test_the_connection_survives_a_server_error(sqlite_store: Store, tmp_path: Path) -> None:
    engine = Engine(
        Settings(var_dir=tmp_path / "var", artifacts_dir=tmp_path / "a", embedded_worker=False), sqlite_store
    )
    app = create_app(engine)

    @app.get("/boom", include_in_schema=False)
    def boom() -> None:
        raise RuntimeError("a bug")

    with LiveServer(app) as server, httpx.Client(base_url=server.url) as client:
        first = client.get("/boom")
        assert first.status_code == 500 and first.json()["error"]["code"] == "internal_error"
        assert "a bug" not in first.text and first.headers.get("connection") != "close"
        stream = first.extensions["network_stream"]
        second = client.get("/health")
        assert second.status_code == 200 and second.extensions["network_stream"] is stream  # same socket


def test_a_method_the_path_lacks_is_a_405_naming_every_method_it_has(shop) -> None:
    client, admin, _, _ = shop
    answer = client.patch("/products", headers=admin)
    assert answer.status_code == 405 and answer.json()["error"]["code"] == "method_not_allowed"
    assert set(answer.headers["allow"].split(", ")) == {"GET", "POST"}


def test_a_body_that_is_not_json_is_a_400_in_the_error_shape(shop) -> None:
    client, admin, _, _ = shop
    answer = client.post(
        "/products", content=b"\xff\xfe{", headers=admin | {"Content-Type": "application/json"}
    )
    assert answer.status_code in (400, 422) and set(answer.json()) == {"error"}


def test_the_rejects_of_a_run_with_a_huge_field_can_be_viewed(shop, tmp_path: Path) -> None:
    from shopmind.data.ingest import ingest_file

    client, admin, _, engine = shop
    src = tmp_path / "huge.csv"
    src.write_text(f"product_id,title,price\nP10,ok,1\nP11,{'x' * 200_000},1\n", encoding="utf-8")
    ingest_file(engine.store, "products", src, rejects_dir=tmp_path / "rejects")
    run = client.get("/admin/ingest-runs", headers=admin).json()[0]
    assert run["rows_rejected"] == 1
    view = client.get(f"/admin/ingest-runs/{run['run_id']}/rejects", headers=admin)
    assert view.status_code == 200, view.text
    assert len(view.text) < 50_000  # the huge cell is cut for the console


# ---------------------------------------------------------------------------- artifact names
@pytest.mark.parametrize(
    "kind", ["%2Ftmp%2Fevil", "/tmp/evil", "rec%2F..%2F..", "..", "rec%00x", "rec%5C..", "a/b/c", "REC"]
)
def test_a_publish_to_a_kind_that_is_a_path_is_refused(shop, tmp_path: Path, kind: str) -> None:
    client, admin, _, engine = shop
    answer = client.post(f"/admin/models/{kind}/publish", json={"version": "x-1"}, headers=admin)
    assert answer.status_code in (404, 422), answer.text
    assert not list(tmp_path.rglob("CURRENT")) and not Path("/tmp/evil").exists()


def test_artifact_kinds_and_versions_are_names_never_paths(tmp_path: Path) -> None:
    artifacts = ArtifactStore(tmp_path / "artifacts")
    for kind in ("/etc", "../x", "rec/..", "a/b/c", "rec\\x", "re\x00c", "", "Rec", ".rec"):
        with pytest.raises(InvalidNameError):
            artifacts.kind_dir(kind)
    assert (
        artifacts.kind_dir("synth/customers+orders") == tmp_path / "artifacts" / "synth" / "customers+orders"
    )
    path = artifacts.save_version(
        "rec", "numbers", lambda p: (p / "meta.json").write_text("{}"), publish=False
    )
    for version in ("../rec", f"../{path.name}", "/etc/passwd", f"{path.name}\x00", ".CURRENT"):
        with pytest.raises(InvalidNameError):
            artifacts.publish("rec", version)
    with pytest.raises(LookupError):
        artifacts.publish("rec", Path("/elsewhere") / path.name)  # a folder outside the kind
    assert artifacts.publish("rec", path.name) == path


# ---------------------------------------------------------------------------- the quality gate
@pytest.fixture
def demo(sqlite_store: Store, tmp_path: Path) -> Iterator[Engine]:
    from shopmind.data.demo import load_demo_shop

    load_demo_shop(sqlite_store, seed=7, scale=0.05)
    settings = Settings(var_dir=tmp_path / "var", artifacts_dir=tmp_path / "artifacts")
    with Engine(settings, sqlite_store) as engine:
        yield engine


@pytest.mark.slow
def test_a_worse_model_is_kept_but_not_published_unless_forced(demo: Engine) -> None:
    from shopmind.recommend.train import GATE, train_and_publish

    good = train_and_publish(demo.store, "itemknn", None, demo.artifacts)
    assert good.published and demo.artifacts.current("rec") == good.version_dir
    worse = train_and_publish(demo.store, "bpr", {"epochs": 1, "n_threads": 1}, demo.artifacts)
    assert worse.metrics[GATE.metric] < good.metrics[GATE.metric] * (1 - GATE.tolerance)
    assert not worse.published and GATE.metric in worse.refused and "force" in worse.refused
    assert demo.artifacts.current("rec") == good.version_dir and worse.version_dir.is_dir()  # kept
    again = train_and_publish(demo.store, "itemknn", None, demo.artifacts)  # as good: published
    assert again.published and demo.artifacts.current("rec") == again.version_dir
    client = TestClient(create_app(demo, close_engine=False))
    admin = {"X-API-Key": demo.store.create_api_key("admin", "a")}
    refused = client.post(
        "/admin/models/rec/publish", json={"version": worse.version_dir.name}, headers=admin
    )
    assert refused.status_code == 409 and GATE.metric in refused.json()["error"]["message"]
    forced = client.post(
        "/admin/models/rec/publish", json={"version": worse.version_dir.name, "force": True}, headers=admin
    )
    assert forced.status_code == 200 and demo.artifacts.current("rec") == worse.version_dir
    back = client.post("/admin/models/rec/publish", json={"version": good.version_dir.name}, headers=admin)
    assert back.status_code == 200  # better than the serving one: no force needed


@pytest.mark.slow
def test_a_refused_training_job_is_done_with_published_false_and_the_reason(demo: Engine) -> None:
    good = demo.models.train("rec", "itemknn")
    assert demo.jobs.wait(good, timeout=300).status == "done"
    job = demo.models.train("rec", "bpr", {"epochs": 1, "n_threads": 1})
    finished = demo.jobs.wait(job, timeout=300)
    assert finished.status == "done", finished.error
    result = finished.result
    assert result["published"] is False and "valid_ndcg@10" in result["refused"]
    assert demo.artifacts.current("rec").name != result["version"]
    assert read_meta(demo.artifacts.kind_dir("rec") / result["version"])["metrics"]  # kept, with metrics
    forced = demo.jobs.wait(
        demo.models.train("rec", "bpr", {"epochs": 1, "n_threads": 1}, force=True), timeout=300
    )
    assert (
        forced.result["published"] is True and demo.artifacts.current("rec").name == forced.result["version"]
    )


@pytest.mark.slow
def test_train_rec_force_on_the_command_line(demo: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from shopmind.cli import app

    monkeypatch.setenv("SHOPMIND_DATABASE_URL", demo.store.url)
    monkeypatch.setenv("SHOPMIND_ARTIFACTS_DIR", str(demo.settings.artifacts_dir))
    runner = CliRunner()
    first = runner.invoke(app, ["train", "rec", "--model", "itemknn"])
    assert first.exit_code == 0 and "(published)" in first.output, first.output
    worse = ["train", "rec", "--model", "bpr", "--param", "epochs=1", "--param", "n_threads=1"]
    refused = runner.invoke(app, worse)
    assert (
        refused.exit_code == 0 and "not published" in refused.output and "(published)" not in refused.output
    )
    forced = runner.invoke(app, [*worse, "--force"])
    assert forced.exit_code == 0 and "(published)" in forced.output, forced.output
    assert ArtifactStore(demo.settings.artifacts_dir).versions("rec")[0]["model"] == "bpr"
