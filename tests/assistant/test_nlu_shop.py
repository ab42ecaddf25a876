"""The shop NLU on messages it was not trained on (the ``shop_nlu`` fixture trains it once per session)."""

from __future__ import annotations

import pytest

from shopmind.assistant.nlu import SHOP_INTENTS, Parse, ShopNLU

# (message, intent, entities that must be found) — none of these is in the training files.
CASES = [
    ("我的订单O000123到哪了", "track_order", [("order_id", "O000123")]),
    ("帮我看下o004512发货没有", "track_order", [("order_id", "O004512")]),
    ("hey, where's my package O 000987? it's been a week", "track_order", [("order_id", "O000987")]),
    ("请帮我把订单O000456取消掉", "cancel_order", [("order_id", "O000456")]),
    ("please cancel order O004512, I bought the wrong one", "cancel_order", [("order_id", "O004512")]),
    ("The sweater is too small, I'd like to send it back and get a refund", "refund_return", []),
    ("衣服有破洞，申请退款88元", "refund_return", [("amount", "88.00 CNY")]),
    ("my card was charged $59.90 twice for the same order", "payment_problem", [("amount", "59.90 USD")]),
    (
        "收货地址要改成北京市海淀区中关村大街27号",
        "change_address",
        [("address", "北京市海淀区中关村大街27号")],
    ),  # noqa: E501
    ("can you email the invoice to jane.doe@mail.com", None, [("email", "jane.doe@mail.com")]),
    ("我要找真人客服", "human_agent", []),
    ("let me talk to a real human being please", "human_agent", []),
    ("哈喽哈喽，有人在吗", "greeting", []),
    ("ok thanks so much, bye!", "goodbye", []),
    ("是的，确认取消", "affirm", []),
    ("nope, don't change anything", "deny", []),
]

UNRELATED = [
    "how do I repot a cactus",
    "what is the square root of 144",
    "明天北京会下雪吗",
    "帮我写一首关于秋天的诗",
]


@pytest.mark.parametrize(("text", "intent", "entities"), CASES)
def test_parses_messages_in_both_languages(shop_nlu: ShopNLU, text, intent, entities) -> None:
    p = shop_nlu.parse(text)
    assert isinstance(p, Parse)
    if intent is not None:
        assert p.intent == intent, p.ranked
        assert p.in_scope
    found = [(e.kind, e.value) for e in p.entities]
    for entity in entities:
        assert entity in found


def test_parse_contract(shop_nlu: ShopNLU) -> None:
    p = shop_nlu.parse("where is my order O000123?")
    assert p.lang == "en" and shop_nlu.parse("我的订单到哪了").lang == "zh"
    assert p.intent in SHOP_INTENTS and 0.0 <= p.score <= 1.0 and 0.0 <= p.frustration <= 1.0
    scores = [s for _, s in p.ranked]
    assert scores == sorted(scores, reverse=True) and p.ranked[0][0] == p.intent
    empty = shop_nlu.parse("   ")
    assert empty.intent == "out_of_scope" and not empty.in_scope


@pytest.mark.parametrize("text", UNRELATED)
def test_rejects_unrelated_messages(shop_nlu: ShopNLU, text: str) -> None:
    p = shop_nlu.parse(text)
    assert not p.in_scope and p.intent == "out_of_scope", p.ranked


def test_frustration_higher_for_angry_messages(shop_nlu: ShopNLU) -> None:
    pairs = [
        ("Where is my order O000123?", "THIS IS RIDICULOUS. Two weeks and no parcel, worst shop ever!!!"),
        ("我的订单到哪了", "都两个星期了还没到，你们到底会不会做生意！我要投诉！"),
        ("Can I change the delivery address?", "I'm so fed up, you sent the wrong item AGAIN"),
    ]
    for calm, angry in pairs:
        assert shop_nlu.parse(angry).frustration > shop_nlu.parse(calm).frustration + 0.2
    assert shop_nlu.parse("thanks, that's great").frustration < 0.5
    repeated = shop_nlu.parse("where is my order?", history=["where is my order?!!", "this is useless"])
    assert repeated.frustration > shop_nlu.parse("where is my order?").frustration


def test_published_artifact_round_trip(shop_nlu: ShopNLU, tmp_path) -> None:
    from shopmind import artifacts
    from shopmind.assistant.nlu import load_shop_nlu
    from shopmind.config import Settings

    settings = Settings(artifacts_dir=tmp_path / "artifacts", var_dir=tmp_path / "var")
    path = artifacts.new_version_dir("nlu", "shop", settings.artifacts_dir)
    shop_nlu.save(path)
    assert not list(path.rglob("*.pt")) and not list(path.rglob("*.pkl"))
    artifacts.publish("nlu", path, settings.artifacts_dir)
    loaded = load_shop_nlu(settings)  # loads the published version; training would take minutes
    for text, _, _ in CASES[:5]:
        a, b = shop_nlu.parse(text), loaded.parse(text)
        assert (a.intent, a.entities) == (b.intent, b.entities)
        assert a.score == pytest.approx(b.score, abs=1e-5)
        assert a.frustration == pytest.approx(b.frustration, abs=1e-5)
    assert loaded.meta["metrics"]["holdout_in_scope_accuracy"] > 0.8
