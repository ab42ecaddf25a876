"""The store's query methods (catalog, activity, orders) on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shopmind.data.store import InvalidTransitionError, NotFoundError, Store

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def product(pid: str, category: str = "Clothing > Dresses", stock: int = 3) -> dict:
    return {
        "product_id": pid,
        "title": f"Title {pid}",
        "category": category,
        "price": 10.0,
        "currency": "CNY",
        "attributes": {},
        "stock": stock,
        "lang": "en",
    }


def customer(cid: str) -> dict:
    return {
        "customer_id": cid,
        "name": f"Name {cid}",
        "email": f"{cid}@x.test",
        "lang": "en",
        "city": "Hangzhou",
    }


def event(eid: str, customer_id: str | None, type_: str, product_id: str | None, ts: datetime, **kw) -> dict:
    row = {"event_id": eid, "customer_id": customer_id, "type": type_, "product_id": product_id, "ts": ts}
    return row | {"query": None, "value": None} | kw  # the same keys in every row of one upsert


def add_order(
    store: Store, oid: str, cid: str, status: str = "placed", total: float = 20.0, items=("P1",), at=T0
) -> None:
    order = {
        "order_id": oid,
        "customer_id": cid,
        "status": status,
        "placed_at": at,
        "currency": "CNY",
        "total": total,
        "shipping_address": "1 Main St",
    }
    with store.begin() as conn:
        store.upsert("orders", [order], conn)
        store.upsert(
            "order_status", [{"order_id": oid, "seq": 1, "status": status, "at": at, "note": ""}], conn
        )
        lines = [
            {"order_id": oid, "line_no": i + 1, "product_id": p, "quantity": 1, "unit_price": 10.0}
            for i, p in enumerate(items)
        ]
        store.upsert("order_items", lines, conn)


# ---------------------------------------------------------------------- catalog
def test_delete_product_removes_it_and_an_unknown_id_is_not_found(store: Store) -> None:
    store.upsert("products", [product("P1"), product("P2")])
    store.delete_product("P1")
    assert [p["product_id"] for p in store.list_products()[0]] == ["P2"]
    with pytest.raises(NotFoundError, match="product 'P1' not found"):
        store.delete_product("P1")


def test_product_titles_of_existing_products_in_chunks(store: Store) -> None:
    store.upsert("products", [product(f"P{i:04d}") for i in range(1000)])
    ids = [f"P{i:04d}" for i in range(0, 1000, 1)] + ["missing"]
    titles = store.product_titles(ids)
    assert len(titles) == 1000 and titles["P0999"] == "Title P0999" and "missing" not in titles
    assert store.product_titles([]) == {}


def test_category_counts_sorted_with_stock_and_without_empty_paths(store: Store) -> None:
    store.upsert(
        "products",
        [
            product("P1", "Home > Kitchen", stock=0),
            product("P2", "Clothing > Dresses"),
            product("P3", "Clothing > Dresses", stock=0),
            product("P4", ""),
        ],
    )
    assert store.category_counts() == [
        {"category": "Clothing > Dresses", "count": 2, "in_stock": 1},
        {"category": "Home > Kitchen", "count": 1, "in_stock": 0},
    ]


def test_list_docs_filters_orders_by_id_and_pages(store: Store) -> None:
    docs = [
        {"doc_id": f"D{i}", "kind": "faq", "topic": "returns" if i % 2 else "shipping", "lang": lang}
        | {"title": f"Doc {i}", "body": "...", "updated_at": T0}
        for i, lang in enumerate(["en", "zh", "en", "en", "zh"])
    ]
    store.upsert("docs", docs[::-1])
    rows, total = store.list_docs(limit=2, offset=1)
    assert total == 5 and [d["doc_id"] for d in rows] == ["D1", "D2"]
    rows, total = store.list_docs(lang="en", topic="shipping")
    assert total == 2 and [d["doc_id"] for d in rows] == ["D0", "D2"]
    assert rows[0]["updated_at"] == T0


def test_customers_by_orders_most_orders_first_then_by_id(store: Store) -> None:
    store.upsert("customers", [customer(c) for c in ("C3", "C1", "C2", "C4")])
    for oid, cid in [("O1", "C2"), ("O2", "C2"), ("O3", "C3"), ("O4", "C1")]:
        add_order(store, oid, cid)
    rows = store.customers_by_orders(limit=3)
    assert [(r["customer_id"], r["orders"]) for r in rows] == [("C2", 2), ("C1", 1), ("C3", 1)]
    assert rows[0] == {
        "customer_id": "C2",
        "name": "Name C2",
        "email": "C2@x.test",
        "lang": "en",
        "city": "Hangzhou",
        "orders": 2,
    }
    assert store.customers_by_orders(limit=10)[-1] == {**customer("C4"), "orders": 0}


def test_frame_where_matches_values_and_lists(store: Store) -> None:
    store.upsert("products", [product("P1"), product("P2", "Home"), product("P3", "Home")])
    assert store.frame("products", where={"product_id": "P2"})["category"].tolist() == ["Home"]
    got = store.frame("products", where={"product_id": ["P1", "P3"]}, columns=["product_id"])
    assert sorted(got["product_id"]) == ["P1", "P3"] and list(got.columns) == ["product_id"]
    assert len(store.frame("products", where={"category": "Home", "product_id": ("P1", "P2")})) == 1
    with pytest.raises(ValueError, match="products has no column"):
        store.frame("products", where={"colour": "red"})


def test_table_names_and_checkpoint(store: Store) -> None:
    assert {"products", "orders", "conversations", "ingest_runs"} <= set(Store.table_names())
    assert Store.table_names() == sorted(Store.table_names())
    store.upsert("products", [product("P1")])
    store.checkpoint()
    assert store.get_product("P1")["title"] == "Title P1"


def test_ingest_run_by_id(store: Store) -> None:
    run = {"run_id": "R1", "kind": "products", "source": "a.csv", "started_at": T0, "status": "done"}
    store.record_ingest_run(run | {"rows_rejected": 2, "rejects_path": "/tmp/r.csv"})
    got = store.ingest_run("R1")
    assert got["rows_rejected"] == 2 and got["rejects_path"] == "/tmp/r.csv" and got["started_at"] == T0
    with pytest.raises(NotFoundError, match="ingest run 'R2' not found"):
        store.ingest_run("R2")


# ---------------------------------------------------------------------- activity
def shop_events(store: Store) -> None:
    h = timedelta(hours=1)
    store.upsert(
        "events",
        [
            event("E1", "C1", "view", "P1", T0),
            event("E2", "C1", "click", "P2", T0 + h),
            event("E3", "C1", "search", None, T0 + 2 * h, query="red dress"),
            event("E4", "C1", "purchase", "P3", T0 + 3 * h),
            event("E5", "C2", "view", "P1", T0 + 4 * h),
            event("E6", None, "view", "P2", T0 + 5 * h),
            event("E7", "C2", "search", None, T0 + 6 * h, query="red dress"),
            event("E8", "C2", "search", None, T0 + 7 * h, query="Mug"),
            event("E9", "C2", "purchase", "P3", T0 - timedelta(days=3)),
            event("E10", "C1", "rating", "P2", T0 + 8 * h, value=4.0),
        ],
    )


def test_recent_product_ids_newest_n_oldest_first(store: Store) -> None:
    shop_events(store)
    types = ["view", "click", "purchase", "rating"]
    assert store.recent_product_ids("C1", types, 10) == ["P1", "P2", "P3", "P2"]
    assert store.recent_product_ids("C1", types, 2) == ["P3", "P2"]
    assert store.recent_product_ids("C1", ["view"], 10) == ["P1"]
    assert store.recent_product_ids("nobody", types, 10) == []


def test_bought_products_from_orders_and_purchase_events(store: Store) -> None:
    shop_events(store)
    add_order(store, "O1", "C1", items=("P7", "P8"))
    add_order(store, "O2", "C2", items=("P9",))
    assert store.bought_products("C1") == {"P3", "P7", "P8"}
    assert store.bought_products("C2") == {"P3", "P9"}
    assert store.bought_products("C3") == set()


def test_purchase_and_search_query_counts(store: Store) -> None:
    shop_events(store)
    assert store.purchase_counts() == {"P3": 2}
    assert store.search_query_counts() == {"red dress": 2, "Mug": 1}


def test_product_events_frame_only_known_customers_products_and_types(store: Store) -> None:
    shop_events(store)
    df = store.product_events(["view", "purchase"], columns=["customer_id", "product_id", "type", "ts"])
    assert sorted(zip(df["customer_id"], df["product_id"], df["type"], strict=True)) == [
        ("C1", "P1", "view"),
        ("C1", "P3", "purchase"),
        ("C2", "P1", "view"),
        ("C2", "P3", "purchase"),
    ]
    assert str(df["ts"].dt.tz) == "UTC"


def test_event_time_anchor_and_engagement_since(store: Store) -> None:
    assert store.event_time_anchor(3) is None
    shop_events(store)
    assert store.event_time_anchor(1) == T0 + timedelta(hours=8)
    assert store.event_time_anchor(3) == T0 + timedelta(hours=6)
    assert store.event_time_anchor(100) == T0 - timedelta(days=3)  # fewer events: the oldest
    weights = {"purchase": 3.0, "click": 1.0, "view": 0.5}
    assert store.engagement_since(weights, T0) == {"P1": 1.0, "P2": 1.5, "P3": 3.0}
    assert store.engagement_since(weights, T0 - timedelta(days=4)) == {"P1": 1.0, "P2": 1.5, "P3": 6.0}
    assert store.engagement_since(weights, T0 + timedelta(days=1)) == {}


def test_events_per_day_over_the_last_days_of_activity(store: Store) -> None:
    assert store.events_per_day(30) == []
    shop_events(store)
    assert store.events_per_day(30) == [
        {"day": "2025-02-26", "purchase": 1},
        {"day": "2025-03-01", "view": 3, "click": 1, "search": 3, "purchase": 1, "rating": 1},
    ]
    assert store.events_per_day(1) == [
        {"day": "2025-03-01", "view": 3, "click": 1, "search": 3, "purchase": 1, "rating": 1}
    ]


# ---------------------------------------------------------------------- orders
def test_order_statistics(store: Store) -> None:
    assert store.latest_order_event_time() is None
    assert store.order_status_counts() == {}
    empty = store.orders_fingerprint()
    assert empty[0] == 0
    add_order(store, "O1", "C1")
    add_order(store, "O2", "C1", status="shipped", at=T0 + timedelta(days=1))
    store.set_order_status("O1", "paid", at=T0 + timedelta(days=2))
    assert store.latest_order_event_time() == T0 + timedelta(days=2)
    assert store.order_status_counts() == {"paid": 1, "shipped": 1}
    two = store.orders_fingerprint()
    assert two[0] == 2 and two != empty
    add_order(store, "O3", "C2", at=T0 + timedelta(days=3))
    assert store.orders_fingerprint() not in (empty, two)


def test_customer_spend_rank_leaves_out_cancelled_orders(store: Store) -> None:
    add_order(store, "O1", "C1", total=100.0)
    add_order(store, "O2", "C1", total=50.0, status="cancelled")
    add_order(store, "O3", "C2", total=300.0)
    add_order(store, "O4", "C3", total=80.0)
    assert store.customer_spend_rank("C1") == {"spend": 100.0, "above": 1, "customers": 3}
    assert store.customer_spend_rank("C2") == {"spend": 300.0, "above": 0, "customers": 3}
    assert store.customer_spend_rank("C9") == {"spend": 0.0, "above": 3, "customers": 3}


def test_change_shipping_address_in_one_transaction_with_a_timeline_row(store: Store) -> None:
    add_order(store, "O1", "C1", status="paid")
    at = T0 + timedelta(hours=5)
    order = store.change_shipping_address("O1", "2 New Rd", note="moved", at=at)
    assert order["shipping_address"] == "2 New Rd" and order["status"] == "paid"
    assert order["timeline"][-1] == {"status": "paid", "at": at, "note": "moved"}
    assert len(order["timeline"]) == 2


def test_change_shipping_address_refused_after_shipping_changes_nothing(store: Store) -> None:
    add_order(store, "O1", "C1", status="shipped")
    with pytest.raises(InvalidTransitionError) as err:
        store.change_shipping_address("O1", "2 New Rd", allowed=("placed", "paid"))
    assert err.value.status == "shipped"
    order = store.get_order("O1")
    assert order["shipping_address"] == "1 Main St" and len(order["timeline"]) == 1
    with pytest.raises(NotFoundError, match="order 'O9' not found"):
        store.change_shipping_address("O9", "2 New Rd")


def test_refused_status_change_says_the_current_status(store: Store) -> None:
    add_order(store, "O1", "C1", status="shipped")
    with pytest.raises(InvalidTransitionError, match="allowed: delivered") as err:
        store.set_order_status("O1", "cancelled")
    assert err.value.status == "shipped"
