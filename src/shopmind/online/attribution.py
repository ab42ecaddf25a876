"""Attribution: which impression a click, add to cart or purchase came from.

The rule (docs/online.md):

1. An event that names an ``impression_id`` is tied to that impression when the impression exists,
   showed the event's product, and was shown to the same shopper (the same customer id; for guests
   without one, the same session id). Otherwise the event is kept as a plain event and recorded as a
   *mismatch* (unknown id, a product the impression did not show, or another shopper's impression).
2. An event without one — and every order line (orders carry no impression id) — is tied to the latest
   impression that showed the same product to the same shopper within the window before it
   (``attribution_window_hours``, 24 by default). None found: the event is not attributed.
3. A source (event or order line) is attributed once; its first attribution stands.

Attribution follows the store's change log (events and orders) on the engine's followers thread, and
catches up in full when it is loaded (events and orders since the latest attribution, less the window).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from shopmind.data.changes import Changes, Cursor
from shopmind.followers import Follower

log = logging.getLogger(__name__)
TYPES = ("click", "add_to_cart", "purchase")


def _same_shopper(shown: dict[str, Any], item: dict[str, Any]) -> bool:
    if shown.get("customer_id") and item.get("customer_id"):
        return shown["customer_id"] == item["customer_id"]
    if shown.get("session_id") and item.get("session_id"):
        return shown["session_id"] == item["session_id"]
    return not shown.get("customer_id") or shown.get("customer_id") == item.get("customer_id")


def _row(item: dict[str, Any], shown: dict[str, Any] | None, how: str) -> dict[str, Any]:
    row = {
        "source_id": item["source_id"],
        "impression_id": shown["impression_id"] if shown else None,
        "how": how,
        "type": item["type"],
        "product_id": item["product_id"],
        "position": shown["products"].index(item["product_id"]) + 1 if shown else None,
        "value": float(item.get("value") or 0.0) if item["type"] == "purchase" else 0.0,
        "at": item["at"],
        "day": (shown["at"] if shown else item["at"]).strftime("%Y-%m-%d"),
    }
    for key in ("surface", "model_version", "experiment_id", "arm", "unit"):
        row[key] = (shown or {}).get(key) or ""
    return row


def from_events(events: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Store event rows as attribution inputs."""
    return [
        {"source_id": e["event_id"], "customer_id": e.get("customer_id"), "session_id": e.get("session_id"),
         "type": e["type"], "product_id": e["product_id"], "value": e.get("value"), "at": e["ts"],
         "impression_id": e.get("impression_id")}
        for e in events if e.get("product_id") and e["type"] in TYPES
    ]  # fmt: skip


def from_order_lines(lines: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Order lines as purchases (revenue = quantity × unit price) to attribute by the window."""
    return [
        {"source_id": f"o:{r['order_id']}:{r['line_no']}", "customer_id": r["customer_id"], "session_id": "",
         "type": "purchase", "product_id": r["product_id"], "value": r["quantity"] * r["unit_price"],
         "at": r["placed_at"], "impression_id": None}
        for r in lines
    ]  # fmt: skip


class Attributor:
    """Ties events and order lines in ``store`` to impressions (module docstring); ``follower`` keeps it
    in step with the store's change log."""

    def __init__(self, store: Any, window: timedelta = timedelta(hours=24)) -> None:
        self.store = store
        self.window = window
        self.follower = Follower("attribution", store, ("events", "orders"), self._load, self._apply)

    def attribute(self, items: list[dict[str, Any]]) -> dict[str, int]:
        """Attribute these inputs (:func:`from_events`, :func:`from_order_lines`); counts by how."""
        named = [i for i in items if i.get("impression_id")]
        shown = self.store.impressions_by_ids(i["impression_id"] for i in named)
        rows = []
        for item in named:
            imp = shown.get(item["impression_id"])
            ok = imp is not None and item["product_id"] in imp["products"] and _same_shopper(imp, item)
            rows.append(_row(item, imp, "id") if ok else _row(item, None, "mismatch"))
        rows += self._by_window([i for i in items if not i.get("impression_id")])
        self.store.add_attributions(rows)
        counts: dict[str, int] = defaultdict(int)
        for r in rows:
            counts[r["how"]] += 1
        return dict(counts)

    def _by_window(self, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if not items:
            return []
        since = min(i["at"] for i in items) - self.window
        until = max(i["at"] for i in items)
        seen = self.store.impressions_seen_by(
            {i["customer_id"] for i in items if i.get("customer_id")},
            {i["session_id"] for i in items if i.get("session_id")},
            since,
            until,
        )
        by_shopper: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        for imp in seen:  # oldest first
            if imp.get("customer_id"):
                by_shopper["c", imp["customer_id"]].append(imp)
            if imp.get("session_id"):
                by_shopper["s", imp["session_id"]].append(imp)
        rows = []
        for item in items:
            key = (
                ("c", item["customer_id"]) if item.get("customer_id") else ("s", item.get("session_id") or "")
            )
            match = self._latest(by_shopper.get(key, []), item)
            if match is not None:
                rows.append(_row(item, match, "window"))
        return rows

    def _latest(self, shown: list[dict[str, Any]], item: dict[str, Any]) -> dict[str, Any] | None:
        for imp in reversed(shown):
            if item["at"] - self.window <= imp["at"] <= item["at"] and item["product_id"] in imp["products"]:
                return imp
        return None

    # ------------------------------------------------------------------ following the store
    def catch_up(self, since: datetime | None = None) -> dict[str, int]:
        """Attribute every event and order line since ``since`` (default: the latest attribution less
        the window, or the first impression before any)."""
        if since is None:
            last = self.store.last_attribution_at()
            since = last - self.window if last is not None else self.store.first_impression_at()
        if since is None:
            return {}
        items = from_events(self.store.events_to_attribute(since, TYPES))
        items += from_order_lines(self.store.order_lines(since=since))
        counts = self.attribute(items)
        log.info("attribution: caught up since %s: %s", since, counts)
        return counts

    def _load(self, cursor: Cursor) -> None:
        self.catch_up()

    def _apply(self, changes: Changes) -> None:
        items = from_events(self.store.events_by_batches(changes.batches("events"), TYPES))
        orders = changes.keys("orders")
        if orders:
            items += from_order_lines(self.store.order_lines(orders))
        if items:
            self.attribute(items)
