"""The human agents' desk over the store (SQLite and PostgreSQL): queue with wait times, take, reply,
notes the customer never sees, hand back, close; the assistant's silence while a human has it; the
conversation's language label; guests; the demo clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shopmind.assistant.agents import AgentConflictError, AgentDesk
from shopmind.assistant.service import AssistantConfig, AssistantService
from shopmind.data.simulate import docs_frame
from tests.assistant.conftest import NOW


@pytest.fixture
def service(mini_shop, shop_nlu, demo_knowledge) -> AssistantService:
    mini_shop.upsert("docs", docs_frame(0).to_dict("records"))
    svc = AssistantService(mini_shop, shop_nlu, AssistantConfig(clock="store"), knowledge=demo_knowledge)
    svc._now = NOW
    return svc


def handed_over(service: AssistantService, customer: str = "C1") -> str:
    cid = service.start(customer)["conversation_id"]
    service.reply(cid, customer, "Where is my order O000002?")
    r = service.reply(cid, customer, "I want to talk to a human agent")
    assert r["handoff"] and r["status"] == "handoff"
    return cid


def test_queue_take_reply_note_hand_back_close(service):
    desk = AgentDesk(service.store)
    first = handed_over(service, "C1")
    second = handed_over(service, "C2")
    rows, total = desk.queue()
    assert total == 2 and [r["conversation_id"] for r in rows] == [first, second]  # longest wait first
    assert all(r["wait_s"] is not None and r["wait_s"] >= 0 for r in rows)
    assert rows[0]["reason"] == "customer asked for a human" and rows[0]["agent"] is None
    assert rows[0]["last_message"] == "I want to talk to a human agent"

    # the assistant says once that a human will answer, then stays silent
    told = service.reply(first, "C1", "hello? anyone?")
    assert told["template"] == "in_handoff" and told["reply"]
    quiet = service.reply(first, "C1", "still there?")
    assert quiet["reply"] == "" and quiet["template"] == "with_agent" and quiet["handoff"]

    assert desk.take(first, "Mei")["agent"] == "Mei"
    with pytest.raises(AgentConflictError, match="Mei"):
        desk.take(first, "Bob")
    desk.note(first, "Mei", "gold customer, offer free shipping")
    desk.reply(first, "Mei", "Hi, Mei here: your parcel is with SF Express.")
    seen = service.messages(first, "C1")
    roles = [m["role"] for m in seen["messages"]]
    assert "note" not in roles and "system" not in roles and roles[-1] == "agent"
    assert seen["messages"][-1]["text"].startswith("Hi, Mei here") and seen["agent"] == "Mei"
    assert all("free shipping" not in m["text"] for m in seen["messages"])
    after = seen["messages"][-1]["seq"]
    assert service.messages(first, "C1", after=after)["messages"] == []
    view = desk.view(first)
    assert any(m["role"] == "note" and "free shipping" in m["text"] for m in view["messages"])
    assert view["wait_s"] is None  # answered by the agent
    assert view["handoff"]["intent"] == "human_agent" and view["handoff"]["order"]["order_id"] == "O000002"

    # a customer message while the agent has it: stored, the customer waits, the assistant is silent
    r = service.reply(first, "C1", "thanks, and when will it arrive?")
    assert r["reply"] == "" and r["agent"] == "Mei"
    waiting = {q["conversation_id"]: q["wait_s"] for q in desk.queue()[0]}
    assert waiting[first] is not None and waiting[first] <= waiting[second]  # waiting again

    desk.hand_back(first, "Mei")
    back = service.reply(first, "C1", "Where is my order O000002?")
    assert back["status"] == "open" and "SF123456789012" in back["reply"] and not back["handoff"]

    desk.close(second, "Bob")
    assert service.conversations.get(second)["status"] == "closed"
    with pytest.raises(AgentConflictError, match="closed"):
        desk.reply(second, "Bob", "hello")
    again = service.reply(second, "C2", "Where is my order O000005?")  # reopens with the assistant
    assert again["status"] == "open" and "JDX999999999999" in again["reply"]
    assert desk.queue()[1] == 0


def test_agent_text_is_bounded_and_unknown_conversations_are_not_found(service):
    from shopmind.data.store import NotFoundError

    desk = AgentDesk(service.store)
    cid = handed_over(service)
    with pytest.raises(ValueError, match="at most 4,000"):
        desk.reply(cid, "Mei", "x" * 4001)
    with pytest.raises(ValueError, match="empty"):
        desk.note(cid, "Mei", "   ")
    with pytest.raises(NotFoundError):
        desk.take("CVnope", "Mei")
    with pytest.raises(AgentConflictError, match="open"):
        desk.hand_back(service.start("C1")["conversation_id"], "Mei")


def test_an_agent_can_take_a_conversation_from_the_assistant(service):
    desk = AgentDesk(service.store)
    cid = service.start("C1")["conversation_id"]
    service.reply(cid, "C1", "Where is my order O000002?")
    desk.take(cid, "Mei")
    r = service.reply(cid, "C1", "and can I cancel it?")
    assert r["reply"] == "" and r["status"] == "handoff"  # no "a human will reply" when one already has it


def test_language_label_follows_the_latest_messages(service):
    cid = service.start("C1", "en")["conversation_id"]
    service.reply(cid, "C1", "Hello")
    r = service.reply(cid, "C1", "我的订单O000002到哪了？")
    assert r["lang"] == "zh"  # the reply follows the message
    assert service.conversations.get(cid)["lang"] == "en"  # one Chinese line does not relabel it
    service.reply(cid, "C1", "你们支持哪些付款方式？")
    assert service.conversations.get(cid)["lang"] == "zh"  # two of the last three are Chinese
    service.reply(cid, "C1", "Where is my order O000002?")
    service.reply(cid, "C1", "Thanks, and which payment methods do you take?")
    assert service.conversations.get(cid)["lang"] == "en"


def test_guest_asks_policy_and_is_asked_to_sign_in_for_orders(service):
    guest = "guest-0a1b2c3d4e"
    cid = service.start_guest(guest)["conversation_id"]
    policy = service.reply(cid, guest, "What is your return policy?")
    assert policy["template"] == "knowledge" and policy["citations"][0]["topic"] == "returns"
    order = service.reply(cid, guest, "Where is my order O000002?")
    assert order["template"] == "sign_in" and "SF123456789012" not in order["reply"]
    assert order["actions"] == []


def test_policy_answer_quotes_the_rule_with_one_clean_citation(service):
    cid = service.start("C1")["conversation_id"]
    r = service.reply(cid, "C1", "What is your return policy?")
    assert r["reply"].startswith("You can return most items within 30 days")
    assert "no longer possible" not in r["reply"]
    assert "policy-returns-en" not in r["reply"] and r["reply"].count("Returns policy (30 days)") == 1
    cite = r["citations"][0]
    assert cite["url"] == "/web/#/help/returns?lang=en" and cite["url"] in r["reply"]
    zh = service.reply(cid, "C1", "拆封的耳机可以退货吗？")
    assert "policy-returns-zh" not in zh["reply"] and "《退货政策（30天）》" in zh["reply"]


def test_demo_clock_is_the_demo_history_end(demo_store):
    from shopmind.data.demo import demo_history_end, demo_now

    assert demo_history_end() == datetime(2026, 11, 1, tzinfo=UTC)
    assert demo_now(demo_store) == demo_history_end()
    auto = AssistantService(demo_store, config=AssistantConfig(clock="auto"), knowledge=object())
    assert auto.now() == demo_history_end() and auto.clock()["real_time"] is False
    newest = demo_store.latest_order_event_time()
    assert newest is not None and demo_history_end() - newest < timedelta(days=1)


def test_auto_clock_is_real_time_for_a_real_shop(service):
    auto = AssistantService(service.store, config=AssistantConfig(clock="auto"), knowledge=object())
    before = datetime.now(UTC)
    assert before <= auto.now() <= datetime.now(UTC) and auto.clock()["real_time"] is True
