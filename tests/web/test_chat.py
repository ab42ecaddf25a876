"""The chat widget in a real browser: a demo customer tracks an order in English and in Chinese,
asks for a human, and the admin console shows the conversation in the handoff queue; a guest asks
the return policy without signing in; an agent replies from the console and the customer sees it."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import sqlalchemy as sa

from shopmind.data import tables as T
from tests.web.conftest import Shop
from tests.web.test_storefront import open_shop


def shipped_order(shop: Shop, customer_ids: list[str]) -> tuple[str, str, str]:
    """(customer, order, tracking number) of a shipped order of one of the switcher's customers."""
    o = T.orders
    with shop.store.engine.connect() as conn:
        row = conn.execute(
            sa.select(o.c.customer_id, o.c.order_id, o.c.tracking_number)
            .where(o.c.customer_id.in_(customer_ids), o.c.status == "shipped", o.c.tracking_number != "")
            .order_by(o.c.order_id)
        ).first()
    assert row is not None, "the demo shop has a shipped order among the switcher's customers"
    return row[0], row[1], row[2]


def ask(page, text: str) -> str:
    before = page.locator("#chat-log .msg.assistant:not(.typing)").count()
    page.fill("#chat-input", text)
    page.press("#chat-input", "Enter")
    page.wait_for_function(  # the first reply also builds the knowledge index: allow for a busy CPU
        "n => document.querySelectorAll('#chat-log .msg.assistant:not(.typing)').length > n",
        arg=before,
        timeout=90_000,
    )
    return page.locator("#chat-log .msg.assistant:not(.typing)").last.inner_text()


def test_chat_tracks_an_order_in_english_and_chinese_then_hands_over(page, shop: Shop, assistant) -> None:
    open_shop(page, shop)
    options = page.locator("#customer option").evaluate_all("els => els.map(e => e.value).filter(Boolean)")
    customer, order_id, tracking = shipped_order(shop, options)
    page.select_option("#customer", customer)
    page.click("#chat-open")
    page.wait_for_selector("#chat-log")  # signed in as the demo customer, no form
    reply = ask(page, f"Where is my order {order_id}?")
    assert tracking in reply and order_id in reply
    reply = ask(page, f"我的订单{order_id}到哪了？")
    assert tracking in reply and re.search(r"[\u4e00-\u9fff]", reply)
    ask(page, "我要找人工客服")
    page.wait_for_selector("#chat-log .handoff")
    # the conversation waits in the human agents' queue with its transcript
    page.goto(shop.url + "/admin#conversations")
    page.fill("#admin-key", shop.admin_key)
    page.click("#login button")
    page.wait_for_selector("body[data-ready='conversations']")
    queue = page.locator("#handoff-queue tbody tr", has_text=customer)
    assert queue.count() == 1
    queue.locator("a.open-conv").click()
    page.wait_for_selector("#transcript .msg")
    texts = page.locator("#transcript .msg[data-role='customer'] .text").all_inner_texts()
    assert texts == [f"Where is my order {order_id}?", f"我的订单{order_id}到哪了？", "我要找人工客服"]
    assert customer in page.inner_text("#handoff-packet")


def test_a_guest_asks_the_return_policy_without_signing_in(page, shop: Shop, assistant) -> None:
    assert assistant.now() == datetime(2026, 11, 1, tzinfo=UTC)  # the demo's clock, as in the CLI
    open_shop(page, shop)
    page.click("#chat-open")
    page.wait_for_selector("#chat-log")  # no sign-in form for a question
    reply = ask(page, "What is your return policy?")
    assert reply.startswith("You can return most items within 30 days")
    assert "no longer possible" not in reply and "policy-returns-en" not in reply
    cite = page.locator("#chat-log .msg.assistant .cite")
    assert cite.count() == 1 and cite.inner_text() == "Source: Returns policy (30 days)"
    assert reply.count("Returns policy (30 days)") == 1  # the citation once, as a link
    cite.click()
    page.wait_for_selector("#help-doc h1:has-text('Returns policy (30 days)')")
    assert "within 30 days" in page.inner_text("#help-doc")
    page.go_back()
    page.fill("#chat-input", "x" * 100_000)  # a 100 kB paste stops at the documented 2,000 characters
    assert page.eval_on_selector("#chat-input", "e => e.value.length") == 2000
    assert "At most 2,000 characters" in page.inner_text("#chat-note")
    # order help needs the sign-in, which checks the e-mail on file
    assert "sign in" in ask(page, "Where is my order O000001?")
    page.click("#chat-sign-in")
    page.fill("#chat-login input[name=customer]", "C00001")
    page.fill("#chat-login input[name=email]", "not-the-right@example.com")
    page.click("#chat-login button[type=submit]")
    page.wait_for_selector("#chat-login .error:has-text('wrong e-mail')")


def test_an_agent_replies_from_the_console_and_the_customer_sees_it(page, browser, shop: Shop) -> None:
    open_shop(page, shop)
    options = page.locator("#customer option").evaluate_all("els => els.map(e => e.value).filter(Boolean)")
    first = shipped_order(shop, options)[0]  # the other test's customer has a conversation already
    customer, order_id, tracking = shipped_order(shop, [o for o in options if o != first])
    page.select_option("#customer", customer)
    page.click("#chat-open")
    page.wait_for_selector("#chat-log")
    ask(page, "I want to talk to a human agent")
    page.wait_for_selector("#chat[data-status='handoff']")

    console = browser.new_context(viewport={"width": 1280, "height": 900})
    agent = console.new_page()
    agent.goto(shop.url + "/admin#conversations")
    agent.fill("#admin-key", shop.admin_key)
    agent.click("#login button")
    agent.wait_for_selector("body[data-ready='conversations']")
    row = agent.locator("#handoff-queue tbody tr", has_text=customer)
    assert row.count() == 1 and re.search(r"\d+ s|min", row.inner_text())  # the wait
    row.locator("a.open-conv").click()
    agent.wait_for_selector("#agent-panel")
    assert customer in agent.inner_text("#handoff-packet") and "human_agent" in agent.inner_text(
        "#handoff-packet"
    )
    agent.fill("#agent-name", "Mei")
    agent.dispatch_event("#agent-name", "change")
    agent.fill("#agent-note", "asked twice already: be quick")
    agent.click("#agent-note-form button")
    agent.wait_for_selector("#transcript .msg[data-role='note']")
    agent.fill("#agent-reply", "Hello, this is Mei. How can I help?")
    agent.click("#agent-reply-form button")
    agent.wait_for_selector("#transcript .msg[data-role='agent']")

    # the customer sees the agent's reply in the chat widget, never the note
    page.wait_for_selector("#chat-log .msg.agent:has-text('Hello, this is Mei')", timeout=30_000)
    assert "be quick" not in page.inner_text("#chat-log")
    page.fill("#chat-input", "Thanks Mei, where is my parcel?")
    page.press("#chat-input", "Enter")
    agent.wait_for_selector("#transcript .msg[data-role='customer']:has-text('Thanks Mei')", timeout=30_000)
    assert page.locator("#chat-log .msg.assistant:has-text('will reply')").count() <= 1  # not repeated

    # hand back: the assistant answers again; then the agent closes the conversation
    agent.click("#agent-hand-back")
    agent.wait_for_selector("#conversation-head:has-text('open')")
    reply = ask(page, f"Where is my order {order_id}?")
    assert tracking in reply
    agent.click("#agent-close")
    agent.wait_for_selector("#conversation-head:has-text('closed')")
    console.close()


def test_a_click_on_a_suggested_product_carries_the_replys_impression(page, shop: Shop, assistant) -> None:
    open_shop(page, shop)
    page.click("#chat-open")
    page.wait_for_selector("#chat-log")
    ask(page, "Can you recommend something for me?")
    link = page.locator("#chat-log .msg.assistant .suggested").first
    link.wait_for()
    pid = link.get_attribute("data-id")
    link.click()
    page.wait_for_selector(f"article.product[data-id='{pid}']")
    online = shop.app.state.engine.online
    customer = page.evaluate("localStorage.getItem('shopmind.customer')")
    for _ in range(50):
        online.attribute()
        rows = shop.store.frame("attributions", where={"product_id": pid, "type": "click"}).to_dict("records")
        rows = [r for r in rows if r["unit"] == f"c:{customer}" and r["surface"] == "assistant"]
        if rows:
            break
        page.wait_for_timeout(100)
    assert rows and rows[0]["how"] == "id", f"no click on {pid} attributed to the assistant's impression"
