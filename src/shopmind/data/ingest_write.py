"""Writing validated rows: one transaction per batch, orders as order, item and timeline rows,
and the rejects CSV (row, field, reason, then the row's original columns)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from shopmind.data.ingest_specs import CANONICAL_PATH, ORDER_HEADER
from shopmind.data.ingest_validate import Checker
from shopmind.data.store import Store, frame_records

# How many rejects a report spells out (the rejects file holds them all).
FIRST_ERRORS = 20


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
    heads["total"] = heads["total"].fillna(heads["order_id"].map(sums)).round(2)
    orders = frame_records(heads[list(ORDER_HEADER)])
    items = frame_records(df[["order_id", "line_no", "product_id", "quantity", "unit_price"]])
    return orders, items, frame_records(canonical_timeline(heads))


def write(store: Store, kind: str, good: pd.DataFrame) -> int:
    """Upsert valid rows in one transaction; returns the rows written (orders: line items)."""
    if not len(good):
        return 0
    with store.begin() as conn:
        if kind != "orders":
            return store.upsert_frame(kind, good, conn)
        orders, items, timeline = order_tables(good)
        store.upsert("orders", orders, conn)
        ids = [o["order_id"] for o in orders]
        store.replace_children("order_items", "order_id", ids, items, conn)
        store.replace_children("order_status", "order_id", ids, timeline, conn)
        return len(items)


class Rejects:
    """The rejected rows: counted, the first ones as readable lines, all of them in a CSV when
    ``path`` is given (row, field, reason, then the row's original columns)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.count = 0
        self.first: list[str] = []
        self._fh: io.TextIOWrapper | None = None
        self._writer: Any = None
        self._cols: list[str] = []

    def add(self, raw: pd.DataFrame, chk: Checker, bad: np.ndarray, source: str) -> None:
        if not bad.any():
            return
        rows = raw["__row__"].to_numpy()[bad]
        fields, reasons = chk.field[bad], chk.reason[bad]
        for r, f, why in zip(rows[: FIRST_ERRORS - len(self.first)], fields, reasons, strict=False):
            self.first.append(f"{source}: row {r}: {f}: {why}")
        self.count += int(bad.sum())
        if self.path is not None:
            self._write(raw, rows, fields, reasons, bad)

    def _write(
        self, raw: pd.DataFrame, rows: np.ndarray, fields: np.ndarray, reasons: np.ndarray, bad: np.ndarray
    ) -> None:
        if self._fh is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = open(self.path, "w", newline="", encoding="utf-8")
            self._cols = [c for c in raw.columns if not c.startswith("__")]
            self._writer = csv.writer(self._fh)
            self._writer.writerow(["row", "field", "reason", *self._cols])
        values = raw.reindex(columns=self._cols).to_numpy(dtype=object)[bad]
        for r, f, why, vals in zip(rows, fields, reasons, values, strict=True):
            self._writer.writerow([r, f, why, *["" if v is None else v for v in vals]])

    @property
    def written_to(self) -> str | None:
        """The rejects CSV, when one was written."""
        return str(self.path) if self._fh is not None else None

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
