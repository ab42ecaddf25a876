"""The chat widget in a real browser: a demo customer tracks an order in English and in Chinese,
asks for a human, and the admin console shows the conversation in the handoff queue."""

from __future__ import annotations

import re

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


def test_a_guest_must_sign_in_to_chat(page, shop: Shop) -> None:
    open_shop(page, shop)
    page.click("#chat-open")
    page.wait_for_selector("#chat-login")
    page.fill("#chat-login input[name=customer]", "C00001")
    page.fill("#chat-login input[name=email]", "not-the-right@example.com")
    page.click("#chat-login button")
    page.wait_for_selector("#chat-login .error:has-text('wrong e-mail')")
    assert page.locator("#chat-log").count() == 0
