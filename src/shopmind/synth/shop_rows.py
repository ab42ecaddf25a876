"""Turning the generated rows of :class:`~shopmind.synth.shop.ShopSynthesizer` into the store's tables,
with the rules that hold by construction (keys, life cycle, times in order, totals, event shapes)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from shopmind.synth.relational import synthetic_keys

if TYPE_CHECKING:
    import pandas as pd

    from shopmind.synth.shop import ShopSynthesizer

ORDER_COLUMNS = ["order_id", "customer_id", "status", "placed_at", "currency", "total", "shipping_address",
                 "tracking_number", "carrier"]  # fmt: skip
ITEM_COLUMNS = ["order_id", "line_no", "product_id", "quantity", "unit_price"]
STATUS_COLUMNS = ["order_id", "seq", "status", "at", "note"]
EVENT_COLUMNS = ["event_id", "customer_id", "session_id", "type", "product_id", "query", "value", "ts"]


def _stamps(seconds: np.ndarray) -> pd.Series:
    import pandas as pd

    return pd.Series(pd.to_datetime(np.round(seconds).astype("int64"), unit="s", utc=True))


def _seconds(s: pd.Series) -> np.ndarray:
    from shopmind.synth.transform import to_numeric

    return to_numeric(s, "datetime")


def draw_products(
    categories: np.ndarray, popularity: dict[str, tuple[list[str], list[float]]], rng: np.random.Generator
) -> np.ndarray:
    """A product per row, in the row's category, by its popularity (any category for an unknown one)."""
    out = np.empty(len(categories), dtype=object)
    everything = sorted(popularity)
    cats = np.array([c if isinstance(c, str) and c in popularity else "" for c in categories], dtype=object)
    for cat in np.unique(cats):
        sel = np.flatnonzero(cats == cat)
        if cat == "":
            picks = rng.choice(len(everything), len(sel))
            out[sel] = [draw_products(np.array([everything[p]]), popularity, rng)[0] for p in picks]
            continue
        ids, w = popularity[cat]
        out[sel] = np.asarray(ids, dtype=object)[rng.choice(len(ids), len(sel), p=np.asarray(w))]
    return out


def _note(shop: ShopSynthesizer, status: str, lang: str, rng: np.random.Generator) -> str:
    by_lang = shop.notes_.get(status, {})
    notes = by_lang.get(lang) or next(iter(by_lang.values()), {})
    if not notes:
        return ""
    keys = list(notes)
    w = np.asarray(list(notes.values()), dtype=float)
    return keys[int(rng.choice(len(keys), p=w / w.sum()))]


def build_orders(shop: ShopSynthesizer, cust, owner, rows, rng, start, seed):
    """(orders, order_items, order_status) of the generated order rows of customers ``cust``."""
    import pandas as pd

    if rows is None or not len(rows):
        return tuple(pd.DataFrame(columns=cols) for cols in (ORDER_COLUMNS, ITEM_COLUMNS, STATUS_COLUMNS))
    generated = pd.to_numeric(rows["placed_at"], errors="coerce").to_numpy(dtype=float, na_value=0.0)
    signup = _seconds(cust[shop.signup_].iloc[owner])
    placed = signup + shop.offset_seconds(generated, signup)
    keep = placed <= shop.horizon_  # an order after the shop's last day is not placed yet
    rows, owner, placed = rows[keep].reset_index(drop=True), owner[keep], placed[keep]
    n = len(rows)
    ids = np.asarray(synthetic_keys("orders", n, start["orders"]), dtype=object)
    start["orders"] += n
    paths = rows["__path"].astype(str).str.split(">")
    langs = cust["lang"].iloc[owner].astype(str).to_numpy() if "lang" in cust else np.full(n, "")
    gaps = [
        pd.to_numeric(rows[f"__step{k}"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        if f"__step{k}" in rows
        else np.full(n, np.nan)
        for k in range(1, shop.max_steps_ + 1)
    ]
    timeline = []
    for i, path in enumerate(paths):
        at = placed[i]
        for k, status in enumerate(path):
            if k:
                gap = gaps[k - 1][i] if k <= len(gaps) else np.nan
                at += max(0.0, gap) if np.isfinite(gap) else 60.0
                if at > shop.horizon_:  # later steps have not happened yet: the order is where it stopped
                    path[:] = path[:k]
                    break
            timeline.append((ids[i], k + 1, status, at, _note(shop, status, langs[i], rng)))
    status = pd.DataFrame(timeline, columns=STATUS_COLUMNS)
    status["at"] = _stamps(status["at"].to_numpy())
    items = _items(shop, ids, rows, rng, seed)
    totals = (items["quantity"] * items["unit_price"]).groupby(items["order_id"]).sum()
    orders = pd.DataFrame({"order_id": ids, "customer_id": cust["customer_id"].iloc[owner].to_numpy()})
    orders["status"] = [p[-1] for p in paths]
    orders["placed_at"] = _stamps(placed)
    for col in rows.columns:
        if col not in orders and not col.startswith("__") and col != "total":
            orders[col] = rows[col].to_numpy()
    orders["total"] = totals.reindex(ids).fillna(0.0).round(2).to_numpy()
    return (
        orders[[c for c in ORDER_COLUMNS if c in orders] + [c for c in orders if c not in ORDER_COLUMNS]],
        items,
        status,
    )


def _items(shop: ShopSynthesizer, ids: np.ndarray, rows, rng, seed) -> pd.DataFrame:
    import pandas as pd

    k = pd.to_numeric(rows["__items"], errors="coerce").to_numpy(dtype=float, na_value=1.0)
    k = np.maximum(1, np.round(k)).astype(np.int64)
    # a line is (category, quantity): so few distinct values that nearly every plausible line equals a
    # real one, and nothing in it is personal, so copies are kept (refusing them left ~2 % of lines)
    lines = shop.models_["order_items"].sample(int(k.sum()), seed + 2, allow_copies=True)
    products = draw_products(lines["__category"].to_numpy(dtype=object), shop.item_products_, rng)
    price = shop.catalog_.set_index("product_id")["price"]
    return pd.DataFrame(
        {
            "order_id": np.repeat(ids, k),
            "line_no": np.concatenate([np.arange(1, j + 1) for j in k]),
            "product_id": products,
            "quantity": np.maximum(
                1, np.round(pd.to_numeric(lines["quantity"]).to_numpy(dtype=float, na_value=1.0))
            ).astype("int64"),
            "unit_price": price.reindex(products).to_numpy(dtype=float),
        }
    )


def build_events(shop: ShopSynthesizer, cust, owner, rows, rng, start) -> pd.DataFrame:
    """Events of customers ``cust`` in time order, cut into sessions, in the shape the store accepts."""
    import pandas as pd

    if rows is None or not len(rows):
        return pd.DataFrame(columns=EVENT_COLUMNS)
    generated = pd.to_numeric(rows["ts"], errors="coerce").to_numpy(dtype=float, na_value=0.0)
    signup = _seconds(cust[shop.signup_].iloc[owner])
    ts = signup + shop.offset_seconds(generated, signup)
    keep = ts <= shop.horizon_
    rows, owner, ts = rows[keep].reset_index(drop=True), owner[keep], ts[keep]
    if not len(rows):
        return pd.DataFrame(columns=EVENT_COLUMNS)
    kind = rows["type"].astype(str).to_numpy()
    search = kind == "search"
    order = np.lexsort((ts, owner))
    owner, ts, kind, search = owner[order], ts[order], kind[order], search[order]
    rows = rows.iloc[order].reset_index(drop=True)
    product = draw_products(rows["__category"].to_numpy(dtype=object), shop.event_products_, rng)
    product[search] = None
    query = rows["query"].to_numpy(dtype=object).copy()
    query[~search] = None
    missing = search & np.array([not isinstance(q, str) or not q for q in query])
    if missing.any() and len(shop.queries_):
        w = shop.queries_.to_numpy(dtype=float)
        query[missing] = shop.queries_.index.to_numpy()[rng.choice(len(w), int(missing.sum()), p=w / w.sum())]
    value = pd.to_numeric(rows["value"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    rating = np.clip(np.round(np.nan_to_num(value, nan=4.0)), 1, 5)
    quantity = np.maximum(1, np.round(np.nan_to_num(value, nan=1.0)))
    value = np.where(
        kind == "rating", rating, np.where(np.isin(kind, ["add_to_cart", "purchase"]), quantity, np.nan)
    )
    new = np.r_[True, (owner[1:] != owner[:-1]) | (np.diff(ts) > 1800)]
    session = np.cumsum(new) - 1
    sessions = np.asarray(synthetic_keys("sessions", int(new.sum()), start["sessions"]), dtype=object)
    start["sessions"] += int(new.sum())
    out = pd.DataFrame(
        {
            "event_id": synthetic_keys("events", len(rows), start["events"]),
            "customer_id": cust["customer_id"].to_numpy()[owner],
            "session_id": sessions[session],
            "type": kind,
            "product_id": product,
            "query": query,
            "value": value,
            "ts": _stamps(ts),
        }
    )
    start["events"] += len(rows)
    return out
