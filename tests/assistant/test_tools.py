"""Tools: authorisation by session, policy checks, timeline records (SQLite and PostgreSQL)."""

from __future__ import annotations

import json

import pytest

from shopmind.assistant.tools import SPECS, ShopTools, ToolContext, ToolError, ToolsConfig, validate_call
from tests.assistant.conftest import NOW

C1 = ToolContext("C1", "CVtest", NOW)
C2 = ToolContext("C2", "CVother", NOW)


def test_order_status_of_own_order(mini_shop):
    res = ShopTools(mini_shop).call("order_status", {"order_id": "O000002"}, C1)
    assert res["ok"] and res["data"]["tracking_number"] == "SF123456789012"
    assert [t["status"] for t in res["data"]["timeline"]] == ["placed", "paid", "shipped"]


def test_other_customers_order_is_indistinguishable_from_a_missing_one(mini_shop):
    tools = ShopTools(mini_shop)
    foreign = tools.call("order_status", {"order_id": "O000005"}, C1)
    missing = tools.call("order_status", {"order_id": "O999999"}, C1)
    assert not foreign["ok"] and foreign["error"] == missing["error"] == "not_found"
    assert foreign["data"] == {"order_id": "O000005"}  # only what the customer typed
    assert json.dumps(foreign).find("JDX999999999999") == -1
    cancel = tools.call("cancel_order", {"order_id": "O000005"}, C1)
    assert cancel["error"] == "not_found"
    assert mini_shop.get_order("O000005")["status"] == "shipped"


def test_cancel_before_shipping_is_recorded_on_the_timeline(mini_shop):
    res = ShopTools(mini_shop).call("cancel_order", {"order_id": "O000001", "reason": "ordered twice"}, C1)
    assert res["ok"] and res["data"]["status"] == "cancelled"
    last = mini_shop.get_order("O000001")["timeline"][-1]
    assert last["status"] == "cancelled"
    assert (
        "by assistant for customer C1" in last["note"]
        and "CVtest" in last["note"]
        and "ordered twice" in last["note"]
    )


def test_cancel_after_shipping_is_refused(mini_shop):
    tools = ShopTools(mini_shop)
    assert tools.call("cancel_order", {"order_id": "O000002"}, C1)["error"] == "already_shipped"
    with pytest.raises(ToolError) as exc:
        tools.check("change_address", "O000002", C1)
    assert exc.value.code == "already_shipped"
    assert mini_shop.get_order("O000002")["status"] == "shipped"


def test_return_window_from_policy(mini_shop):
    tools = ShopTools(mini_shop)
    inside = tools.call("request_return", {"order_id": "O000003"}, C1)
    assert inside["ok"] and mini_shop.get_order("O000003")["status"] == "refund_requested"
    outside = tools.call("request_return", {"order_id": "O000004"}, C1)
    assert outside["error"] == "window_closed" and outside["data"]["days_since_delivery"] == 56
    assert outside["data"]["window_days"] == 30
    assert tools.call("request_return", {"order_id": "O000003"}, C1)["error"] == "already_returned"
    assert tools.call("request_return", {"order_id": "O000001"}, C1)["error"] == "not_delivered"
    longer = ShopTools(mini_shop, ToolsConfig(return_window_days=60))
    assert longer.call("request_return", {"order_id": "O000004"}, C1)["ok"]


def test_change_address_before_shipping(mini_shop):
    res = ShopTools(mini_shop).call(
        "change_address", {"order_id": "O000001", "new_address": "9 New Road, Leeds LS1 1AA"}, C1
    )
    assert res["ok"]
    order = mini_shop.get_order("O000001")
    assert order["shipping_address"] == "9 New Road, Leeds LS1 1AA" and order["status"] == "paid"
    assert "was: 1 Old Street, London" in order["timeline"][-1]["note"]
    assert order["timeline"][-1]["status"] == "paid"


def test_recent_orders_only_the_customers_own(mini_shop):
    got = ShopTools(mini_shop).recent_orders(C2)
    assert [o["order_id"] for o in got["orders"]] == ["O000005"]


@pytest.mark.parametrize(
    ("name", "args", "reason"),
    [
        ("drop_tables", {}, "unknown tool"),
        ("order_status", {"order_id": "O000002", "customer_id": "C2"}, "Extra inputs"),
        ("order_status", {"order_id": "'; DROP TABLE orders; --"}, "pattern"),
        ("change_address", {"order_id": "O000001"}, "Field required"),
        ("cancel_order", "not json", "Expecting value"),
        ("cancel_order", "[1, 2]", "JSON object"),
    ],
)
def test_invalid_calls_are_rejected(name, args, reason):
    with pytest.raises(ToolError) as exc:
        validate_call(name, args)
    assert exc.value.code == "invalid_call" and reason in exc.value.facts["reason"]


def test_schemas_forbid_extra_fields():
    for spec in SPECS.values():
        params = spec.schema()["function"]["parameters"]
        assert params["additionalProperties"] is False and "customer_id" not in params.get("properties", {})


def fill_mini_catalog(store) -> None:
    """Three products (two dresses, one pair of earbuds) and C2's views of them."""
    base = {"currency": "CNY", "stock": 3, "attributes": {}, "lang": "en", "description": ""}
    store.upsert(
        "products",
        [
            base
            | {
                "product_id": "P1",
                "title": "Red Silk Dress",
                "category": "Clothing > Dresses",
                "price": 399.0,
            },
            base
            | {
                "product_id": "P2",
                "title": "Wireless Earbuds",
                "category": "Electronics > Earbuds",
                "price": 299.0,
            },
            base
            | {
                "product_id": "P3",
                "title": "Blue Cotton Dress",
                "category": "Clothing > Dresses",
                "price": 159.0,
            },
        ],
    )
    store.upsert(
        "events",
        [
            {"event_id": f"E{i}", "customer_id": "C2", "type": "view", "product_id": p, "ts": NOW}
            for i, p in enumerate(["P2", "P2", "P2", "P3"], start=10)
        ],
    )


def product_tools(store, artifacts_dir) -> ShopTools:
    """Tools over the store with a lexical search and the recommendation service (no model)."""
    from shopmind.artifacts import ArtifactStore
    from shopmind.recommend.service import RecommendationService
    from shopmind.search.index import IndexConfig
    from shopmind.search.service import SearchConfig, SearchService

    search = SearchService(store, SearchConfig(index=IndexConfig(dense=False), log_events=False))
    recommender = RecommendationService(store, ArtifactStore(artifacts_dir))
    search.recommender = recommender
    return ShopTools(store, ToolsConfig(search_mode="lexical"), search=search, recommender=recommender)


def test_product_search_and_recommendations(sqlite_store, tmp_path):
    from tests.assistant.conftest import fill_mini_shop

    fill_mini_shop(sqlite_store)
    fill_mini_catalog(sqlite_store)
    tools = product_tools(sqlite_store, tmp_path / "artifacts")
    assert ShopTools(sqlite_store).call("search_products", {"query": "dress"}, C1)["error"] == "unavailable"
    found = tools.call("search_products", {"query": "red dress"}, C1)
    assert found["ok"] and found["data"]["products"][0]["product_id"] == "P1"
    rec = tools.call("recommend_products", {"k": 2}, C1)
    assert rec["ok"] and rec["data"]["source"] == "trending"  # no model published: popular products
    assert [p["product_id"] for p in rec["data"]["products"]] == ["P2", "P3"]


def test_a_described_need_keeps_what_the_catalog_knows(sqlite_store, tmp_path):
    fill_mini_catalog(sqlite_store)
    tools = product_tools(sqlite_store, tmp_path / "artifacts")
    assert tools.described_need("hi, any red dresses under 200 you would suggest?") == "red dresses under 200"
    assert tools.described_need("what should I buy my mum?") == ""  # no category or brand named
    assert tools.described_need("anything under 200?") == ""  # a price alone is not a need
    assert ShopTools(sqlite_store).described_need("any dresses?") == ""  # no search service
    found = tools.call("search_products", {"query": tools.described_need("any dresses under 200?")}, C1)
    assert [p["product_id"] for p in found["data"]["products"]] == ["P3"]


def test_change_address_refused_when_the_order_shipped_after_the_check(mini_shop):
    """The store re-checks the status on the locked row: a shipment between check and write wins."""
    tools = ShopTools(mini_shop)
    tools._can_move = lambda order, ctx: None  # the earlier check saw the order before it shipped
    before = mini_shop.get_order("O000002")
    with pytest.raises(ToolError) as exc:
        tools.change_address("O000002", "9 New Road, Leeds LS1 1AA", C1)
    assert exc.value.code == "already_shipped"
    assert exc.value.facts == {"order_id": "O000002", "status": "shipped"}
    assert mini_shop.get_order("O000002") == before
