"""State every replica shares lives in the store: the token-signing secret (generated once, race-safe),
search pins (applied by every replica within about a second), published-model pointers (cached for a
second, CURRENT files adopted) and jobs (one replica's job visible through another's API). The two
"replicas" are two engines with stores of their own over one database (SQLite file or PostgreSQL)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from shopmind.api.app import create_app
from shopmind.artifacts import ArtifactStore, Hot, write_model
from shopmind.config import Settings
from shopmind.data.store import Store
from shopmind.engine import Engine
from shopmind.search.index import IndexConfig, ProductIndex
from shopmind.search.pins import Pins
from shopmind.search.service import SearchConfig, SearchService
from tests.api.test_web_endpoints import seed


def replica(store: Store, tmp: Path, name: str, **settings) -> Engine:
    """An engine of its own (store, var folder, lexical search) over ``store``'s database; the artifacts
    folder is the shared one."""
    own = Store(store.url)
    engine = Engine(Settings(var_dir=tmp / name, artifacts_dir=tmp / "artifacts", **settings), own)
    search = SearchService(own, SearchConfig(mode="lexical"), index=ProductIndex(IndexConfig(dense=False)))
    return engine.provide(search=search)


@pytest.fixture
def replicas(
    store: Store, tmp_path: Path
) -> Iterator[tuple[TestClient, TestClient, dict, dict, Engine, Engine]]:
    seed(store)  # 30 products "Dress 0".."Dress 29", customer C1 (wf@example.com) with an order and views
    admin = {"X-API-Key": store.create_api_key("admin", "a")}
    shop = {"X-API-Key": store.create_api_key("storefront", "s")}
    a, b = replica(store, tmp_path, "a"), replica(store, tmp_path, "b", embedded_worker=False)
    with TestClient(create_app(a)) as ca, TestClient(create_app(b)) as cb:
        yield ca, cb, admin, shop, a, b
    for engine in (a, b):
        engine.store.dispose()


def test_a_token_signed_by_one_replica_is_accepted_by_another(replicas) -> None:
    ca, cb, _, shop, a, b = replicas
    login = ca.post("/shop/login", json={"customer_id": "C1", "email": "wf@example.com"}, headers=shop)
    assert login.status_code == 200, login.text
    token = {"X-Customer-Token": login.json()["token"]}
    assert cb.get("/recommendations/C1", headers=shop | token).status_code == 200
    assert cb.get("/recommendations/C1", headers=shop).status_code == 403  # the token is what lets it in
    assert a.store.shared_secret("token-signing") == b.store.shared_secret("token-signing")


def test_the_secret_is_generated_once_when_many_ask_at_once(store: Store) -> None:
    stores = [Store(store.url) for _ in range(4)]
    seen: list[bytes] = []
    threads = [threading.Thread(target=lambda s=s: seen.append(s.shared_secret("race"))) for s in stores * 3]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(seen) == 12 and len(set(seen)) == 1 and len(seen[0]) == 32
    assert store.shared_secret("another") != seen[0]
    for s in stores:
        s.dispose()


def first_hit(client: TestClient, key: dict, query: str) -> str:
    answer = client.get("/search", params={"q": query}, headers=key)
    assert answer.status_code == 200, answer.text
    return answer.json()["products"][0]["product_id"]


def test_a_pin_set_through_one_replica_applies_on_the_other_within_a_second(replicas) -> None:
    ca, cb, admin, shop, _, _ = replicas
    before = first_hit(cb, shop, "dress")
    assert before != "P29"
    put = ca.put("/admin/search/pins", json={"query": " Dress ", "product_ids": ["P29", "P3"]}, headers=admin)
    assert put.status_code == 200 and put.json() == {"query": "dress", "product_ids": ["P29", "P3"]}
    assert first_hit(ca, shop, "dress") == "P29"  # at once on the replica that set it
    deadline = time.monotonic() + 1.5
    while first_hit(cb, shop, "DRESS") != "P29":
        assert time.monotonic() < deadline, "the pin did not reach the other replica"
        time.sleep(0.05)
    assert cb.get("/admin/search/pins", headers=admin).json() == [
        {"query": "dress", "product_ids": ["P29", "P3"]}
    ]
    bad = ca.put("/admin/search/pins", json={"query": "lamp", "product_ids": ["P1", "NOPE"]}, headers=admin)
    assert bad.status_code == 404 and "NOPE" in bad.json()["error"]["message"]
    assert (
        ca.put("/admin/search/pins", json={"query": "x", "product_ids": ["P1"]}, headers=shop).status_code
        == 403
    )
    gone = cb.delete("/admin/search/pins", params={"query": "dress"}, headers=admin)
    assert gone.status_code == 200 and gone.json()["product_ids"] == ["P29", "P3"]
    assert cb.delete("/admin/search/pins", params={"query": "dress"}, headers=admin).status_code == 404
    time.sleep(1.1)
    assert first_hit(ca, shop, "dress") == before and ca.get("/admin/search/pins", headers=admin).json() == []


def test_a_job_submitted_through_one_replica_is_followed_through_the_other(replicas) -> None:
    ca, cb, admin, _, a, _ = replicas
    release, running = threading.Event(), threading.Event()

    def slow(job) -> dict:
        job.update(step="halfway")
        running.set()
        release.wait(20)
        return {"ok": True}

    a.jobs.register("train:rec", slow)  # replica A's embedded worker runs it (B has none)
    job = ca.post("/admin/models/rec/retrain", json={"model": "popular"}, headers=admin)
    assert job.status_code == 202, job.text
    url = f"/admin/jobs/{job.json()['job_id']}"
    assert running.wait(20)
    deadline = time.monotonic() + 5
    while (seen := cb.get(url, headers=admin).json())["progress"] != {"step": "halfway"}:
        assert time.monotonic() < deadline, seen
        time.sleep(0.05)
    assert seen["status"] == "running" and seen["worker_id"] == a.jobs.worker.worker_id
    busy = cb.post("/admin/models/rec/retrain", json={"model": "itemknn"}, headers=admin)
    assert busy.status_code == 409 and job.json()["job_id"] in busy.json()["error"]["message"]
    release.set()
    deadline = time.monotonic() + 10
    while (seen := cb.get(url, headers=admin).json())["status"] != "done":
        assert time.monotonic() < deadline, seen
        time.sleep(0.05)
    assert seen["result"] == {"ok": True} and [
        j["job_id"] for j in cb.get("/admin/jobs", headers=admin).json()
    ] == [job.json()["job_id"]]


# ---------------------------------------------------------------------------- model pointers
def save(artifacts: ArtifactStore, name: str, publish: bool = True) -> Path:
    return artifacts.save_version("toy", name, lambda p: write_model(p, {"name": name}), publish=publish)


def test_a_version_published_by_one_process_is_served_by_another_within_a_second(
    store: Store, tmp_path
) -> None:
    other = Store(store.url)
    writer = ArtifactStore(tmp_path, pointers=store)
    reader = ArtifactStore(tmp_path, pointers=other)
    reads: list[str] = []
    real = other.model_pointer
    other.model_pointer = lambda kind: reads.append(kind) or real(kind)
    hot = Hot("toy", lambda path: path.name, reader)
    assert hot.get() == (None, None)
    first = save(writer, "a")
    time.sleep(1.05)
    assert hot.get() == (first.name, first.name)
    second = save(writer, "b")
    deadline = time.monotonic() + 1.5
    while hot.get()[1] != second.name:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert len(reads) <= 6  # ~100 gets a second, one pointer read per second (not one per request)
    assert (tmp_path / "toy" / "CURRENT").read_text() == second.name  # the file mirrors the table
    writer.publish("toy", first.name)  # roll back: the publishing process sees it at once
    assert writer.current("toy") == first and store.model_pointer("toy") == first.name
    other.dispose()


def test_a_current_file_is_adopted_and_then_the_table_decides(store: Store, tmp_path) -> None:
    plain = ArtifactStore(tmp_path)  # library use: CURRENT files only
    old = save(plain, "old")
    shared = ArtifactStore(tmp_path, pointers=store)
    assert shared.kinds() == ["toy"] and store.model_pointers() == {"toy": old.name}  # adopted
    assert shared.current("toy") == old
    new = save(shared, "new")
    (tmp_path / "toy" / "CURRENT").write_text(old.name)  # a stale file is ignored once a row exists
    fresh = ArtifactStore(tmp_path, pointers=store)
    assert fresh.current("toy") == new and [v["current"] for v in fresh.versions("toy")] == [True, False]
    unpublished = save(shared, "draft", publish=False)
    assert fresh.current("toy") == new and unpublished.is_dir()


# ---------------------------------------------------------------------------- pins
def test_an_old_pins_file_is_imported_once(store: Store, tmp_path) -> None:
    path = tmp_path / "pins.json"
    path.write_text('{"Red Dress": ["P1", "P2"], "lamp": []}', encoding="utf-8")
    pins = Pins(store, path)
    assert pins.all() == {"red dress": ["P1", "P2"]} and not path.exists()
    assert (tmp_path / "pins.json.imported").is_file()
    path.write_text('{"other": ["P9"]}', encoding="utf-8")  # a file appearing later does not replace them
    assert Pins(store, path).all() == {"red dress": ["P1", "P2"]} and path.exists()
    library = Pins(None, tmp_path / "lib.json")  # without a store: memory and the JSON file
    library.set("Lamp", ["P3"])
    assert Pins(None, tmp_path / "lib.json").get("LAMP") == ["P3"]


def test_search_pin_commands(sqlite_store: Store, monkeypatch) -> None:
    from shopmind.cli import app

    seed(sqlite_store)
    monkeypatch.setenv("SHOPMIND_DATABASE_URL", sqlite_store.url)
    runner = CliRunner()
    done = runner.invoke(app, ["search", "pin", "Summer Dress", "P5", "P2"])
    assert done.exit_code == 0, done.output
    assert sqlite_store.search_pins() == {"summer dress": ["P5", "P2"]}
    assert runner.invoke(app, ["search", "pin", "x", "NOPE"]).exit_code == 2
    listed = runner.invoke(app, ["search", "pins"])
    assert "summer dress" in listed.output and "P5, P2" in listed.output
    assert runner.invoke(app, ["search", "unpin", "summer  dress"]).exit_code == 0
    assert sqlite_store.search_pins() == {}
    assert runner.invoke(app, ["search", "unpin", "summer dress"]).exit_code == 1
