"""The change log on SQLite and PostgreSQL: every write path logs its change in its own transaction,
reads after a cursor are exact (late commits and aborted writes on PostgreSQL included), events are
counted once, and a prune tells followers behind it to reload."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from shopmind.data.changes import BATCH, DELETE, UPSERT, Cursor
from shopmind.data.store import Store
from tests.data.test_store import T0, add_order, product


def event(eid: str, kind: str = "purchase", pid: str = "P1", **kw) -> dict:
    row = {"event_id": eid, "customer_id": "C1", "type": kind, "product_id": pid, "query": None}
    return row | {"value": None, "ts": T0} | kw


def ops(store: Store, after: int | Cursor = 0) -> list[tuple[str, str | None, str]]:
    return [(c.table, c.key, c.op) for c in store.changes_since(after).rows]


def test_every_write_path_logs_its_change(store: Store) -> None:
    store.upsert("products", [product("P1"), product("P2")])
    assert ops(store) == [("products", "P1", UPSERT), ("products", "P2", UPSERT)]
    at = store.change_position()
    store.delete_product("P2")
    store.upsert("docs", [{"doc_id": "D1", "kind": "policy", "lang": "en", "title": "t", "body": "b"}])
    store.upsert("customers", [{"customer_id": "C1", "name": "Ann"}])
    add_order(store)  # orders, order_status and order_items upserts: changes of order O1
    assert set(ops(store, at)) == {
        ("products", "P2", DELETE),
        ("docs", "D1", UPSERT),
        ("customers", "C1", UPSERT),
        ("orders", "O1", UPSERT),
    }
    at = store.change_position()
    store.set_order_status("O1", "paid")
    store.change_shipping_address("O1", "2 High St")
    with store.begin() as conn:
        store.replace_children("order_items", "order_id", ["O1"], [], conn)
    assert set(ops(store, at)) == {("orders", "O1", UPSERT)} and len(ops(store, at)) >= 3
    at = store.change_position()
    store.write_frames({"products": pd.DataFrame([product("P3")]), "events": pd.DataFrame([event("E1")])})
    assert ops(store, at) == [("products", "P3", UPSERT), ("events", None, BATCH)]


def test_an_events_batch_is_one_change_and_events_are_counted_once(store: Store) -> None:
    store.upsert("events", [event("E1"), event("E2", pid="P2"), event("E3", "search", None, query="red")])
    first = store.changes_since(0)
    assert [(c.table, c.op) for c in first.rows] == [("events", BATCH)]
    batch = first.rows[0].seq
    assert set(store.events_in_batches([batch])["event_id"]) == {"E1", "E2", "E3"}
    # written again (an ingested file twice, or with an edit): the event keeps its first batch
    store.upsert("events", [event("E1", value=9.0), event("E4", pid="P1")])
    second = store.changes_since(first.cursor)
    assert set(store.events_in_batches(second.batches("events"))["event_id"]) == {"E4"}
    assert store.event_counts("product_id", "purchase", at=first.cursor) == {"P1": 1, "P2": 1}
    assert store.event_counts("product_id", "purchase", batches=second.batches("events")) == {"P1": 1}
    assert store.event_counts("product_id", "purchase") == {"P1": 2, "P2": 1}
    assert store.event_counts("query", "search") == {"red": 1}


def test_reads_continue_from_the_returned_cursor_and_stop_at_the_limit(store: Store) -> None:
    store.upsert("products", [product(f"P{i}") for i in range(5)])
    page = store.changes_since(0, limit=3)
    assert len(page) == 3 and page.more
    rest = store.changes_since(page.cursor, limit=3)
    assert [c.key for c in rest.rows] == ["P3", "P4"] and not rest.more
    assert len(store.changes_since(rest.cursor)) == 0
    assert rest.position == store.change_position() == store.change_cursor().high
    store.upsert("products", [product("P1", price=1.0)])
    assert [c.key for c in store.changes_since(rest.cursor, tables=["docs"]).rows] == []
    assert [c.key for c in store.changes_since(rest.cursor, tables=["products"]).rows] == ["P1"]


def test_a_prune_leaves_a_marker_for_cursors_behind_it(store: Store) -> None:
    store.upsert("products", [product("P1"), product("P2")])
    behind = store.changes_since(0, limit=1).cursor
    assert store.prune_changes(datetime.now(UTC) + timedelta(seconds=5)) == 2
    after = store.changes_since(behind)
    assert after.pruned_past(behind) and not after.pruned_past(after.cursor)
    assert store.prune_changes(datetime.now(UTC) - timedelta(days=1)) == 0


@pytest.mark.postgres
def test_a_late_commit_below_the_cursor_is_read_by_the_next_read(pg_store: Store) -> None:
    """Writer A draws the lower seq but commits after writer B; a read between the two commits sees
    only B, and the next read from its cursor still returns A (and an aborted writer blocks nothing)."""
    start = pg_store.change_cursor()
    a, b, c = (pg_store.engine.connect() for _ in range(3))
    try:
        ta, tb, tc = a.begin(), b.begin(), c.begin()
        pg_store.upsert("products", [product("PA")], a)
        pg_store.upsert("products", [product("PC")], c)  # rolled back below
        pg_store.upsert("products", [product("PB")], b)
        tb.commit()
        first = pg_store.changes_since(start)
        assert [ch.key for ch in first.rows] == ["PB"] and first.cursor.xip
        tc.rollback()
        ta.commit()
        second = pg_store.changes_since(first.cursor)
        assert [ch.key for ch in second.rows] == ["PA"]
        assert second.rows[0].seq < first.rows[0].seq  # lower seq, committed later: not skipped
        assert len(pg_store.changes_since(second.cursor)) == 0
    finally:
        for conn in (a, b, c):
            conn.close()


@pytest.mark.postgres
def test_a_fresh_cursor_leaves_writes_in_flight_unseen(pg_store: Store) -> None:
    """A cursor taken for a full load while a write is in flight reads that write once it commits,
    and counts taken at that cursor leave its events to the follower (counted once)."""
    with pg_store.engine.connect() as conn:
        tx = conn.begin()
        pg_store.upsert("products", [product("PX")], conn)
        pg_store.upsert("events", [event("E1", pid="PX")], conn)
        pg_store.upsert("events", [event("E0", pid="PY")])  # committed before the cursor
        cursor = pg_store.change_cursor()
        assert cursor.high > 0 and cursor.xip
        tx.commit()
    assert pg_store.event_counts("product_id", "purchase", at=cursor) == {"PY": 1}
    late = pg_store.changes_since(cursor)
    assert {(ch.table, ch.key) for ch in late.rows} == {("products", "PX"), ("events", None)}
    assert pg_store.event_counts("product_id", "purchase", batches=late.batches("events")) == {"PX": 1}
