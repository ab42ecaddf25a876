"""Query understanding, group by group (typo, pinyin, negation, price intent, brand, attribute, mixed
language, no result), and honest result sets: counts and facets of the matching products only."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from shopmind.search import suite as S
from shopmind.search.index import IndexConfig, ProductIndex
from shopmind.search.service import SearchConfig, SearchService
from tests.search.conftest import CATALOG, item

SUITE = Path(__file__).parent / "data" / "query_suite.jsonl"
RED = {"colour": "Red", "颜色": "红色"}
EXTRA = [
    item("P8", "Lumo Eye-care Desk Lamp", brand="Lumo", category="Home > Lighting", price=199),
    item(
        "P9",
        "Voltix Red Lipstick",
        brand="Voltix",
        category="Beauty > Makeup",
        price=99,
        attributes=RED | {"category_zh": "美妆个护 > 彩妆"},
    ),
    item(
        "P10",
        "Bloom Red Cotton Dress",
        brand="Bloom",
        category="Clothing > Dresses",
        price=129,
        attributes=RED | {"material": "Cotton", "材质": "纯棉", "category_zh": "服装 > 连衣裙"},
    ),
]


@pytest.fixture(scope="module")
def svc() -> SearchService:
    index = ProductIndex(IndexConfig(dense=False))
    index.upsert(CATALOG + EXTRA)
    return SearchService(None, SearchConfig(mode="lexical", log_events=False), index=index)


def chips(svc, q: str, kind: str) -> list[dict]:
    return [c for c in svc.parser.parse(q).to_dict()["chips"] if c["type"] == kind]


def ids(answer: dict, key: str = "products") -> list[str]:
    return [p["product_id"] for p in answer[key]]


# ---------------------------------------------------------------------- typo
def test_a_typo_is_corrected_but_a_valid_word_never_is(svc) -> None:
    parsed = svc.parser.parse("iphnoe case")  # "case" is English, though the catalog only knows "care"
    assert {c.text: c.value for c in parsed.chips if c.type == "correction"} == {"iphnoe": "iphone"}
    assert parsed.corrected == "iphone case" and "case" in parsed.text
    r = svc.search("iphnoe case")
    assert r["corrected"] == {"query": "iphone case", "original": "iphnoe case"}
    assert r["total"] == 0 and r["no_match"] and "P8" not in ids(r, "related")  # no eye-care lamp
    assert svc.search("iphnoe case", correct=False)["parsed"]["corrected"] is None  # search instead for …


# ---------------------------------------------------------------------- pinyin
def test_pinyin_reads_as_chinese_and_says_so(svc) -> None:
    r = svc.search("lianyiqun")
    assert r["parsed"]["corrected"] == "连衣裙" and set(ids(r)) == {"P3", "P4", "P10"}
    assert svc.search("lianyiqun", correct=False)["total"] == 0


# ---------------------------------------------------------------------- negation
@pytest.mark.parametrize(
    ("q", "value", "left"),
    [
        ("不要红色的连衣裙", "红色", {"P4"}),
        ("不是红色的连衣裙", "红色", {"P4"}),
        ("非真丝连衣裙", "真丝", {"P4", "P10"}),
        ("除了花漾以外的连衣裙", "花漾", {"P10"}),
        ("dress not red", "Red", {"P4"}),
        ("dress except bloom", "Bloom", {"P3", "P4"}),
        ("jacket without leather", "Leather", {"P6"}),
    ],
)
def test_negation_excludes_a_value_in_both_languages(svc, q, value, left) -> None:
    assert [c["value"] for c in chips(svc, q, "exclude")] == [value]
    assert set(ids(svc.search(q))) == left


def test_a_weak_negator_negates_only_a_catalog_value(svc) -> None:
    assert not chips(svc, "非常好的连衣裙", "exclude")  # 非常 = very
    assert svc.search("非常好的连衣裙")["total"] == 3


# ---------------------------------------------------------------------- price intent
@pytest.mark.parametrize(
    ("q", "lo", "hi"),
    [
        ("连衣裙 100-200元", 100.0, 200.0),
        ("dress between 100 and 200", 100.0, 200.0),
        ("低于200元的连衣裙", None, 200.0),
    ],
)
def test_price_ranges(svc, q, lo, hi) -> None:
    (price,) = chips(svc, q, "price")
    assert (price.get("min"), price.get("max")) == (lo, hi)
    assert set(ids(svc.search(q))) == ({"P4", "P10"} if lo else {"P4", "P10"})


@pytest.mark.parametrize(
    ("q", "plain", "cheapest_first"),
    [("cheap dress", "dress", True), ("便宜的连衣裙", "连衣裙", True), ("premium dress", "dress", False),
     ("高端连衣裙", "连衣裙", False)],
)  # fmt: skip
def test_price_intent_moves_cheaper_or_dearer_matches_up(svc, q, plain, cheapest_first) -> None:
    r, base = svc.search(q), svc.search(plain)
    assert set(ids(r)) == set(ids(base)) == {"P3", "P4", "P10"} and r["sort"] == "relevance"  # no filter
    up, down = ("P10", "P3") if cheapest_first else ("P3", "P10")  # ¥129 and ¥399
    assert ids(r).index(up) <= ids(base).index(up) and ids(r).index(down) >= ids(base).index(down)
    assert ids(r) != ids(base) or ids(r)[0] == up
    labels = {"cheaper first", "便宜优先", "premium first", "高端优先"}
    assert [c["label"] for c in r["parsed"]["chips"] if c["type"] == "price_intent"][0] in labels


# ---------------------------------------------------------------------- brand, attribute, mixed
def test_brand_attribute_and_mixed_language_chips_match_across_languages(svc) -> None:
    assert set(ids(svc.search("northline jacket"))) == {"P5", "P6"}
    r = svc.search("red dress")  # the Chinese-titled red dress matches through its colour value
    assert set(ids(r)) == {"P3", "P10"} and "P9" in ids(r, "related")  # the red lipstick is only related
    assert set(ids(svc.search("红色 dress"))) == {"P3", "P10"}
    labels = {c["type"]: c["label"] for c in svc.search("红色连衣裙")["parsed"]["chips"]}
    assert labels["colour"] == "颜色：红色" and labels["category"] == "连衣裙"  # never "category_zh: …"


# ---------------------------------------------------------------------- no result, honest counts
def test_nothing_matching_says_so_and_counts_nothing(svc) -> None:
    r = svc.search("不要苹果的手机壳")
    assert r["total"] == 0 and r["products"] == [] and r["facets"] == {} and r["no_match"]
    assert r["message"].startswith("没有与“不要苹果的手机壳”完全匹配的商品")
    r = svc.search("red dress under 200")  # two red dresses, one under 200: no lipstick, no padding
    assert ids(r) == ["P10"] and r["total"] == 1
    assert r["facets"]["brand"] == [{"value": "Bloom", "count": 1}]
    assert r["facet_labels"]["attributes.colour"] == "colour" and "attributes.颜色" not in r["facet_labels"]


def test_unknown_filter_values_give_an_empty_result_with_the_reason(svc) -> None:
    r = svc.search("dress", {"brand": ["Nope"]})
    assert r["total"] == 0 and r["unknown_filters"] == [{"field": "brand", "value": "Nope"}]
    assert r["message"] == "No product has brand “Nope”"
    r = svc.search("dress", {"attributes.colour": ["Red"], "category": "Clothing"})
    assert r["total"] == 2 and r["unknown_filters"] == []


# ---------------------------------------------------------------------- the labelled suite (dev part)
@pytest.fixture(scope="module")
def demo() -> SearchService:
    from shopmind.data.simulate import DemoConfig
    from shopmind.data.simulate_catalog import make_catalog

    cfg = DemoConfig()
    start = int(np.datetime64(cfg.start, "s").astype("int64"))
    frame = make_catalog(cfg, np.random.default_rng(cfg.seed), start).frame
    index = ProductIndex.from_frame(frame, IndexConfig(dense=False))
    return SearchService(None, SearchConfig(mode="lexical", log_events=False), index=index)


@pytest.mark.parametrize("group", S.GROUPS)
def test_the_suite_parses_each_group_at_95_percent(demo, group) -> None:
    cases = [c for c in S.load(SUITE, "dev") if c.group == group]
    assert len(cases) >= 20
    ok = [S.parse_ok(demo.parser.parse(c.query).to_dict(), c.expect) for c in cases]
    assert np.mean(ok) >= 0.95, [c.query for c, good in zip(cases, ok, strict=True) if not good]
    if group == "no_result":
        mask = demo.index.columns().alive
        assert all(demo.rank(demo.parser.parse(c.query), mask, "lexical").no_match for c in cases)


def test_the_suite_file_is_what_the_builder_makes(tmp_path) -> None:
    from shopmind.search.suite_build import build

    cases = build()
    assert len(cases) >= 300 and {c.group for c in cases} == set(S.GROUPS)
    S.save(cases, tmp_path / "suite.jsonl")
    assert (tmp_path / "suite.jsonl").read_text(encoding="utf-8") == SUITE.read_text(encoding="utf-8")


def test_function_words_are_not_needed_and_a_compound_needs_each_part(svc) -> None:
    assert set(ids(svc.search("do you have a red dress"))) == {"P3", "P10"}
    r = svc.search("有没有红色连衣裙呢")  # 红色连衣裙 is one word to jieba: each catalog value in it counts
    assert r["parsed"]["needs"] == ["红色", "连衣裙"] and set(ids(r)) == {"P3", "P10"}
    assert set(ids(svc.search("无线耳机"))) == {"P2"}  # not every wireless product


def test_a_chinese_negator_before_a_latin_brand_excludes_the_brand(svc) -> None:
    (neg,) = chips(svc, "不要Northline的外套", "exclude")
    assert (neg["field"], neg["value"]) == ("brand", "Northline") and svc.search("不要Northline的外套")[
        "total"
    ] == 0
    assert not chips(svc, "不是很贵的连衣裙", "exclude") and svc.search("不是很贵的连衣裙")["total"] == 3
