"""Writing validated rows: one transaction per batch, orders as order, item and timeline rows
(the rejects file is :mod:`.ingest_rejects`)."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
from sqlalchemy.engine import Connection

from shopmind.data.ingest_specs import CANONICAL_PATH, ORDER_HEADER
from shopmind.data.store import Store, frame_records


def canonical_timeline(orders: pd.DataFrame) -> pd.DataFrame:
    """The status timeline of imported orders that come without one: the life cycle's path to each
    order's status (:data:`CANONICAL_PATH`), every step stamped at ``placed_at`` with note "imported"."""
    steps = orders["status"].map(CANONICAL_PATH)
    out = pd.DataFrame({"order_id": orders["order_id"], "status": steps, "at": orders["placed_at"]})
    out = out.explode("status", ignore_index=True)
    out.insert(1, "seq", out.groupby("order_id", sort=False).cumcount() + 1)
    out["note"] = "imported"
    return out


def order_tables(df: pd.DataFrame) -> tuple[list[dict], list[dict], list[dict]]:
    """Flat order lines → order rows, item rows and timeline rows."""
    df = df.copy()
    df["_pos"] = df.groupby("order_id", sort=False).cumcount() + 1
    df["line_no"] = df["line_no"].fillna(df["_pos"]).astype(int)
    df["quantity"] = df["quantity"].astype(int)
    heads = df.groupby("order_id", sort=False).first().reset_index()
    sums = (df["quantity"] * df["unit_price"]).groupby(df["order_id"], sort=False).sum()
    heads["total"] = heads["total"].fillna(heads["order_id"].map(sums).round(2))  # a stated total as stated
    orders = frame_records(heads[list(ORDER_HEADER)])
    items = frame_records(df[["order_id", "line_no", "product_id", "quantity", "unit_price"]])
    return orders, items, frame_records(canonical_timeline(heads))


def write(
    store: Store, kind: str, good: pd.DataFrame, then: Callable[[int, Connection], None] | None = None
) -> int:
    """Upsert valid rows in one transaction; returns the rows written (orders: line items).
    ``then(rows, conn)`` runs in the same transaction, after the rows are written."""
    if not len(good):
        return 0
    with store.begin() as conn:
        if kind != "orders":
            written = store.upsert_frame(kind, good, conn)
        else:
            orders, items, timeline = order_tables(good)
            store.upsert("orders", orders, conn)
            ids = [o["order_id"] for o in orders]
            store.replace_children("order_items", "order_id", ids, items, conn)
            store.replace_children("order_status", "order_id", ids, timeline, conn)
            written = len(items)
        if then is not None:
            then(written, conn)
        return written
