"""Orders are accepted whole or rejected whole.

The lines of one order are the contiguous rows with the same ``order_id`` (a flat file) or the items
of one JSON order; a line that could not be read belongs to the order whose id it shows, and one that
shows none to the orders on both sides of it (:func:`order_groups`). An order is rejected, every line
of it, when any line is rejected, when its own columns (customer, status, dates, currency, total,
address …) differ between its lines, when two of its lines have the same line number, when it has
more than :data:`MAX_LINES` lines, or when it states a ``total`` that differs from the sum of its
lines (``quantity × unit_price``; the data model has no discounts) by more than
:data:`TOTAL_TOLERANCE`. A stated total is stored as stated; a missing one is the sum of the lines,
rounded to cents.
"""

from __future__ import annotations

import csv
import re
from typing import Any

import numpy as np
import pandas as pd

from shopmind.data.ingest_read import LINE, ORDER, RAW, ROW
from shopmind.data.ingest_specs import ORDER_HEADER
from shopmind.data.ingest_validate import Checker
from shopmind.data.schema import MAX_LINES

# How far a stated total may be from the sum of its lines: one cent, for totals rounded to cents.
TOTAL_TOLERANCE = 0.01
# Order columns that must agree between the lines of one order.
SHARED = tuple(c for c in ORDER_HEADER if c != "order_id")
_JSON_ORDER_ID = re.compile(r'"order_id"\s*:\s*"([^"\\]*)"')


def _guess_order_id(text: Any, position: int | None) -> str | None:
    """The order id of a line that could not be read, when it can still be seen in it."""
    if not isinstance(text, str):
        return None
    found = _JSON_ORDER_ID.search(text)
    if found:
        return found.group(1).strip() or None
    if position is None:
        return None
    delimiter = "\t" if text.count("\t") > text.count(",") else ","
    try:
        fields = next(csv.reader([text], delimiter=delimiter))
    except (csv.Error, StopIteration):  # e.g. a field over the CSV limit: the plain start of the line
        fields = text.split('"', 1)[0].split(delimiter)[: position + 1]
        fields = fields if len(fields) > position and '"' not in "".join(fields) else []
    return (fields[position].strip() or None) if len(fields) > position else None


def _order_keys(raw: pd.DataFrame) -> np.ndarray:
    ids = raw["order_id"].to_numpy(dtype=object) if "order_id" in raw.columns else np.full(len(raw), None)
    key = np.array([str(v).strip() or None if v is not None and v == v else None for v in ids], dtype=object)
    if RAW in raw.columns and pd.isna(key).any():
        columns = [c for c in raw.columns if not c.startswith("__")]
        position = columns.index("order_id") if "order_id" in columns else None
        texts = raw[RAW].to_numpy(dtype=object)
        for i in np.flatnonzero(pd.isna(key)):
            key[i] = _guess_order_id(texts[i], position)
    return key


def order_groups(raw: pd.DataFrame) -> np.ndarray:
    """Each row's order: the record of a nested order, else runs of the same ``order_id`` next to
    each other. A line whose order id
    cannot be told (blank, or a line that could not be read and does not show it) joins the orders
    before and after it, which are then rejected with it: never is an order written without a line."""
    if ORDER in raw.columns:  # nested orders: one record, one order
        key = raw[ORDER].to_numpy()
        return np.cumsum(np.r_[True, key[1:] != key[:-1]]) if len(key) else np.zeros(0, dtype=np.int64)
    key = _order_keys(raw)
    if not len(key):
        return np.zeros(0, dtype=np.int64)
    glue = pd.isna(key)
    new = np.ones(len(key), dtype=bool)
    new[1:] = (key[1:] != key[:-1]) & ~glue[1:] & ~glue[:-1]
    return np.cumsum(new)


def last_order_start(raw: pd.DataFrame) -> int:
    """The position where the batch's last order starts (its lines may go on in the next batch)."""
    groups = order_groups(raw)
    return int(np.searchsorted(groups, groups[-1])) if len(groups) else 0


def _flag_groups(
    chk: Checker, groups: np.ndarray, bad_groups: np.ndarray, field: str, reasons: pd.Series
) -> None:
    """Every row of the ``bad_groups`` (a mask over group numbers) rejected with its group's reason."""
    rows = np.isin(groups, reasons.index[bad_groups])
    chk.flag(rows, field, pd.Series(groups).map(reasons).to_numpy(dtype=object))


def _line_numbers(clean: pd.DataFrame, groups: np.ndarray, chk: Checker) -> None:
    """Missing line numbers are the line's position in its order; a number used twice, or more lines
    than :data:`MAX_LINES`, rejects the order."""
    by = pd.Series(groups).groupby(groups)
    clean["line_no"] = clean["line_no"].fillna(pd.Series(by.cumcount().to_numpy() + 1, index=clean.index))
    lines = pd.DataFrame({"g": groups, "n": clean["line_no"].to_numpy()})
    twice = lines.duplicated(keep=False).groupby(groups).any()
    big = by.size() > MAX_LINES
    reasons = pd.Series(
        np.where(
            big, f"an order has at most {MAX_LINES:,} lines", "two lines of the order have the same line_no"
        ),
        index=twice.index,
    )
    _flag_groups(chk, groups, (twice | big).to_numpy(), "line_no", reasons)


def _consistent(clean: pd.DataFrame, groups: np.ndarray, chk: Checker) -> None:
    by = clean[list(SHARED)].groupby(groups)
    for col in SHARED:
        differs = by[col].nunique(dropna=True) > 1
        if differs.any():
            reasons = pd.Series(f"{col} differs between the lines of the order", index=differs.index)
            _flag_groups(chk, groups, differs.to_numpy(), col, reasons)


def _totals(clean: pd.DataFrame, groups: np.ndarray, chk: Checker) -> None:
    lines = (clean["quantity"].astype(float) * clean["unit_price"].astype(float)).groupby(groups).sum()
    stated = clean["total"].groupby(groups).first()
    off = stated.notna() & ((stated - lines.round(2)).abs() > TOTAL_TOLERANCE + 1e-9)
    if off.any():
        reasons = pd.Series(
            [
                f"total {t:.2f} does not match its lines: the sum of quantity × unit_price is {s:.2f}"
                for t, s in zip(stated, lines, strict=True)
            ],
            index=stated.index,
        )
        _flag_groups(chk, groups, off.to_numpy(), "total", reasons)


def _whole(raw: pd.DataFrame, groups: np.ndarray, chk: Checker) -> None:
    """The good lines of an order with a rejected line are rejected too, naming the line at fault."""
    bad = chk.bad
    where = raw[LINE].to_numpy(dtype=object) if LINE in raw.columns else raw[ROW].to_numpy(dtype=object)
    first = pd.DataFrame({"g": groups[bad], "i": np.flatnonzero(bad)}).groupby("g")["i"].first()
    culprit = pd.Series(groups).map(first).to_numpy()
    follow = ~bad & pd.notna(culprit)
    if not follow.any():
        return
    reasons = np.full(len(raw), None, dtype=object)
    for i in np.flatnonzero(follow):
        j = int(culprit[i])
        at = (
            ""
            if where[j] == where[i]
            else f"line {where[j]}: "
            if LINE in raw.columns
            else f"row {where[j]}: "
        )
        reasons[i] = f"the order is rejected whole ({at}{chk.field[j]}: {chk.reason[j]})"
    chk.flag(follow, "order_id", reasons)


def _repeats(
    clean: pd.DataFrame, raw: pd.DataFrame, groups: np.ndarray, seen: dict[Any, int], chk: Checker
) -> None:
    """An order whose id already had lines before other orders came (here or in an earlier batch) is
    rejected: the lines of one order must be contiguous, so that it is checked and written whole."""
    ids, rows = clean["order_id"].to_numpy(dtype=object), raw[ROW].to_numpy()
    here: dict[Any, int] = {}
    reasons: dict[int, str] = {}
    for g, oid, row in zip(groups, ids, rows, strict=True):
        if oid is None or oid != oid:
            continue
        if (oid in here and here[oid] != g) or (oid not in here and oid in seen):
            reasons.setdefault(
                g, f"order {oid} appeared before at row {seen[oid]}: rows of one order must be contiguous"
            )
        elif oid not in here:
            here[oid], seen[oid] = g, int(row)
    if reasons:
        by_group = pd.Series(reasons)
        _flag_groups(chk, groups, np.ones(len(by_group), dtype=bool), "order_id", by_group)


def check_orders(raw: pd.DataFrame, clean: pd.DataFrame, chk: Checker, seen: dict[Any, int]) -> None:
    """Apply the whole-order rules to a batch of order lines (each order wholly inside the batch);
    ``seen``: the order ids met so far in the file, with their first row."""
    if not len(raw):
        return
    groups = order_groups(raw)
    _repeats(clean, raw, groups, seen, chk)
    _line_numbers(clean, groups, chk)
    clean_groups = ~pd.Series(chk.bad).groupby(groups).transform("any").to_numpy()
    if clean_groups.any():
        ok = clean[clean_groups]
        sub = Checker(len(ok))
        _consistent(ok, groups[clean_groups], sub)
        _totals(ok, groups[clean_groups], sub)
        field = np.full(len(raw), None, dtype=object)
        reason = np.full(len(raw), None, dtype=object)
        field[clean_groups], reason[clean_groups] = sub.field, sub.reason
        chk.flag(pd.notna(reason), field, reason)
    _whole(raw, groups, chk)
