"""Query understanding in Chinese and English: prices, negation, sort, facets, typos, pinyin, synonyms."""

from __future__ import annotations

import pytest

from shopmind.search.query import load_synonyms
from shopmind.search.vocab import damerau


def chips(service, q: str, kind: str | None = None) -> list[dict]:
    out = service.parser.parse(q).to_dict()["chips"]
    return [c for c in out if kind is None or c["type"] == kind]


@pytest.mark.parametrize(
    ("q", "lo", "hi", "currency"),
    [
        ("200元以下的连衣裙", None, 200.0, "CNY"),
        ("连衣裙 100到300元", 100.0, 300.0, "CNY"),
        ("earbuds under $50", None, 50.0, "USD"),
        ("jacket between 20 and 40 dollars", 20.0, 40.0, "USD"),
        ("耳机 500元以上", 500.0, None, "CNY"),
        ("coat over 300", 300.0, None, None),
    ],
)
def test_price_ranges(lexical_service, q, lo, hi, currency) -> None:
    (price,) = chips(lexical_service, q, "price")
    assert price.get("min") == lo and price.get("max") == hi and price.get("currency") == currency
    assert not any(ch.isdigit() for ch in lexical_service.parser.parse(q).text)


@pytest.mark.parametrize(
    ("q", "sort"),
    [
        ("最便宜的耳机", "price_asc"),
        ("cheapest earbuds", "price_asc"),
        ("best selling jacket", "best_selling"),
        ("newest dress", "newest"),
        ("销量最高 连衣裙", "best_selling"),
        ("最贵的手机", "price_desc"),
    ],
)
def test_sort_intents(lexical_service, q, sort) -> None:
    assert lexical_service.parser.parse(q).sort == sort


def test_negation_in_both_languages(lexical_service) -> None:
    (neg,) = chips(lexical_service, "不要红色的连衣裙", "exclude")
    assert (neg["field"], neg["value"]) == ("attributes.颜色", "红色")
    (neg,) = chips(lexical_service, "jacket not leather", "exclude")
    assert (neg["field"], neg["value"]) == ("attributes.material", "Leather")
    (neg,) = chips(lexical_service, "t-shirt without pocket", "exclude")
    assert (neg["field"], neg["value"]) == ("text", "pocket")
    r = lexical_service.search("不要红色的连衣裙")
    assert [p["product_id"] for p in r["products"]] == ["P4"]


def pairs(service, q: str) -> set[tuple[str, str]]:
    return {(c["type"], c["value"]) for c in chips(service, q) if isinstance(c.get("value"), str)}


def test_catalog_vocabulary_chips(lexical_service) -> None:
    got = pairs(lexical_service, "Northline black jacket")
    assert {("brand", "Northline"), ("colour", "Black"), ("category", "Clothing > Jackets")} <= got
    got = pairs(lexical_service, "红色真丝连衣裙")
    assert {("colour", "红色"), ("attribute", "真丝"), ("category", "服装 > 连衣裙")} <= got
    assert ("size", "XL") in pairs(lexical_service, "t-shirt XL")
    assert not chips(lexical_service, "t-shirt l", "size")  # a bare letter is not a size …
    assert chips(lexical_service, "连衣裙 L码", "size")  # … unless it is marked as one


def test_typos_and_pinyin(lexical_service) -> None:
    fix = {c["text"]: c["value"] for c in chips(lexical_service, "iphnoe 15", "correction")}
    assert fix == {"iphnoe": "iphone"}
    fix = {c["text"]: c["value"] for c in chips(lexical_service, "wireles earbuds", "correction")}
    assert fix == {"wireles": "wireless"}
    assert lexical_service.search("iphnoe")["products"][0]["product_id"] == "P1"
    (py,) = chips(lexical_service, "lianyiqun", "pinyin")
    assert py["value"] == "连衣裙"
    assert {p["product_id"] for p in lexical_service.search("hongse lianyiqun")["products"][:1]} == {"P3"}
    assert not chips(lexical_service, "cheapest jacket", "correction")  # shopper words stay as typed


def test_synonyms_file_expands_terms(lexical_service) -> None:
    rules = load_synonyms()
    assert any("tee" in left for left, _ in rules)
    parsed = lexical_service.parser.parse("tee")
    assert parsed.terms["tee"] == 1.0 and parsed.terms["shirt"] < 1.0
    assert lexical_service.search("tee")["products"][0]["product_id"] == "P7"


def test_damerau_distance() -> None:
    assert damerau("iphnoe", "iphone") == 1 and damerau("wireles", "wireless") == 1
    assert damerau("abc", "abc") == 0 and damerau("kitten", "sitting") == 3
