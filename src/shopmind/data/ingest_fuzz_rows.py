"""The rows of generated ingestion files (:mod:`.ingest_fuzz`): valid records of each kind, and the
ways to break one, each record knowing whether it must be stored."""

from __future__ import annotations

import csv
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from shopmind.data.ingest_specs import SPECS

COLUMNS = {
    "products": (
        "product_id",
        "title",
        "price",
        "stock",
        "category",
        "description",
        "lang",
        "created_at",
        "attributes",
        "colour",
    ),  # fmt: skip
    "customers": ("customer_id", "name", "email", "lang", "signup_at"),
    "events": ("event_id", "customer_id", "session_id", "type", "product_id", "query", "value", "ts"),
    "orders": (
        "order_id",
        "customer_id",
        "status",
        "placed_at",
        "currency",
        "total",
        "shipping_address",
        "product_id",
        "quantity",
        "unit_price",
    ),  # fmt: skip
}
TEXT = {"products": "title", "customers": "name", "events": "session_id", "orders": "shipping_address"}
DATE = {"products": "created_at", "customers": "signup_at", "events": "ts", "orders": "placed_at"}
ENUM = {"products": ("lang", "fr"), "customers": ("lang", "xx"), "events": ("type", "teleport"),
        "orders": ("status", "lost")}  # fmt: skip
NUMBER = {"products": "price", "events": "value", "orders": "quantity"}
ID = {"products": "product_id", "customers": "customer_id", "events": "event_id", "orders": "order_id"}
WORDS = ("lamp", "mug", "dress", "Café", "bag", "cup", "scarf")
CJK = ("红色连衣裙", "茶杯", "耳机", "围巾")
ODD_TITLES = ('=HYPERLINK("http://x","y")', "+33 1 23", "@home", "-20% off", "=1+1")
T0 = datetime(2025, 1, 1, tzinfo=UTC)


@dataclass
class Rec:
    """One record as generated: its typed values and whether it must be stored."""

    values: dict[str, Any]
    valid: bool = True
    break_line: str = ""  # a way the written line itself is broken (CSV / JSON Lines)
    bad_bytes: bool = False  # bytes that are not valid in the encoding replace a marker in the line


@dataclass
class Case:
    """One generated file and the truth about it."""

    path: Path
    kind: str
    fmt: str
    encoding: str | None  # what ingestion is told (None: it detects)
    expected: dict[str, dict[str, Any]] = field(default_factory=dict)  # stored id -> values to compare
    bad: set[int] = field(default_factory=set)  # lines (rows for Parquet) the rejects file must name
    rows_valid: int = 0  # rows the store must receive (orders: line items)


class Gen:
    """The state of one file's generation: its randomness, format, and the ids given out so far."""

    def __init__(self, rng: random.Random, case: Case, codec: str, cjk: bool) -> None:
        self.rng, self.case, self.codec, self.cjk = rng, case, codec, cjk
        self.kind, self.fmt, self.prefix = case.kind, case.fmt, case.path.stem.split("-")[0].upper()
        self.n = 0
        self.valid_ids: list[str] = []
        self.last_group_id: str | None = None
        self.date_style = rng.choice(("iso", "epoch", "ms", "stamp" if self.fmt == "parquet" else "iso"))
        self.blob = self.kind == "products" and self.fmt == "parquet" and rng.random() < 0.3
        self.nested = False  # orders in JSON Lines: one line per order, with its items

    def new_id(self, letter: str) -> str:
        self.n += 1
        return f"{self.prefix}-{letter}{self.n}"

    def text(self) -> str:
        r = self.rng.random()
        if r < 0.15:
            return self.rng.choice(ODD_TITLES)
        pool = WORDS + CJK if self.cjk else WORDS
        words = [self.rng.choice(pool) for _ in range(self.rng.randint(1, 3))]
        return " ".join(words) if self.rng.random() < 0.8 else ", ".join(words)

    def when(self) -> tuple[datetime, Any]:
        """A time and how the file writes it."""
        t = T0 + timedelta(seconds=self.rng.randint(0, 365 * 86400))
        style = self.date_style if self.fmt == "parquet" else self.rng.choice(("iso", "epoch", "ms", "iso"))
        epoch = int(t.timestamp())
        written = {"iso": t.strftime("%Y-%m-%dT%H:%M:%SZ"), "epoch": epoch, "ms": epoch * 1000, "stamp": t}
        value = written[style]
        if self.fmt == "csv" or (self.fmt == "jsonl" and self.rng.random() < 0.2):
            value = str(value) if style != "stamp" else value
        return t, value


# ---------------------------------------------------------------------------- valid records
def _product(g: Gen) -> tuple[Rec, dict[str, Any]]:
    pid, title, price = g.new_id("P"), g.text(), round(g.rng.uniform(0, 500), 2)
    _, created = g.when()
    v: dict[str, Any] = {"product_id": pid, "title": title, "price": price, "stock": g.rng.randint(0, 50),
                         "category": "Home > Kitchen", "lang": g.rng.choice(("en", "zh", "EN")),
                         "created_at": created}  # fmt: skip
    if g.rng.random() < 0.3:
        v["description"] = f"{g.text()}\n{g.text()}"  # a quoted line break in CSV
    if g.rng.random() < 0.3:
        v["attributes"] = {"size": g.rng.choice(("S", "M", "L"))}
    if g.rng.random() < 0.3:
        v["colour"] = g.rng.choice(("red", "blue"))
    if g.blob and g.rng.random() < 0.2:  # a binary column: no attribute can hold it
        return Rec({**v, "blob": b"\x00\xff"}, valid=False), {}
    return Rec(v), {"title": title.strip(), "price": price}


def _customer(g: Gen) -> tuple[Rec, dict[str, Any]]:
    cid, name = g.new_id("C"), g.text()
    _, signup = g.when()
    v = {
        "customer_id": cid,
        "name": name,
        "email": f"{cid.lower()}@example.com",
        "lang": "en",
        "signup_at": signup,
    }
    return Rec(v), {"name": name.strip()}


def _event(g: Gen) -> tuple[Rec, dict[str, Any]]:
    eid, t = g.new_id("E"), None
    t, ts = g.when()
    kind = g.rng.choice(("view", "click", "purchase", "search"))
    v: dict[str, Any] = {"event_id": eid, "customer_id": g.new_id("C"), "type": kind, "ts": ts}
    if kind == "search":
        v["query"] = g.text()
    else:
        v["product_id"] = g.new_id("P")
    return Rec(v), {"type": kind, "ts": pd.Timestamp(t)}


def _order(g: Gen) -> tuple[list[Rec], dict[str, Any]]:
    oid, cid = g.new_id("O"), g.new_id("C")
    _, placed = g.when()
    lines = []
    total = 0.0
    for _ in range(g.rng.randint(1, 3)):
        q, price = g.rng.randint(1, 5), round(g.rng.uniform(0.5, 100), 2)
        total += q * price
        lines.append({"product_id": g.new_id("P"), "quantity": q, "unit_price": price})
    stated = round(total, 2) if g.rng.random() < 0.6 else None
    status = g.rng.choice(("placed", "paid", "delivered"))
    head = {"order_id": oid, "customer_id": cid, "status": status, "placed_at": placed, "currency": "CNY",
            "total": stated, "shipping_address": g.text()}  # fmt: skip
    return [Rec({**head, **line}) for line in lines], {"total": round(total, 2), "items": len(lines)}


# ---------------------------------------------------------------------------- breaking records
def _longest(kind: str, name: str) -> int:
    return next(int(s.max_length or 0) for s in SPECS[kind] if s.name == name)


def _bad_date(g: Gen, v: dict[str, Any]) -> None:
    if g.fmt == "parquet":  # typed columns: out of range
        typed = {"stamp": datetime(2300, 1, 1, tzinfo=UTC), "epoch": 10**18, "ms": 10**18}
        v[DATE[g.kind]] = typed.get(g.date_style, "yesterday")
    else:
        v[DATE[g.kind]] = g.rng.choice(("yesterday", "2025-13-45", "2300-01-01T00:00:00Z"))


def _out_of_range(g: Gen, v: dict[str, Any]) -> None:
    if g.kind == "events":
        v.update(type="rating", value=7, product_id=v.get("product_id") or "P1")
    else:
        v[NUMBER[g.kind]] = {"products": -1.5, "orders": 0}[g.kind]


def _missing(g: Gen, v: dict[str, Any]) -> None:
    v[{"products": "title", "customers": "customer_id", "events": "ts", "orders": "unit_price"}[g.kind]] = (
        None
    )


def _bad_bytes(g: Gen, v: dict[str, Any]) -> None:
    v[TEXT[g.kind]] = f"{v.get(TEXT[g.kind]) or 'x'} QQBADQQ"  # the marker becomes invalid bytes


def _over_limit(g: Gen, v: dict[str, Any]) -> None:
    v[TEXT[g.kind]] = "z" * (csv.field_size_limit() + 1)
    v.pop("description", None)  # one physical line: the lines after an unreadable one are read again


# How a record's values are broken, by name (the ways that break the written line are LINE_BREAKS).
VALUE_BREAKS: dict[str, Callable[[Gen, dict[str, Any]], None]] = {
    "bad_id": lambda g, v: v.update({ID[g.kind]: "bad id!"}),
    "too_long": lambda g, v: v.update({TEXT[g.kind]: "y" * (_longest(g.kind, TEXT[g.kind]) + 1)}),
    "nul": lambda g, v: v.update({TEXT[g.kind]: f"{v.get(TEXT[g.kind]) or 'x'}\x00here"}),
    "control": lambda g, v: v.update({TEXT[g.kind]: f"{v.get(TEXT[g.kind]) or 'x'}\x07here"}),
    "bad_date": _bad_date,
    "bad_enum": lambda g, v: v.update({ENUM[g.kind][0]: ENUM[g.kind][1]}),
    "missing": _missing,
    "bad_number": lambda g, v: v.update({NUMBER[g.kind]: "ten"}),
    "negative": _out_of_range,
    "duplicate": lambda g, v: v.update({ID[g.kind]: g.rng.choice(g.valid_ids)}),
    "bool_number": lambda g, v: v.update({NUMBER[g.kind]: True}),
    "list_text": lambda g, v: v.update({TEXT[g.kind]: ["a", "list"]}),
    "object_text": lambda g, v: v.update({TEXT[g.kind]: {"not": "text"}}),
    "over_limit": _over_limit,
    "attributes_list": lambda g, v: v.update(attributes=["not", "an", "object"]),
    "huge_description": lambda g, v: v.update(description="h" * (_longest("products", "description") + 1)),
    "bad_bytes": _bad_bytes,
}
LINE_BREAKS = ("extra_field", "missing_field", "stray_quote", "text_after_quote", "not_object", "broken_json")


def _ways(g: Gen) -> list[str]:
    """The ways a record of this file's kind and format can be broken."""
    kind, fmt = g.kind, g.fmt
    ways = ["too_long", "nul", "control", "bad_date", "bad_enum", "missing"]
    ways += ["bad_id"] if kind != "orders" else []  # an order's id is broken on all its lines instead
    ways += ["negative"] + (["bad_number"] if fmt != "parquet" else []) if kind in NUMBER else []
    ways += ["duplicate"] if g.valid_ids and kind != "orders" else []
    if fmt == "csv":
        ways += ["extra_field", "missing_field", "stray_quote", "text_after_quote", "over_limit"]
    if fmt == "jsonl":
        ways += ["broken_json", "list_text", "object_text"] + (["bool_number"] if kind in NUMBER else [])
        ways += ["not_object"] if kind != "orders" else []  # an order line without an id: see ingest_orders
    if fmt != "parquet" and g.codec == "utf-8":
        ways += ["bad_bytes"]
    if kind == "products" and fmt != "parquet":
        ways += ["attributes_list", "huge_description"]
    return ways


def break_record(g: Gen, rec: Rec) -> None:
    """Make ``rec`` invalid in one of the ways its kind and format allow."""
    way = g.rng.choice(_ways(g))
    rec.valid = False
    if way in LINE_BREAKS:
        rec.break_line = way
    else:
        VALUE_BREAKS[way](g, rec.values)
        rec.bad_bytes = way == "bad_bytes"
    if g.kind == "products" and g.rng.random() < 0.3:  # a formula for the rejects file to neutralise
        rec.values["category"] = g.rng.choice(("=cmd|' /C calc'!A0", "@SUM(1)", "+1+1", "\tTab"))


# ---------------------------------------------------------------------------- one file's rows
def records(g: Gen, n: int) -> list[list[Rec]]:
    """Groups of records (one per row; an order's lines together), some broken; the truth filed."""
    groups: list[list[Rec]] = []
    make = {"products": _product, "customers": _customer, "events": _event}
    for _ in range(n):
        if g.kind == "orders":
            recs, truth = _order(g)
            if g.rng.random() < 0.35:
                break_order(g, recs)
            if all(r.valid for r in recs):
                g.case.expected[recs[0].values["order_id"]] = truth
                g.valid_ids.append(recs[0].values["order_id"])
            g.last_group_id = recs[0].values["order_id"]
        else:
            rec, truth = make[g.kind](g)
            if g.rng.random() < 0.35:
                break_record(g, rec)
            if rec.valid:
                g.case.expected[rec.values[ID[g.kind]]] = truth
                g.valid_ids.append(rec.values[ID[g.kind]])
            recs = [rec]
        groups.append(recs)
    return groups


def break_order(g: Gen, recs: list[Rec]) -> None:
    way = g.rng.choice(("line", "line", "total", "customer", "repeat", "bad_id"))
    earlier = [i for i in g.valid_ids if i != g.last_group_id]  # a repeat next to its first run joins it
    if way == "total" and recs[0].values["total"] is not None:
        for r in recs:
            r.values["total"] = round(r.values["total"] + 5, 2)
    elif way == "customer" and len(recs) > 1 and not g.nested:
        recs[-1].values["customer_id"] = g.new_id("C")
    elif way in ("repeat", "bad_id") and (earlier or way == "bad_id"):
        for r in recs:
            r.values["order_id"] = g.rng.choice(earlier) if way == "repeat" else "bad id!"
    else:  # a nested order is written from its first line's order columns: break that one
        break_record(g, recs[0] if g.nested else g.rng.choice(recs))
    for r in recs:
        r.valid = False
