"""Demo shop, part 3: orders from purchases, with a status life cycle that follows the shop's policies.

One buying session becomes one order. Each order walks ``placed → paid → shipped → delivered``
with realistic delays: unpaid orders are cancelled after 24 hours, some paid orders are cancelled
before shipping, some delivered orders get a return within 30 days (``refund_requested``), which
ends ``refunded`` or, when declined, back to ``delivered``. The status at the end of the history
is the last step already reached, so old orders are mostly delivered and the last days' orders
are placed, paid or shipped. Every status appears at least once, even in a tiny shop.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from shopmind.data.simulate_text import CARRIERS, STATUS_NOTES

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from shopmind.data.simulate import DemoConfig
    from shopmind.data.simulate_catalog import Catalog, People
    from shopmind.data.simulate_events import Browse

DAY, HOUR = 86_400, 3600
STATUSES = ("placed", "paid", "shipped", "delivered", "cancelled", "refund_requested", "refunded")
PLACED, PAID, SHIPPED, DELIVERED, CANCELLED, REQUESTED, REFUNDED = range(7)
# The path that ends in each status, used when a status has to be placed on an order by hand.
FORCED_PATHS: dict[int, tuple[int, ...]] = {
    PLACED: (PLACED,),
    PAID: (PLACED, PAID),
    SHIPPED: (PLACED, PAID, SHIPPED),
    DELIVERED: (PLACED, PAID, SHIPPED, DELIVERED),
    CANCELLED: (PLACED, PAID, CANCELLED),
    REQUESTED: (PLACED, PAID, SHIPPED, DELIVERED, REQUESTED),
    REFUNDED: (PLACED, PAID, SHIPPED, DELIVERED, REQUESTED, REFUNDED),
}


@dataclass
class OrderBook:
    """The order frames plus per-order arrays the ratings are drawn from (row i = order i)."""

    orders: pd.DataFrame  # the orders table
    items: pd.DataFrame  # the order_items table
    timeline: pd.DataFrame  # the order_status table
    lines: pd.DataFrame  # order lines with indices: order, session, product, quantity, z
    customer_ids: np.ndarray  # customer id per order
    delivered_at: np.ndarray  # first delivery time (unix seconds), NaN if not delivered by the end
    refund_requested: np.ndarray  # whether a return was requested


def make_orders(
    cfg: DemoConfig, rng: np.random.Generator, start: int, browse: Browse, cat: Catalog, people: People
) -> OrderBook:
    """Group each session's purchases into one order and walk it through its life cycle."""
    import numpy as np

    now = start + cfg.days * DAY
    lines, placed, order_customer = _lines(browse.purchases)
    lines["unit_price"] = cat.price[lines["product"].to_numpy()]
    amount = lines["quantity"].to_numpy() * lines["unit_price"].to_numpy()
    total = np.round(np.bincount(lines["order"].to_numpy(), weights=amount, minlength=len(placed)), 2)
    steps, times = _life_cycle(rng, placed, people.china[order_customer])
    _ensure_every_status(steps, times, placed, now)
    reached = times <= now
    current = steps[np.arange(len(placed)), reached.sum(1) - 1]
    shipped = ((steps == SHIPPED) & reached).any(1)
    carrier, tracking = _tracking(rng, shipped, people.china[order_customer])
    cust_ids = people.frame["customer_id"].to_numpy(dtype=object)[order_customer]
    order_ids = np.array([f"O{i:06d}" for i in range(1, len(placed) + 1)], dtype=object)
    orders = _orders_frame(
        order_ids, cust_ids, current, placed, total, people, order_customer, tracking, carrier
    )
    items = _items_frame(order_ids, lines, cat)
    timeline = _timeline_frame(order_ids, steps, times, reached, people.zh[order_customer])
    first_delivery = np.where((steps[:, 3] == DELIVERED) & reached[:, 3], times[:, 3], np.nan)
    return OrderBook(
        orders=orders,
        items=items,
        timeline=timeline,
        lines=lines,
        customer_ids=cust_ids,
        delivered_at=first_delivery,
        refund_requested=((steps == REQUESTED) & reached).any(1),
    )


def _lines(purchases: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Order lines (one per product per session), order placement times and customers, by time."""
    import numpy as np

    g = (
        purchases.groupby(["session", "product"], sort=True)
        .agg(quantity=("quantity", "sum"), ts=("ts", "min"), z=("z", "mean"), customer=("customer", "first"))
        .reset_index()
    )
    by_session = purchases.groupby("session", sort=True).agg(
        placed=("ts", "max"), customer=("customer", "first")
    )
    by_session = by_session.sort_values("placed", kind="stable")
    order_of = np.full(int(purchases["session"].max()) + 1 if len(purchases) else 0, -1)
    order_of[by_session.index.to_numpy()] = np.arange(len(by_session))
    g["order"] = order_of[g["session"].to_numpy()]
    g = g.sort_values(["order", "ts", "product"], kind="stable").reset_index(drop=True)
    g["line_no"] = g.groupby("order").cumcount() + 1
    return g, by_session["placed"].to_numpy().astype(np.int64), by_session["customer"].to_numpy()


def _life_cycle(
    rng: np.random.Generator, placed: np.ndarray, china: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(orders, 6) status codes and times of each order's full path (-1 / inf past its end)."""
    import numpy as np

    n = len(placed)
    u = rng.random((n, 6))
    pay = np.where(u[:, 0] < 0.85, 30 + rng.exponential(180, n), 600 + rng.exponential(4 * HOUR, n))
    pay = np.minimum(pay, 23 * HOUR)
    ship = np.minimum(2 * HOUR + rng.exponential(20 * HOUR, n), 47 * HOUR)
    deliver = np.where(
        china,
        np.minimum(DAY + rng.exponential(1.5 * DAY, n), 5 * DAY),
        np.minimum(4 * DAY + rng.exponential(3 * DAY, n), 12 * DAY),
    )
    unpaid, cancel_paid, refund, refunded = u[:, 1] < 0.03, u[:, 2] < 0.03, u[:, 3] < 0.06, u[:, 4] < 0.85
    steps, times = np.full((n, 6), -1), np.full((n, 6), np.inf)
    steps[:, 0], times[:, 0] = PLACED, placed
    steps[:, 1] = np.where(unpaid, CANCELLED, PAID)
    times[:, 1] = placed + np.where(unpaid, 24 * HOUR, pay)
    live = ~unpaid
    steps[:, 2] = np.where(live, np.where(cancel_paid, CANCELLED, SHIPPED), -1)
    times[:, 2] = np.where(
        live, times[:, 1] + np.where(cancel_paid, (0.1 + 0.8 * u[:, 5]) * ship, ship), np.inf
    )
    shipped = live & ~cancel_paid
    steps[:, 3] = np.where(shipped, DELIVERED, -1)
    times[:, 3] = np.where(shipped, times[:, 2] + deliver, np.inf)
    asked = shipped & refund
    steps[:, 4] = np.where(asked, REQUESTED, -1)
    times[:, 4] = np.where(asked, times[:, 3] + rng.uniform(1 * DAY, 29 * DAY, n), np.inf)
    steps[:, 5] = np.where(asked, np.where(refunded, REFUNDED, DELIVERED), -1)
    resolve = np.where(refunded, rng.uniform(4 * DAY, 12 * DAY, n), rng.uniform(3 * DAY, 8 * DAY, n))
    times[:, 5] = np.where(asked, times[:, 4] + resolve, np.inf)
    return steps, np.floor(times)


def _current(steps: np.ndarray, times: np.ndarray, now: int) -> np.ndarray:
    import numpy as np

    return steps[np.arange(len(steps)), (times <= now).sum(1) - 1]


def _ensure_every_status(steps: np.ndarray, times: np.ndarray, placed: np.ndarray, now: int) -> None:
    """Rewrite a few orders' paths (in place) so every status is someone's current status."""
    import numpy as np

    forced: set[int] = set()
    for status, path in FORCED_PATHS.items():
        current = _current(steps, times, now)
        if (current == status).any():
            continue
        counts = np.bincount(current, minlength=len(STATUSES))
        spare = np.array([counts[c] > 1 and i not in forced for i, c in enumerate(current)])
        age = now - placed
        old_enough = spare & (age >= 2 * DAY * (len(path) - 1))
        pool = np.flatnonzero(old_enough if old_enough.any() else spare)
        if not len(pool):
            continue  # fewer orders than statuses
        i = int(pool[np.argmax(placed[pool])])  # the most recent eligible order
        step = min(0.9 * age[i] / max(len(path) - 1, 1), 1.5 * DAY)
        steps[i], times[i] = -1, np.inf
        steps[i, : len(path)] = path
        times[i, : len(path)] = np.floor(placed[i] + step * np.arange(len(path)))
        forced.add(i)


def _tracking(
    rng: np.random.Generator, shipped: np.ndarray, china: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Carrier and tracking number for shipped orders ("" otherwise)."""
    import numpy as np

    n = len(shipped)
    pick = rng.integers(0, 4, n)
    digits = rng.integers(10**11, 10**12, n)
    carrier = np.full(n, "", dtype=object)
    tracking = np.full(n, "", dtype=object)
    for i in np.flatnonzero(shipped):
        name, prefix = CARRIERS["China" if china[i] else "other"][pick[i]]
        carrier[i], tracking[i] = name, f"{prefix}{digits[i]}"
    return carrier, tracking


def _orders_frame(
    order_ids, cust_ids, current, placed, total, people: People, order_customer, tracking, carrier
):
    import numpy as np
    import pandas as pd

    from shopmind.data.simulate import to_utc

    return pd.DataFrame(
        {
            "order_id": order_ids,
            "customer_id": cust_ids,
            "status": np.asarray(STATUSES, dtype=object)[current],
            "placed_at": to_utc(placed),
            "currency": "CNY",
            "total": total.astype(float),
            "shipping_address": np.asarray(people.address, dtype=object)[order_customer],
            "tracking_number": tracking,
            "carrier": carrier,
        }
    )


def _items_frame(order_ids: np.ndarray, lines: pd.DataFrame, cat: Catalog) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(
        {
            "order_id": order_ids[lines["order"].to_numpy()],
            "line_no": lines["line_no"].to_numpy().astype(int),
            "product_id": cat.frame["product_id"].to_numpy(dtype=object)[lines["product"].to_numpy()],
            "quantity": lines["quantity"].to_numpy().astype(int),
            "unit_price": lines["unit_price"].to_numpy().astype(float),
        }
    )


def _timeline_frame(order_ids, steps, times, reached, zh) -> pd.DataFrame:
    """One row per status change reached by the end of the history, oldest first per order."""
    import numpy as np
    import pandas as pd

    from shopmind.data.simulate import to_utc

    rows, cols = np.nonzero(reached)
    codes = steps[rows, cols]
    lang = zh[rows].astype(int)
    notes = {(c, z): STATUS_NOTES[s][z] for c, s in enumerate(STATUSES) for z in (0, 1)}
    note = np.array([notes[(c, z)] for c, z in zip(codes, lang, strict=True)], dtype=object)
    denied = (codes == DELIVERED) & (cols == 5)
    note[denied] = np.where(lang[denied] == 1, STATUS_NOTES["denied"][1], STATUS_NOTES["denied"][0])
    seq = np.arange(len(rows)) - np.searchsorted(rows, rows) + 1  # position within the order, from 1
    return pd.DataFrame(
        {
            "order_id": order_ids[rows],
            "seq": seq,
            "status": np.asarray(STATUSES, dtype=object)[codes],
            "at": to_utc(times[rows, cols]),
            "note": note,
        }
    )
