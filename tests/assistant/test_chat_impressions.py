"""The assistant's product suggestions carry an impression id (surface ``assistant``) over the real chat
API, and the widget's click with it is attributed to that impression; a reply without products carries
none; without an online service the assistant answers as before."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from shopmind.api.app import create_app
from shopmind.artifacts import ArtifactStore
from shopmind.assistant.service import AssistantConfig, AssistantService, suggested
from shopmind.assistant.tools import ShopTools, ToolsConfig
from shopmind.config import Settings
from shopmind.engine import Engine
from shopmind.recommend.service import RecommendationService
from shopmind.search.index import IndexConfig
from shopmind.search.service import SearchConfig, SearchService
from tests.assistant.conftest import NOW, fill_mini_shop


@pytest.fixture
def chat(sqlite_store, demo_knowledge, tmp_path: Path):
    store = sqlite_store
    fill_mini_shop(store)
    products = [{"product_id": f"P{i}", "title": f"Red Summer Dress {i}", "category": "Clothing > Dresses",
                 "price": 100.0 + i, "currency": "CNY", "stock": 3, "attributes": {}, "lang": "en",
                 "description": ""} for i in range(1, 6)]  # fmt: skip
    store.upsert("products", products)
    views = [{"event_id": f"E{i}", "customer_id": "C2", "type": "view", "product_id": f"P{i % 3 + 1}",
              "ts": NOW} for i in range(6)]  # fmt: skip
    store.upsert("events", views)
    recommender = RecommendationService(store, ArtifactStore(tmp_path / "artifacts"))
    search = SearchService(store, SearchConfig(index=IndexConfig(dense=False), log_events=False))
    search.recommender = recommender
    tools = ShopTools(store, ToolsConfig(search_mode="lexical"), search=search, recommender=recommender)
    # no NLU given: the rule-based one
    assistant = AssistantService(
        store, None, AssistantConfig(clock="store"), knowledge=demo_knowledge, tools=tools
    )
    assistant._now = NOW
    engine = Engine(Settings(var_dir=tmp_path / "var", artifacts_dir=tmp_path / "artifacts"), store)
    engine.provide(assistant=assistant, search=search, recommendations=recommender)
    shop = {"X-API-Key": store.create_api_key("storefront", "chat impressions")}
    admin = {"X-API-Key": store.create_api_key("admin", "chat impressions admin")}
    with TestClient(create_app(engine, close_engine=False)) as client:
        yield client, shop, admin, engine, assistant
    engine.close()


def test_suggested_products_carry_an_impression_and_a_click_is_attributed(chat) -> None:
    client, shop, admin, engine, _ = chat
    login = {"customer_id": "C1", "email": "ann@example.com"}
    opened = client.post("/chat/sessions", json=login, headers=shop)
    headers = shop | {"X-Chat-Token": opened.json()["token"]}
    reply = client.post("/chat", json={"message": "recommend something for me"}, headers=headers).json()
    shown = suggested(reply["actions"])
    assert shown and reply["impression_id"].startswith("im-"), reply
    engine.online.flush()
    row = engine.store.impressions_by_ids([reply["impression_id"]])[reply["impression_id"]]
    assert row["surface"] == "assistant" and row["products"] == shown["products"]
    assert row["unit"] == "c:C1"
    pid = shown["products"][1]
    click = {"type": "click", "customer_id": "C1", "product_id": pid, "impression_id": reply["impression_id"]}
    token = client.post("/shop/login", json=login, headers=shop)
    sent = client.post("/shop/events", json=click, headers=shop | {"X-Customer-Token": token.json()["token"]})
    assert sent.status_code == 200, sent.text
    assert client.post("/admin/online/attribute", headers=admin).json().get("id") == 1
    rows = engine.store.frame("attributions", where={"impression_id": reply["impression_id"]})
    rows = rows.to_dict("records")
    assert [(r["surface"], r["position"], r["how"]) for r in rows] == [("assistant", 2, "id")]
    hello = client.post("/chat", json={"message": "hello"}, headers=headers).json()
    assert hello["impression_id"] is None and suggested(hello["actions"]) is None


def test_without_an_online_service_the_assistant_still_suggests(chat) -> None:
    _, _, _, _, assistant = chat
    conv = assistant.start("C1")
    answer = assistant.reply(conv["conversation_id"], "C1", "recommend something for me")
    assert suggested(answer["actions"]) and "impression_id" not in answer
