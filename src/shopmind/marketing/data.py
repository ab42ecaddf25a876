"""What marketing reads from the store: purchases (orders that count) and purchased lines with categories.

Orders that were cancelled or refunded are not purchases. Everything is returned as pandas frames
keyed by the shop's external ids; ``as_of`` is the moment the analysis looks from (by default the
last purchase in the store, so a historical data set reads as if it were today).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from shopmind.data.store import Store

NOT_PURCHASES = ("cancelled", "refunded", "refund_requested")


@dataclass
class Purchases:
    """The purchase history of a shop."""

    orders: pd.DataFrame  # customer_id, order_id, date (UTC), value
    lines: pd.DataFrame  # customer_id, order_id, date, product_id, quantity, unit_price, category
    customers: pd.DataFrame  # customer_id, signup_at, lang, country
    as_of: pd.Timestamp  # the analysis date

    @property
    def n_customers(self) -> int:
        return int(self.orders["customer_id"].nunique())


def load_purchases(store: Store, as_of: object | None = None) -> Purchases:
    """Purchases from the store (orders not cancelled/refunded, and their lines with product categories)."""
    import pandas as pd

    orders = store.frame("orders", columns=["order_id", "customer_id", "status", "placed_at", "total"])
    orders = orders[~orders["status"].isin(NOT_PURCHASES)]
    orders = orders.rename(columns={"placed_at": "date", "total": "value"})[
        ["customer_id", "order_id", "date", "value"]
    ]
    items = store.frame("order_items", columns=["order_id", "product_id", "quantity", "unit_price"])
    products = store.frame("products", columns=["product_id", "category", "price"])
    lines = items.merge(orders[["order_id", "customer_id", "date"]], on="order_id")
    lines = lines.merge(products.rename(columns={"price": "list_price"}), on="product_id", how="left")
    lines["category"] = lines["category"].fillna("").replace("", "(none)")
    customers = store.frame("customers", columns=["customer_id", "signup_at", "lang", "country"])
    if as_of is not None:
        when = pd.Timestamp(as_of)
    else:
        when = orders["date"].max() if len(orders) else pd.Timestamp.now(tz="UTC")
    if when.tz is None:
        when = when.tz_localize("UTC")
    return Purchases(
        orders[orders["date"] <= when].reset_index(drop=True),
        lines[lines["date"] <= when].reset_index(drop=True),
        customers,
        when,
    )


def purchases_from_frames(
    orders: pd.DataFrame, lines: pd.DataFrame | None = None, customers: pd.DataFrame | None = None
) -> Purchases:
    """Purchases from plain frames (data sets, tests): ``orders`` needs customer_id, order_id, date, value."""
    import pandas as pd

    orders = orders.copy()
    orders["date"] = pd.to_datetime(orders["date"], utc=True)
    if lines is None:
        lines = pd.DataFrame(
            columns=["customer_id", "order_id", "date", "product_id", "quantity", "unit_price", "category"]
        )
    if customers is None:
        first = orders.groupby("customer_id")["date"].min()
        customers = pd.DataFrame({"customer_id": first.index, "signup_at": first.to_numpy()})
    return Purchases(orders, lines, customers, orders["date"].max())


def online_retail_purchases(months: list[str] | None = None) -> Purchases:
    """UCI Online Retail (through the shop converter) as purchases: customer invoices, not cancelled.

    Needs SHOPMIND_DATASETS_DIR."""
    from shopmind.data.datasets import load_online_retail, online_retail_to_shop

    shop = online_retail_to_shop(load_online_retail(months))
    orders = shop["orders"][shop["orders"]["status"] != "cancelled"]
    orders = orders.rename(columns={"placed_at": "date", "total": "value"})[
        ["customer_id", "order_id", "date", "value"]
    ]
    lines = shop["order_items"].merge(orders[["order_id", "customer_id", "date"]], on="order_id")
    lines["category"] = "(none)"
    customers = shop["customers"].rename(columns={})[["customer_id", "signup_at", "lang", "country"]]
    return Purchases(orders.reset_index(drop=True), lines, customers, orders["date"].max())
