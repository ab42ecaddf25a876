"""SearchService over a real store: following the store's changes (incremental), relaxation, facets,
pins, personalisation, search events and suggestions."""

from __future__ import annotations

import sqlalchemy as sa

from shopmind.data import tables as T
from shopmind.data.ingest import ingest_records
from shopmind.search.index import IndexConfig
from shopmind.search.service import SearchConfig, SearchService
from tests.search.conftest import CATALOG, item


def make(store, tmp_path, **kw) -> SearchService:
    cfg = SearchConfig(
        index=IndexConfig(dense=False),
        mode="lexical",
        pins_path=str(tmp_path / "pins.json"),
        **kw,
    )
    return SearchService(store, cfg)


def top(answer: dict) -> list[str]:
    return [p["product_id"] for p in answer["products"]]


def related(answer: dict) -> list[str]:
    return [p["product_id"] for p in answer["related"]]


def test_store_changes_are_searchable_without_rebuild(sqlite_store, tmp_path) -> None:
    written, rejected = ingest_records(sqlite_store, "products", CATALOG)
    assert written == len(CATALOG) and not rejected
    svc = make(sqlite_store, tmp_path, log_events=False)
    assert top(svc.search("leather jacket"))[0] == "P5"
    sqlite_store.upsert("products", [CATALOG[4] | {"title": "Northline Black Suede Jacket"}])
    ingest_records(
        sqlite_store, "products", [CATALOG[0] | {"product_id": "P8", "title": "Pixel 9 Pro phone"}]
    )
    sqlite_store.delete_product("P2")
    assert svc.sync() == {"indexed": 2, "deleted": 1}  # the changes logged since the service was made
    assert top(svc.search("suede")) == ["P5"] and top(svc.search("pixel")) == ["P8"]
    assert top(svc.search("earbuds")) == []


def test_answer_shape_facets_highlights_and_stock_rule(sqlite_store, tmp_path) -> None:
    ingest_records(sqlite_store, "products", CATALOG)
    r = make(sqlite_store, tmp_path, log_events=False).search("Northline")
    assert top(r) == ["P5", "P6"]  # P6 is out of stock: after P5
    assert {"brand", "category", "price", "attributes.colour"} <= set(r["facets"])
    assert r["facets"]["brand"] == [{"value": "Northline", "count": 2}]
    assert "<em>Northline</em>" in r["products"][0]["highlights"]["title"]
    assert r["parsed"]["chips"][0]["type"] == "brand" and r["relaxed"] == []


def test_traditional_and_simplified_characters_find_the_same_products(sqlite_store, tmp_path) -> None:
    taiwan = item("P9", "晨光 綠色 真絲 圍巾", brand="晨光", category="Accessories > Scarves", lang="zh")
    ingest_records(sqlite_store, "products", [*CATALOG, taiwan])
    svc = make(sqlite_store, tmp_path, log_events=False)
    assert top(svc.search("藍色 純棉 連衣裙")) == top(svc.search("蓝色 纯棉 连衣裙")) != []
    found = svc.search("绿色围巾")  # a Simplified query finds the Traditional title, shown as written
    assert top(found) == ["P9"]
    assert "<em>綠色</em>" in found["products"][0]["highlights"]["title"]


def test_zero_results_relax_the_least_important_constraint(sqlite_store, tmp_path) -> None:
    ingest_records(sqlite_store, "products", CATALOG)
    svc = make(sqlite_store, tmp_path, log_events=False)
    # no red cotton dress: nothing matches, and the related products keep the colour, not the material
    r = svc.search("红色 纯棉 连衣裙")
    assert r["total"] == 0 and r["no_match"] and top(r) == [] and related(r)[:2] == ["P3", "P4"]
    assert [(c["type"], c["value"]) for c in r["relaxed"]] == [("attribute", "纯棉")]
    assert r["message"].startswith("没有与“红色 纯棉 连衣裙”完全匹配的商品")
    r = svc.search("连衣裙 50元以下")  # a hard price range that leaves no dress is dropped for related ones
    assert (
        r["total"] == 0 and set(related(r)) == {"P3", "P4"} and [c["type"] for c in r["relaxed"]] == ["price"]
    )
    r = svc.search("连衣裙 200元以下")
    assert top(r) == ["P4"] and r["relaxed"] == []
    r = svc.search("cheapest Northline")
    assert r["sort"] == "price_asc" and top(r) == ["P5", "P6"]  # in stock before cheaper out-of-stock


def test_filters_pins_and_personal_boost(sqlite_store, tmp_path) -> None:
    ingest_records(sqlite_store, "products", CATALOG)

    class FakeRecommender:
        def recommend(self, customer_id, k):
            return (
                {"source": "bpr", "items": [{"product_id": "P4"}]}
                if customer_id == "C1"
                else {"source": "trending", "items": [{"product_id": "P3"}]}
            )

    svc = make(sqlite_store, tmp_path, log_events=False)
    svc.recommender = FakeRecommender()
    assert top(svc.search("连衣裙", customer_id="C1"))[0] == "P4"
    assert top(svc.search("连衣裙", customer_id="C2"))[0] == top(svc.search("连衣裙"))[0]
    assert top(svc.search("dress", {"max_price": 200})) == ["P4"]  # the synonym dress -> 连衣裙
    assert top(svc.search("dress", {"max_price": 100})) == []
    assert top(svc.search("连衣裙", {"attributes.颜色": ["蓝色"]})) == ["P4"]
    svc.pin("连衣裙", ["P7"])
    assert top(svc.search("连衣裙"))[0] == "P7"
    assert make(sqlite_store, tmp_path).pins == {"连衣裙": ["P7"]}  # pins persist


def test_searches_are_logged_and_feed_suggestions(sqlite_store, tmp_path) -> None:
    ingest_records(sqlite_store, "products", CATALOG)
    svc = make(sqlite_store, tmp_path)
    searches = [("northline jacket", "C1"), ("northline jacket", "C2"), ("northline jacket", "C3")]
    for q, shopper in [*searches, ("northline coat", "C1"), ("  ", "C1")]:
        svc.search(q, customer_id=shopper)
    assert svc.query_log.flush()  # searches are written by the log's thread, in batches
    with sqlite_store.engine.connect() as conn:
        n = conn.execute(sa.select(sa.func.count()).select_from(T.events).where(T.events.c.type == "search"))
    assert n.scalar_one() == 4
    svc.sync()  # the logged searches reach the query log when the service follows the store's changes
    got = svc.suggest("north")["suggestions"]
    assert got[0] == {"text": "northline jacket", "source": "query_log", "count": 3}  # 3 shoppers
    assert "northline coat" not in {g["text"] for g in got}  # one shopper is not enough
    assert {"text": "Northline", "source": "catalog", "count": 4} in got
    assert svc.suggest("lian")["suggestions"][0]["text"] == "连衣裙"  # pinyin prefix
    assert svc.suggest("")["suggestions"] == []
