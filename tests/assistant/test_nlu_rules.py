"""NLU rules without a model: entities, language, frustration cues, the classifier registry."""

from __future__ import annotations

import pytest

from shopmind.assistant.nlu import (
    Catalog,
    UnknownClassifierError,
    detect_lang,
    extract_entities,
    make_classifier,
)
from shopmind.assistant.nlu.base import CLASSIFIERS, stratified_split, tune_threshold
from shopmind.assistant.nlu.frustration import combine, cue_score


def kinds(text: str, catalog: Catalog | None = None) -> list[tuple[str, str]]:
    found = extract_entities(text, catalog)
    for e in found:  # every span points at the text it came from
        assert text[e.start : e.end] == e.text
    return [(e.kind, e.value) for e in found]


@pytest.mark.parametrize(
    "text",
    ["我的订单O000123到哪了", "where is o000123?", "order O 000123 please", "O-000123", "订单号000123的物流"],
)
def test_order_id_variants_normalise(text: str) -> None:
    assert ("order_id", "O000123") in kinds(text)


def test_order_id_needs_six_digits_and_a_boundary() -> None:
    assert kinds("FOO000123 and O12345 and O0001234") == []


def test_email_phone_and_amounts() -> None:
    found = kinds("Mail Ann.Lee@Example.COM or call +86 138-0013-8000, I paid ¥1,299.50 and $20")
    assert ("email", "ann.lee@example.com") in found
    assert ("phone", "+8613800138000") in found
    assert ("amount", "1299.50 CNY") in found
    assert ("amount", "20.00 USD") in found
    assert ("amount", "35.00 CNY") in kinds("多收了我35块")
    assert ("amount", "199.00 CNY") in kinds("退款199元")
    assert ("amount", "12.00 USD") in kinds("refund 12 dollars")
    assert ("phone", "13912345678") in kinds("我的电话是13912345678")


def test_addresses_in_both_languages() -> None:
    assert ("address", "上海市浦东新区世纪大道100号3栋") in kinds("地址改成上海市浦东新区世纪大道100号3栋")
    assert ("address", "杭州市西湖区文三路5号") in kinds("寄到我家吧，地址是杭州市西湖区文三路5号")
    assert ("address", "221B Baker Street, London") in kinds("please ship to 221B Baker Street, London")
    assert ("address", "Flat 3, Rose Court, Leeds") in kinds("new address: Flat 3, Rose Court, Leeds")
    assert not [k for k, _ in kinds("I love the street style of this dress") if k == "address"]


def test_english_addresses_keep_postcodes_and_drop_trailing_words() -> None:
    cases = {
        "please change the address to 221 Baker Street, London NW1 6XE": "221 Baker Street, London NW1 6XE",
        "Ship it to 12 Main St, Springfield, IL 62704 instead": "12 Main St, Springfield, IL 62704",
        "change address to 1600 Pennsylvania Avenue NW, Washington, DC 20500": (
            "1600 Pennsylvania Avenue NW, Washington, DC 20500"
        ),
        "send to 10 Downing Street, London SW1A 2AA please": "10 Downing Street, London SW1A 2AA",
        "I live at 4 Elm Road, Toronto, ON M5V 3L9": "4 Elm Road, Toronto, ON M5V 3L9",
        # no street type the pattern knows: the cue ("address is") carries it
        "my new address is 5 Rue de Rivoli, Paris 75001": "5 Rue de Rivoli, Paris 75001",
        "ship it to 9 New Road, Leeds LS1 1AA and tell me when it ships": "9 New Road, Leeds LS1 1AA",
    }
    for text, want in cases.items():
        assert [v for k, v in kinds(text) if k == "address"] == [want], text
    for text in ("change my address to the one on file", "order 3 Red Coats please"):
        assert not [k for k, _ in kinds(text) if k == "address"], text


def test_product_mentions_from_a_catalog() -> None:
    catalog = Catalog([("P1", "Red Wool Coat", "Northwind"), ("P2", "真丝连衣裙", "花间"), ("P3", "Pen", "")])
    assert ("product", "P1") in kinds("is the red wool coat warm?", catalog)
    assert ("product", "P2") in kinds("真丝连衣裙有M码吗", catalog)
    assert ("product", "P1") in kinds("anything from NORTHWIND on sale", catalog)  # one product: its id
    assert kinds("open the penguin page", catalog) == []  # no match inside a word; short titles ignored
    assert kinds("is the red wool coat warm?") == []  # the catalog is optional


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("我的订单O000123到哪了", "zh"),
        ("where is my order O000123", "en"),
        ("我想退 iPhone 手机壳", "zh"),
        ("can I return the 连衣裙 I bought last week", "en"),
        ("O000123", "en"),
    ],
)
def test_language_detection(text: str, lang: str) -> None:
    assert detect_lang(text) == lang


def test_frustration_cues() -> None:
    calm = cue_score("where is my order?")
    assert calm == 0.0
    assert cue_score("THIS IS RIDICULOUS, WHERE IS MY ORDER!!!") > 0.5
    assert cue_score("我要投诉，给你们差评！！") > 0.5
    repeated = cue_score("where is my order?", history=["where is my order?", "this is unacceptable!!"])
    assert repeated > calm
    assert combine(0.2, 0.0) == pytest.approx(0.2)
    assert combine(0.2, 0.5) == pytest.approx(0.6)


def test_registry_lists_names_on_unknown() -> None:
    with pytest.raises(UnknownClassifierError) as info:
        make_classifier("nope")
    for name in CLASSIFIERS:
        assert name in str(info.value)


def test_stratified_split_and_threshold() -> None:
    labels = ["a"] * 10 + ["b"] * 5 + ["c"]
    train, test = stratified_split(labels, 0.2, seed=0)
    assert sorted(train + test) == list(range(16))
    assert [labels[i] for i in test].count("a") == 2 and "c" not in [labels[i] for i in test]
    assert stratified_split(labels, 0.2, seed=0) == (train, test)
    import numpy as np

    t = tune_threshold(np.array([0.9, 0.8, 0.95, 0.7]), np.array([0.2, 0.3, 0.4]))
    assert 0.4 < t <= 0.7  # keeps every in-scope score, rejects every out-of-scope one
    # one out-of-scope score among the in-scope ones: rejecting it costs one in-scope row, a fair trade
    assert tune_threshold(np.array([0.9, 0.8, 0.95, 0.7]), np.array([0.2, 0.3, 0.75])) == 0.8


def test_cli_has_train_nlu() -> None:
    from typer.testing import CliRunner

    from shopmind.cli import app

    result = CliRunner().invoke(app, ["train", "nlu", "--help"])
    assert result.exit_code == 0
    assert "--datasets" in result.output and "--publish" in result.output
