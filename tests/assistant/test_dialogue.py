"""Dialogue over the real shop NLU: slot filling, memory, confirmation, corrections, language,
handoff with its packet, and persistence of conversations (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from shopmind.assistant.service import AssistantConfig, AssistantService
from shopmind.assistant.state import DialogueState, Pending
from shopmind.data.simulate import docs_frame
from shopmind.text.script import script_of, to_traditional
from tests.assistant.conftest import NOW, fill_mini_shop


def _service(store, nlu, knowledge) -> AssistantService:
    store.upsert("docs", docs_frame(0).to_dict("records"))
    service = AssistantService(store, nlu, AssistantConfig(clock="store"), knowledge=knowledge)
    service._now = NOW
    return service


@pytest.fixture
def assistant(sqlite_store, shop_nlu, demo_knowledge) -> AssistantService:
    """On SQLite (dialogue behaviour does not depend on the backend)."""
    fill_mini_shop(sqlite_store)
    return _service(sqlite_store, shop_nlu, demo_knowledge)


@pytest.fixture
def assistant_any(mini_shop, shop_nlu, demo_knowledge) -> AssistantService:
    """On SQLite and PostgreSQL: for what is persisted (actions, conversations, handoff queue)."""
    return _service(mini_shop, shop_nlu, demo_knowledge)


def talk(service: AssistantService, customer: str, *messages: str) -> tuple[str, list[dict]]:
    cid = service.start(customer)["conversation_id"]
    return cid, [service.reply(cid, customer, m) for m in messages]


def test_state_round_trips_through_json():
    state = DialogueState(
        lang="zh",
        order_id="O1",
        offered=["O1", "O2"],
        pending=Pending("cancel_order", "confirm", "cancel_order", {"order_id": "O1"}),
    )
    assert DialogueState.from_dict(state.to_dict()) == state
    assert DialogueState.from_dict(None) == DialogueState()


def test_asks_for_the_order_offers_own_orders_and_remembers_it(assistant):
    _, r = talk(assistant, "C1", "Where is my order?", "O000002", "ok, and can I cancel it?")
    assert r[0]["template"] == "ask_order" and "O000002" in r[0]["reply"] and "O000005" not in r[0]["reply"]
    assert r[0]["reply"].index("O000002") < r[0]["reply"].index("O000003")  # in transit first
    assert "SF123456789012" in r[1]["reply"]
    assert r[2]["template"] == "already_shipped" and "O000002" in r[2]["reply"]


def test_changes_need_an_explicit_yes(assistant_any):
    store = assistant_any.store
    _, r = talk(assistant_any, "C1", "Please cancel order O000001", "no, leave it")
    assert r[0]["state"]["awaiting_confirmation"] and r[1]["template"] == "declined_action"
    assert store.get_order("O000001")["status"] == "paid"
    cid, r = talk(assistant_any, "C1", "Please cancel order O000001", "yes")
    assert r[1]["template"] == "done_cancel_order" and store.get_order("O000001")["status"] == "cancelled"
    assert "conversation " + cid in store.get_order("O000001")["timeline"][-1]["note"]
    msgs = assistant_any.conversations.messages(cid)
    assert any(a["tool"] == "cancel_order" and a["ok"] for a in msgs[-1]["meta"]["actions"])


def test_correction_to_the_other_order_in_chinese(assistant):
    _, r = talk(assistant, "C1", "订单O000002到哪了？", "不是这个，是另一个订单", "O000003")
    assert "SF123456789012" in r[0]["reply"] and r[0]["lang"] == "zh"
    assert r[1]["template"] == "ask_order_other" and "O000002" not in r[1]["reply"]
    assert "ZTO111111111111" in r[2]["reply"] and "已签收" in r[2]["reply"]


def test_a_customer_writing_traditional_characters_is_answered_in_them(assistant):
    cid, r = talk(assistant, "C1", "訂單O000002到哪了？", "好的", "谢谢")
    _, simplified = talk(assistant, "C1", "订单O000002到哪了？")
    assert r[0]["template"] == simplified[0]["template"] and "SF123456789012" in r[0]["reply"]
    assert r[0]["reply"] == to_traditional(simplified[0]["reply"], "tw") != simplified[0]["reply"]
    assert script_of(r[1]["reply"]) in ("traditional", "")  # 好的 has no script: the last one is kept
    assert script_of(r[2]["reply"]) in ("simplified", "")  # the customer wrote Simplified again
    said = [m["text"] for m in assistant.conversations.messages(cid, roles=("customer",))]
    assert said == ["訂單O000002到哪了？", "好的", "谢谢"]  # stored as written


def test_another_customers_order_gets_the_not_found_reply(assistant):
    _, r = talk(assistant, "C1", "where is my order O000005")
    _, missing = talk(assistant, "C1", "where is my order O999999")
    assert r[0]["reply"].replace("O000005", "X") == missing[0]["reply"].replace("O999999", "X")
    assert "JDX" not in r[0]["reply"] and "shipped" not in r[0]["reply"]


def test_frustration_hands_over_with_a_context_packet(assistant_any):
    cid, r = talk(
        assistant_any,
        "C1",
        "Where is O000002?",
        "This is absolutely unacceptable!!! I want to speak to a manager NOW",
    )
    assert r[1]["handoff"] and r[1]["template"] == "handoff"
    t = assistant_any.transcript(cid)
    assert t["status"] == "handoff"
    packet = t["handoff"]
    assert {o["order_id"] for o in packet["orders"]} >= {"O000002", "O000003"}
    assert "O000005" not in {o["order_id"] for o in packet["orders"]}
    assert packet["recent_searches"] == ["red dress"] and packet["value"]["tier"] in (
        "vip",
        "high",
        "standard",
    )
    assert packet["summary"]["intents"][0] == "track_order" and packet["summary"]["turns"] == 2
    queue, total = assistant_any.conversations.list("handoff")
    assert total == 1 and queue[0]["conversation_id"] == cid
    after = assistant_any.reply(cid, "C1", "hello?")
    assert after["template"] == "in_handoff"


def test_state_survives_a_new_service_instance(assistant_any, shop_nlu, demo_knowledge):
    assistant = assistant_any
    cid, _ = talk(assistant, "C1", "I need to change the shipping address of O000001")
    again = AssistantService(
        assistant.store, shop_nlu, AssistantConfig(clock="store"), knowledge=demo_knowledge
    )
    again._now = NOW
    r = again.reply(cid, "C1", "88 Queen Street, Manchester M1 1AA")
    assert r["template"] == "confirm_address" and "88 Queen Street" in r["reply"]
    r = again.reply(cid, "C1", "yes")
    assert assistant.store.get_order("O000001")["shipping_address"] == "88 Queen Street, Manchester M1 1AA"


def test_policy_answer_cites_the_document_in_the_customers_language(assistant):
    _, r = talk(assistant, "C2", "你们支持哪些付款方式？")
    assert r[0]["citations"] and r[0]["citations"][0]["doc_id"] == "faq-payment-zh"
    assert "支付宝" in r[0]["reply"] and r[0]["lang"] == "zh"


def test_a_yes_with_nothing_pending_serves_the_request_ranked_next():
    from shopmind.assistant.dialogue import _request_after_yes_no
    from shopmind.assistant.nlu.shop import Parse

    def parse(*ranked):
        top, p = ranked[0]
        return Parse("ok, and can I cancel it?", top, p, True, "en", [], 0.0, list(ranked))

    assert _request_after_yes_no(parse(("affirm", 0.35), ("cancel_order", 0.29))) == "cancel_order"
    assert _request_after_yes_no(parse(("affirm", 0.8), ("cancel_order", 0.1))) is None
    assert _request_after_yes_no(parse(("deny", 0.5), ("out_of_scope", 0.4), ("greeting", 0.1))) is None


def test_a_request_that_names_the_product_is_answered_from_the_catalog(
    sqlite_store, shop_nlu, demo_knowledge, tmp_path
):
    from tests.assistant.test_tools import fill_mini_catalog, product_tools

    fill_mini_shop(sqlite_store)
    fill_mini_catalog(sqlite_store)
    service = _service(sqlite_store, shop_nlu, demo_knowledge)
    service.tools = service.dialogue.tools = product_tools(sqlite_store, tmp_path / "artifacts")
    _, r = talk(
        service,
        "C1",
        "Can you recommend a dress under 200?",
        "Which earbuds would you suggest?",
        "What would you recommend?",
    )
    assert [t["intent"] for t in r] == ["recommendation"] * 3
    assert r[0]["template"] == "products" and "Blue Cotton Dress" in r[0]["reply"]
    assert "Red Silk Dress" not in r[0]["reply"] and "Earbuds" not in r[0]["reply"]  # 399: over budget
    assert r[1]["template"] == "products" and "Wireless Earbuds" in r[1]["reply"]
    assert r[2]["template"] == "recommend"  # nothing named: the recommender's picks
    assert [a["tool"] for a in r[2]["actions"]] == ["recommend_products"]


def test_an_address_given_when_asked_for_is_taken_whatever_intent_it_got(sqlite_store):
    from shopmind.assistant.dialogue import Dialogue
    from shopmind.assistant.nlu.entities import extract_entities
    from shopmind.assistant.nlu.shop import Parse
    from shopmind.assistant.tools import ShopTools, ToolContext

    fill_mini_shop(sqlite_store)
    dialogue = Dialogue(ShopTools(sqlite_store), None)
    ctx = ToolContext("C1", now=NOW)

    def answer(text: str, intent: str):
        state = DialogueState(lang="en", order_id="O000001")
        state.pending = Pending("change_address", "address", "change_address", {"order_id": "O000001"})
        parse = Parse(text, intent, 0.6, True, "en", extract_entities(text), 0.0, [(intent, 0.6)])
        return dialogue.respond(state, parse, text, ctx), state

    turn, state = answer("88 Queen Street, Manchester M1 1AA", "goodbye")  # an address taken for a goodbye
    assert turn.template == "confirm_address" and "88 Queen Street" in turn.text
    assert state.pending is not None and state.pending.need == "confirm"  # still waits for a yes
    turn, state = answer("no, leave it", "deny")
    assert turn.template == "declined_action" and state.pending is None
