"""GET /search and GET /suggest over real HTTP, including hostile input: never a 500."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from shopmind.api.app import create_app
from shopmind.config import Settings
from shopmind.data.ingest import ingest_records
from shopmind.data.store import Store
from shopmind.engine import Engine
from shopmind.search.index import IndexConfig
from shopmind.search.service import SearchConfig, SearchService
from tests.conftest import LiveServer
from tests.search.conftest import CATALOG


@pytest.fixture(scope="module")
def client(tmp_path_factory) -> Iterator[tuple[httpx.Client, dict[str, str]]]:
    """One server for the module (encoding the catalog once keeps the suite fast)."""
    tmp = tmp_path_factory.mktemp("search-api")
    store = Store(f"sqlite:///{tmp / 'shop.db'}")
    store.migrate()
    ingest_records(store, "products", CATALOG)
    key = store.create_api_key("storefront", "shop")
    engine = Engine(Settings(var_dir=tmp / "var", artifacts_dir=tmp / "artifacts"), store)
    # the served configuration: hybrid, with the real encoder (its cache in the test's folder)
    index = IndexConfig(cache_path=str(tmp / "emb.sqlite"))
    cfg = SearchConfig(index=index, pins_path=str(tmp / "pins.json"))
    service = SearchService(store, cfg)
    engine.provide(search=service)
    app = create_app(engine)
    assert "/search" in app.openapi()["paths"]  # the app factory mounts the search router
    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=30) as c:
        # the engine's backfill thread fills the dense vectors after start; the tests want them all
        deadline = time.monotonic() + 120
        while service.status()["dense"]["coverage"] < 1.0 and time.monotonic() < deadline:
            time.sleep(0.1)
        yield c, {"X-API-Key": key}
    engine.close()
    store.dispose()


def test_search_and_suggest(client) -> None:
    c, key = client
    assert c.get("/search", params={"q": "jacket"}).status_code == 401
    body = c.get("/search", params={"q": "不要红色的连衣裙", "page_size": 5}, headers=key).json()
    got = [p["product_id"] for p in body["products"]]
    assert got == ["P4"] and body["total"] == 1  # the red dress is excluded; nothing pads the count
    assert "P3" not in {p["product_id"] for p in body["related"]}  # dense neighbours come as related
    assert body["parsed"]["chips"][0]["type"] == "exclude" and "facets" in body
    body = c.get("/search", params={"q": "jacket", "attr": "colour:Black", "in_stock": "true"}, headers=key)
    assert [p["product_id"] for p in body.json()["products"]] == ["P5"]  # only black, in stock, a jacket
    assert {p["product_id"] for p in body.json()["related"]} <= {"P1"}  # the black phone is only related
    body = c.get("/suggest", params={"q": "jack"}, headers=key).json()
    # one anonymous visitor's searches are never suggested to others (tests/api/test_abuse.py): the
    # completions come from the catalog
    assert body["suggestions"] and {s["source"] for s in body["suggestions"]} == {"catalog"}


@pytest.mark.parametrize(
    "q",
    [
        "",
        "   ",
        "😀😀🔥",
        "'; DROP TABLE products; --",
        "1 OR 1=1",
        "红色dress 👗 under ¥100 не кожа",
        "%00%ff\x00",
        "a" * 999,
        "<script>alert(1)</script>",
        "价格" * 400,
    ],
)
def test_hostile_queries_get_a_valid_answer(client, q) -> None:
    c, key = client
    r = c.get("/search", params={"q": q}, headers=key)
    assert r.status_code == 200, r.text
    body = r.json()
    assert isinstance(body["products"], list) and body["total"] >= len(body["products"])
    assert "<script>" not in str([p["highlights"] for p in body["products"]])


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": "x" * 10_000}, "q"),
        ({"q": "a", "page": 0}, "page"),
        ({"q": "a", "sort": "random"}, "sort"),
        ({"q": "a", "mode": "magic"}, "mode"),
        ({"q": "a", "attr": "nocolon"}, "attr"),
        ({"q": "a", "max_price": 2e9}, "max_price"),  # an attribute no product has filters to nothing
        ({"q": "a", "min_price": -1}, "min_price"),
    ],
)
def test_bad_parameters_get_a_clear_4xx(client, params, field) -> None:
    c, key = client
    r = c.get("/search", params=params, headers=key)
    assert r.status_code == 422, r.text
    assert field in r.json()["error"]["message"]
    assert c.get("/suggest", params={"q": "y" * 500}, headers=key).status_code == 422


def test_the_server_takes_a_second_encoder_from_its_settings(tmp_path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'shop.db'}")
    store.migrate()
    ingest_records(store, "products", CATALOG)
    key = {"X-API-Key": store.create_api_key("storefront", "shop")}
    settings = Settings(
        var_dir=tmp_path / "var", artifacts_dir=tmp_path / "a", search_extra_encoder="st:minilm"
    )
    engine = Engine(settings, store)
    app = create_app(engine, close_engine=False)
    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=60) as c:
        deadline = time.monotonic() + 180  # both encoders' vectors are filled in the background
        while engine.search.status()["dense"].get("extra_coverage", 0) < 1.0 and time.monotonic() < deadline:
            time.sleep(0.1)
        body = c.get("/search", params={"q": "bluetooth headphones", "page_size": 3}, headers=key).json()
        # no product is both: the earbuds (wireless ~ bluetooth) come first among the related products
        assert body["total"] == 0 and body["related"][0]["product_id"] == "P2"
        body = c.get("/search", params={"q": "连衣裙", "page_size": 2}, headers=key).json()
        assert {p["product_id"] for p in body["products"]} == {"P3", "P4"}
    service = engine.search
    assert service.index.extra_vectors is not None and service.index.extra_vectors.live == len(CATALOG)
    assert service.config.fusion.alpha == 0.5 and service.config.fusion.extra_weight == 0.4
    engine.close()
    store.dispose()


def test_counts_and_facets_describe_the_matches_and_unknown_filters_say_why(client) -> None:
    c, key = client
    body = c.get("/search", params={"q": "red dress", "page_size": 5}, headers=key).json()
    # one red dress in the catalog: the count and the facets are that dress, nothing else pads them
    assert [p["product_id"] for p in body["products"]] == ["P3"] and body["total"] == 1
    assert body["facets"]["brand"] == [{"value": "花漾", "count": 1}] and body["no_match"] is False
    assert body["facet_labels"]["brand"] == "brand" and body["related"]  # page one: related after it
    assert {c["label"] for c in body["parsed"]["chips"] if c["type"] in ("colour", "category")} == {
        "colour: Red",
        "Dresses",
    }
    body = c.get("/search", params={"q": "dress", "brand": "Nope", "attr": "colour:Plaid"}, headers=key)
    assert body.status_code == 200 and body.json()["total"] == 0
    assert body.json()["unknown_filters"] == [
        {"field": "brand", "value": "Nope"},
        {"field": "attributes.colour", "value": "Plaid"},
    ]
    assert body.json()["message"].startswith("No product has brand “Nope”")
    fixed = c.get("/search", params={"q": "wireles earbuds"}, headers=key).json()
    assert fixed["corrected"] == {"query": "wireless earbuds", "original": "wireles earbuds"}
    typed = c.get("/search", params={"q": "wireles earbuds", "spell": "false"}, headers=key).json()
    assert typed["corrected"] is None and typed["total"] < fixed["total"]


def test_a_60_kb_query_gets_a_422_naming_the_limit(client) -> None:
    c, key = client
    r = c.get("/search", params={"q": "red dress " * 6_000}, headers=key)
    assert r.status_code == 422 and "at most 1000 characters" in r.json()["error"]["message"]
    assert len(r.content) < 5_000  # the error does not echo the query back
