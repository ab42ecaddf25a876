"""UCI Online Retail turned into the ShopMind data model (products, customers, orders, order items,
events): :func:`online_retail_to_shop`."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

ENV_VAR = "SHOPMIND_DATASETS_DIR"
# progress(file path inside the set, bytes done, total bytes or None when unknown)
Progress = Callable[[str, int, int | None], None]


# ---------------------------------------------------------------------------- online retail -> ShopMind model
_NOT_ID = re.compile(r"[^A-Za-z0-9_.:@/-]+")


def _as_id(values: pd.Series) -> pd.Series:
    """External ids: characters outside the id alphabet become "_" (e.g. "BANK CHARGES" -> "BANK_CHARGES")."""
    return values.astype("str").str.strip().str.replace(_NOT_ID, "_", regex=True)


def _mode(df: pd.DataFrame, key: str, col: str) -> pd.Series:
    """The most common ``col`` per ``key`` (ties: the smallest value)."""
    counts = df.groupby([key, col], observed=True).size().reset_index(name="_n")
    counts = counts.sort_values([key, "_n", col], ascending=[True, False, True], kind="stable")
    return counts.drop_duplicates(key).set_index(key)[col]


def _utc(values: pd.Series) -> pd.Series:
    return values.dt.tz_localize("UTC") if values.dt.tz is None else values.dt.tz_convert("UTC")


def _retail_products(df: pd.DataFrame, stock: int) -> pd.DataFrame:
    import pandas as pd

    first_sale = df.groupby("product_id")["InvoiceDate"].min()
    titles = _mode(df.dropna(subset=["Description"]), "product_id", "Description").str.strip()
    prices = _mode(df[df["UnitPrice"] > 0], "product_id", "UnitPrice")
    codes = df.drop_duplicates("product_id").set_index("product_id")["StockCode"]
    ids = first_sale.index
    title = titles.reindex(ids)
    title = title.where(title.notna() & (title.str.len() > 0), pd.Series(ids, index=ids))
    n = len(ids)
    return pd.DataFrame(
        {
            "product_id": pd.array(ids, dtype="str"),
            "title": pd.array(title.to_numpy(), dtype="str"),
            "description": [""] * n,
            "category": [""] * n,
            "brand": [""] * n,
            "price": prices.reindex(ids).fillna(0.0).to_numpy(dtype="float64"),
            "currency": ["GBP"] * n,
            "attributes": [{"stock_code": str(c), "source": "online-retail-uci"} for c in codes.reindex(ids)],
            "stock": [int(stock)] * n,
            "image_url": [""] * n,
            "lang": ["en"] * n,
            "created_at": first_sale.array,
        }
    )


def online_retail_to_shop(frame: pd.DataFrame, *, stock: int = 100) -> dict[str, pd.DataFrame]:
    """UCI Online Retail lines (from :func:`load_online_retail`) → ShopMind frames.

    Returns ``products``, ``customers``, ``orders``, ``order_items`` and ``events`` with the
    data model's columns. Choices, all deterministic:

    - Timestamps have no zone in the source; they are read as UTC.
    - ``products`` come from every line (guest sales too): id = StockCode with characters outside
      the id alphabet replaced by "_", title = most common Description (the id when none), price =
      most common positive UnitPrice (0.0 when none), created_at = first sale. The source has no
      stock levels, so every product gets ``stock`` units (0 would make the catalog look sold out).
    - Lines without a CustomerID (135,080 of 541,909; guest checkouts and manual adjustments such
      as "A…" bad-debt invoices) are **dropped** from customers, orders, order items and events:
      an order needs a customer. The counts are logged.
    - ``orders``: one per invoice; "C…" invoices are ``cancelled`` (their negative quantities
      become positive item quantities), all others ``delivered``; placed_at = earliest line;
      total = Σ quantity × unit_price of its items (rounded to cents); shipping_address = country.
    - ``events``: one ``purchase`` per line of a non-cancelled invoice, event_id "or-<invoice>-<line>",
      session_id = invoice, value = quantity.
    """
    import numpy as np
    import pandas as pd

    df = frame.copy()
    df["product_id"] = _as_id(df["StockCode"])
    df["InvoiceDate"] = _utc(pd.to_datetime(df["InvoiceDate"]))
    products = _retail_products(df, stock)

    known = df[df["CustomerID"].notna()].copy()
    log.info(
        "online retail: %d of %d lines have no CustomerID; left out of customers, orders and events",
        len(df) - len(known),
        len(df),
    )
    known["customer_id"] = known["CustomerID"].astype("int64").astype("str")
    known["order_id"] = _as_id(known["InvoiceNo"])
    known["Country"] = known["Country"].astype("str")
    known["quantity"] = known["Quantity"].abs().astype("int64")
    known["line_no"] = known.groupby("order_id", sort=False).cumcount().astype("int64") + 1

    signup = known.groupby("customer_id")["InvoiceDate"].min()
    customers = pd.DataFrame(
        {
            "customer_id": signup.index.astype("str"),
            "name": "",
            "email": "",
            "country": _mode(known, "customer_id", "Country").reindex(signup.index).to_numpy(),
            "city": "",
            "lang": "en",
            "signup_at": signup.array,
        }
    )

    order_items = known[["order_id", "line_no", "product_id", "quantity"]].copy()
    order_items["unit_price"] = known["UnitPrice"].astype("float64")
    order_items = order_items.reset_index(drop=True)

    amount = known["quantity"] * known["UnitPrice"]
    grouped = known.assign(_amount=amount).groupby("order_id", sort=False)
    heads = grouped.agg(
        customer_id=("customer_id", "first"),
        placed_at=("InvoiceDate", "min"),
        total=("_amount", "sum"),
        shipping_address=("Country", "first"),
    )
    cancelled = heads.index.str.startswith("C")
    orders = pd.DataFrame(
        {
            "order_id": heads.index.astype("str"),
            "customer_id": heads["customer_id"].to_numpy(),
            "status": np.where(cancelled, "cancelled", "delivered"),
            "placed_at": heads["placed_at"].array,
            "currency": "GBP",
            "total": heads["total"].round(2).to_numpy(dtype="float64"),
            "shipping_address": heads["shipping_address"].to_numpy(),
            "tracking_number": "",
            "carrier": "",
        }
    )

    bought = known[~known["order_id"].str.startswith("C")]
    events = pd.DataFrame(
        {
            "event_id": "or-" + bought["order_id"] + "-" + bought["line_no"].astype("str"),
            "customer_id": bought["customer_id"],
            "session_id": bought["order_id"],
            "type": "purchase",
            "product_id": bought["product_id"],
            "query": None,
            "value": bought["quantity"].astype("float64"),
            "ts": bought["InvoiceDate"],
        }
    ).reset_index(drop=True)
    log.info(
        "online retail -> %d products, %d customers, %d orders (%d cancelled), %d items, %d events",
        len(products),
        len(customers),
        len(orders),
        int(cancelled.sum()),
        len(order_items),
        len(events),
    )
    return {
        "products": products,
        "customers": customers,
        "orders": orders,
        "order_items": order_items,
        "events": events,
    }
