"""The store on SQLite and PostgreSQL: schema, upserts, round trips, order life cycle, API keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from shopmind.data.schema import OrderStatus, can_transition
from shopmind.data.store import InvalidTransitionError, NotFoundError, Store

T0 = datetime(2025, 3, 1, 12, 30, tzinfo=UTC)


def product(pid: str, **kw) -> dict:
    row = {
        "product_id": pid,
        "title": f"Product {pid}",
        "description": "",
        "category": "Clothing > Dresses",
        "brand": "Bloom",
        "price": 99.5,
        "currency": "CNY",
        "attributes": {"colour": "red", "颜色": "红色"},
        "stock": 3,
        "image_url": "",
        "lang": "zh",
        "created_at": T0,
    }
    return row | kw


def add_order(store: Store, oid: str = "O1", status: str = "placed") -> None:
    with store.begin() as conn:
        store.upsert(
            "orders",
            [
                {
                    "order_id": oid,
                    "customer_id": "C1",
                    "status": status,
                    "placed_at": T0,
                    "currency": "CNY",
                    "total": 20.0,
                    "shipping_address": "1 Main St",
                    "tracking_number": "",
                    "carrier": "",
                }
            ],
            conn,
        )
        store.upsert(
            "order_status", [{"order_id": oid, "seq": 1, "status": "placed", "at": T0, "note": ""}], conn
        )
        store.upsert(
            "order_items",
            [{"order_id": oid, "line_no": 1, "product_id": "P1", "quantity": 2, "unit_price": 10.0}],
            conn,
        )


def test_migrate_is_idempotent(store: Store) -> None:
    from alembic.script import ScriptDirectory

    from shopmind.data.store import MIGRATIONS_DIR

    head = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
    before = store.schema_revision()
    store.migrate()
    assert store.schema_revision() == before == head
    assert set(store.counts()) >= {"products", "customers", "events", "orders", "docs"}


def test_upsert_round_trip_keeps_json_unicode_and_utc(store: Store) -> None:
    store.upsert("products", [product("P1"), product("P2", price=5.0)])
    got = store.get_product("P1")
    assert got["attributes"] == {"colour": "red", "颜色": "红色"}
    assert got["created_at"] == T0 and got["created_at"].tzinfo is not None
    store.upsert("products", [product("P1", title="Renamed", stock=0)])
    assert store.get_product("P1")["title"] == "Renamed"
    assert store.counts()["products"] == 2
    frame = store.frame("products")
    assert list(frame["product_id"]) == ["P1", "P2"] or sorted(frame["product_id"]) == ["P1", "P2"]
    assert str(frame["created_at"].dt.tz) == "UTC"


def test_non_utc_timestamps_are_stored_as_the_same_instant(store: Store) -> None:
    shanghai = timezone(timedelta(hours=8))
    store.upsert("products", [product("P1", created_at=datetime(2025, 3, 1, 20, 30, tzinfo=shanghai))])
    assert store.get_product("P1")["created_at"] == T0


def test_list_products_filters_and_pages(store: Store) -> None:
    rows = [
        product(f"P{i}", category="Clothing > Dresses" if i % 2 else "Home > Kitchen", stock=i % 3)
        for i in range(10)
    ]
    store.upsert("products", rows)
    page, total = store.list_products(category="Clothing", limit=3)
    assert total == 5 and len(page) == 3 and all(p["category"].startswith("Clothing") for p in page)
    _, in_stock = store.list_products(in_stock=True)
    assert in_stock == sum(1 for r in rows if r["stock"] > 0)
    with pytest.raises(NotFoundError):
        store.get_product("nope")


def test_order_life_cycle_is_enforced_and_recorded(store: Store) -> None:
    add_order(store)
    store.set_order_status("O1", "paid")
    order = store.set_order_status("O1", OrderStatus.shipped, tracking_number="SF123", carrier="SF Express")
    assert order["status"] == "shipped" and order["tracking_number"] == "SF123"
    assert [t["status"] for t in order["timeline"]] == ["placed", "paid", "shipped"]
    with pytest.raises(InvalidTransitionError, match="allowed: delivered"):
        store.set_order_status("O1", "cancelled")
    assert store.get_order("O1")["status"] == "shipped"
    assert order["items"] == [{"line_no": 1, "product_id": "P1", "quantity": 2, "unit_price": 10.0}]
    with pytest.raises(NotFoundError):
        store.set_order_status("missing", "paid")


def test_transition_table() -> None:
    assert can_transition("placed", "cancelled") and can_transition("paid", "cancelled")
    assert not can_transition("shipped", "cancelled") and not can_transition("refunded", "paid")
    assert can_transition("delivered", "refund_requested") and can_transition("refund_requested", "refunded")


def test_api_keys_are_hashed_and_scoped(store: Store) -> None:
    key = store.create_api_key("admin", "ops")
    assert store.api_key_scope(key) == "admin"
    assert store.api_key_scope(key + "x") is None
    with pytest.raises(ValueError, match="unknown scope"):
        store.create_api_key("root")
    with store.engine.connect() as conn:
        import sqlalchemy as sa

        stored = conn.execute(sa.text("SELECT key_hash FROM api_keys")).scalar_one()
    assert key not in stored


def test_write_frames_replaces_children(store: Store) -> None:
    import pandas as pd

    add_order(store)
    items = pd.DataFrame(
        [{"order_id": "O1", "line_no": 1, "product_id": "P9", "quantity": 1, "unit_price": 3.0}]
    )
    store.write_frames({"order_items": items})
    assert [i["product_id"] for i in store.get_order("O1")["items"]] == ["P9"]


def test_migrations_match_the_tables(store: Store) -> None:
    """A change to tables.py without a migration fails here."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from shopmind.data.tables import metadata

    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    assert diff == []
