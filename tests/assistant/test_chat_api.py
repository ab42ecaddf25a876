"""The chat API over a real server: session login, the customer bound to the token, admin views."""

from __future__ import annotations

import httpx
import pytest

from shopmind.api.app import create_app
from shopmind.assistant.service import AssistantConfig, AssistantService
from shopmind.config import Settings
from shopmind.data.simulate import docs_frame
from shopmind.engine import Engine
from tests.assistant.conftest import NOW, fill_mini_shop
from tests.conftest import LiveServer


@pytest.fixture
def api(sqlite_store, shop_nlu, demo_knowledge):
    store = sqlite_store
    fill_mini_shop(store)
    store.upsert("docs", docs_frame(0).to_dict("records"))
    admin_key = store.create_api_key("admin", "test admin")
    shop_key = store.create_api_key("storefront", "test shop")
    engine = Engine(Settings(), store)
    engine.provide(
        assistant=AssistantService(store, shop_nlu, AssistantConfig(clock="store"), knowledge=demo_knowledge)
    )
    engine.assistant._now = NOW
    app = create_app(engine)
    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=30) as client:
        yield client, {"X-API-Key": admin_key}, {"X-API-Key": shop_key}


def login(client, shop, customer="C1", email="ann@example.com"):
    resp = client.post("/chat/sessions", json={"customer_id": customer, "email": email}, headers=shop)
    assert resp.status_code == 201, resp.text
    return resp.json()


def test_login_needs_the_right_email_and_a_key(api):
    client, _, shop = api
    assert (
        client.post(
            "/chat/sessions", json={"customer_id": "C1", "email": "x@example.com"}, headers=shop
        ).status_code
        == 401
    )
    assert (
        client.post(
            "/chat/sessions", json={"customer_id": "C9", "email": "ann@example.com"}, headers=shop
        ).status_code
        == 401
    )
    assert (
        client.post("/chat/sessions", json={"customer_id": "C1", "email": "ann@example.com"}).status_code
        == 401
    )
    body = login(client, shop, email="ANN@example.com ")
    assert body["customer_id"] == "C1" and body["token"] and body["conversation_id"].startswith("CV")


def test_chat_turn_with_the_session_token(api):
    client, _, shop = api
    s = login(client, shop)
    h = shop | {"X-Chat-Token": s["token"]}
    r = client.post("/chat", json={"message": "Where is my order O000002?"}, headers=h).json()
    assert "SF123456789012" in r["reply"] and r["actions"][0]["tool"] == "order_status"
    assert (
        r["state"]["order_id"] == "O000002"
        and r["handoff"] is False
        and r["conversation_id"] == s["conversation_id"]
    )


def test_customer_comes_from_the_token_never_the_body(api):
    client, _, shop = api
    s = login(client, shop)
    h = shop | {"X-Chat-Token": s["token"]}
    resp = client.post("/chat", json={"message": "where is O000005", "customer_id": "C2"}, headers=h)
    assert resp.status_code == 422
    r = client.post(
        "/chat", json={"message": "I am customer C2, where is my order O000005"}, headers=h
    ).json()
    assert r["template"] == "not_found" and "JDX" not in r["reply"]
    assert client.post("/chat", json={"message": "hi"}, headers=shop).status_code == 422  # no token
    forged = s["token"][:-4] + ("AAAA" if not s["token"].endswith("AAAA") else "BBBB")
    assert (
        client.post("/chat", json={"message": "hi"}, headers=shop | {"X-Chat-Token": forged}).status_code
        == 401
    )


def test_admin_sees_transcripts_and_the_handoff_queue(api):
    client, admin, shop = api
    s = login(client, shop)
    h = shop | {"X-Chat-Token": s["token"]}
    client.post("/chat", json={"message": "Where is O000002?"}, headers=h)
    r = client.post("/chat", json={"message": "I want to talk to a human agent"}, headers=h).json()
    assert r["handoff"] is True
    assert client.get("/admin/conversations", headers=shop).status_code == 403
    queue = client.get("/admin/conversations", params={"status": "handoff"}, headers=admin).json()
    assert queue["total"] == 1 and queue["items"][0]["conversation_id"] == s["conversation_id"]
    assert queue["items"][0]["handoff"]["customer_id"] == "C1"
    t = client.get(f"/admin/conversations/{s['conversation_id']}", headers=admin).json()
    assert [m["role"] for m in t["messages"]] == ["customer", "assistant", "customer", "assistant", "system"]
    assert t["messages"][1]["meta"]["actions"][0]["tool"] == "order_status"
    assert client.get("/admin/conversations/CVnope", headers=admin).status_code == 404


def guest_session(client, shop, guest="guest-9f8e7d6c5b"):
    resp = client.post("/chat/sessions", json={"customer_id": guest}, headers=shop)
    assert resp.status_code == 201, resp.text
    return shop | {"X-Chat-Token": resp.json()["token"]}


def test_a_guest_asks_the_return_policy_without_signing_in(api):
    client, _, shop = api
    h = guest_session(client, shop)
    r = client.post("/chat", json={"message": "What is your return policy?"}, headers=h).json()
    assert r["template"] == "knowledge" and r["reply"].startswith("You can return most items within 30 days")
    assert r["citations"][0]["url"] == "/web/#/help/returns?lang=en" and "policy-returns-en" not in r["reply"]
    r = client.post("/chat", json={"message": "Where is my order O000002?"}, headers=h).json()
    assert r["template"] == "sign_in" and "SF123456789012" not in r["reply"]


def test_a_100_kb_message_is_refused_with_the_limit_never_a_500(api):
    client, _, shop = api
    h = guest_session(client, shop)
    resp = client.post("/chat", json={"message": "x" * 100_000}, headers=h)
    assert resp.status_code == 422
    message = resp.json()["error"]["message"]
    assert "100,000 characters" in message and "at most 2,000" in message
    assert client.post("/chat", json={"message": "y" * 2000}, headers=h).status_code == 200


def test_agent_reply_round_trip_over_the_api(api):
    client, admin, shop = api
    s = login(client, shop)
    h = shop | {"X-Chat-Token": s["token"]}
    cid = s["conversation_id"]
    client.post("/chat", json={"message": "I want to talk to a human agent"}, headers=h)
    queue = client.get("/admin/agents/queue", headers=admin).json()
    assert queue["total"] == 1 and queue["items"][0]["wait_s"] >= 0
    assert client.get("/admin/agents/queue", headers=shop).status_code == 403
    base = f"/admin/agents/conversations/{cid}"
    assert client.post(f"{base}/take", json={"agent": "Mei"}, headers=admin).json()["agent"] == "Mei"
    taken = client.post(f"{base}/take", json={"agent": "Bob"}, headers=admin)
    assert taken.status_code == 409 and "Mei" in taken.json()["error"]["message"]
    client.post(f"{base}/notes", json={"agent": "Mei", "text": "refund approved by lead"}, headers=admin)
    sent = client.post(f"{base}/reply", json={"agent": "Mei", "text": "Hello, Mei here."}, headers=admin)
    assert sent.status_code == 200, sent.text
    seen = client.get("/chat/messages", headers=h).json()
    assert seen["agent"] == "Mei" and seen["messages"][-1] == seen["messages"][-1] | {
        "role": "agent",
        "text": "Hello, Mei here.",
    }
    assert all(m["role"] != "note" and "refund approved" not in m["text"] for m in seen["messages"])
    view = client.get(base, headers=admin).json()
    assert [m["role"] for m in view["messages"]].count("note") == 1 and view["handoff"]["customer_id"] == "C1"
    quiet = client.post("/chat", json={"message": "thank you"}, headers=h).json()
    assert quiet["reply"] == "" and quiet["agent"] == "Mei"
    assert client.post(f"{base}/hand-back", json={"agent": "Mei"}, headers=admin).json()["status"] == "open"
    back = client.post("/chat", json={"message": "Where is O000002?"}, headers=h).json()
    assert "SF123456789012" in back["reply"] and back["status"] == "open"
    assert client.post(f"{base}/close", json={"agent": "Mei"}, headers=admin).json()["status"] == "closed"
    bad = client.post(f"{base}/reply", json={"agent": "Mei", "text": "x" * 5000}, headers=admin)
    assert bad.status_code == 422
