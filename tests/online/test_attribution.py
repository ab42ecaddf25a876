"""Attribution by the documented rule: an event's impression id when it fits (same shopper, product
shown), else a mismatch kept as a plain event; without an id, and for order lines, the latest
impression of the product for the same shopper within the window; each source once. Then the
metrics per surface × model version × day with intervals, and search analytics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from shopmind.data.store import Store
from shopmind.followers import Followers
from shopmind.online import metrics
from shopmind.online.attribution import Attributor
from shopmind.online.impressions import impression

NOW = datetime.now(UTC).replace(microsecond=0)


def shown(store: Store, products: list[str], at: datetime, **fields) -> dict:
    row = impression(fields.pop("surface", "recommendations"), products, **fields) | {"at": at}
    store.log_impressions([row])
    return row


def event(eid: str, kind: str, product: str, at: datetime, customer: str | None = "C1", **extra) -> dict:
    return {"event_id": eid, "customer_id": customer, "session_id": extra.pop("session_id", ""), "type": kind,
            "product_id": product, "ts": at, "impression_id": None, "value": None, **extra}  # fmt: skip


@pytest.fixture
def shop(store: Store) -> tuple[Store, dict, dict]:
    old = shown(store, ["P1", "P3"], NOW - timedelta(hours=30), customer_id="C1", model_version="v0")
    imp = shown(store, ["P1", "P2", "P3"], NOW - timedelta(hours=1), customer_id="C1", model_version="v1")
    return store, imp, old


def attributed(store: Store) -> dict[str, dict]:
    return {r["source_id"]: r for r in store.frame("attributions").to_dict("records")}


def test_events_are_tied_by_id_else_by_window_and_bad_ids_are_mismatches(shop) -> None:
    store, imp, old = shop
    later = NOW - timedelta(minutes=30)
    store.upsert("events", [
        event("e1", "click", "P2", later, impression_id=imp["impression_id"]),
        event("e2", "click", "P9", later, impression_id=imp["impression_id"]),  # not shown by it
        event("e3", "click", "P2", later, customer="C2", impression_id=imp["impression_id"]),  # foreign
        event("e4", "add_to_cart", "P2", later, impression_id="im-unknown"),  # unknown id
        event("e5", "add_to_cart", "P3", later),  # no id: the latest impression showing P3
        event("e6", "click", "P7", later),  # never shown: not attributed
        event("e7", "view", "P1", later),  # a view is not a click
    ])  # fmt: skip
    store.upsert("orders", [{"order_id": "O1", "customer_id": "C1", "status": "paid", "placed_at": later,
                             "currency": "EUR", "total": 50.0}])  # fmt: skip
    store.upsert("order_items", [{"order_id": "O1", "line_no": 1, "product_id": "P1", "quantity": 2,
                                  "unit_price": 25.0}])  # fmt: skip
    counts = Attributor(store).catch_up()
    assert counts == {"id": 1, "mismatch": 3, "window": 2}
    rows = attributed(store)
    assert rows["e1"]["impression_id"] == imp["impression_id"] and rows["e1"]["position"] == 2
    assert {rows[k]["how"] for k in ("e2", "e3", "e4")} == {"mismatch"}
    assert pd.isna(rows["e2"]["impression_id"])
    assert rows["e5"]["impression_id"] == imp["impression_id"] and rows["e5"]["how"] == "window"
    assert rows["o:O1:1"]["value"] == 50.0 and rows["o:O1:1"]["model_version"] == "v1"
    assert "e6" not in rows and "e7" not in rows
    assert store.frame("events", where={"event_id": ["e2", "e3", "e4"]}).shape[0] == 3  # kept as events
    assert Attributor(store).catch_up() == {"id": 1, "mismatch": 3, "window": 2}  # recomputed …
    assert len(attributed(store)) == 6  # … but each source is attributed once


def test_the_window_is_configurable(shop) -> None:
    store, imp, old = shop
    store.upsert("events", [event("e1", "click", "P1", NOW - timedelta(hours=3))])
    assert Attributor(store, window=timedelta(hours=1)).catch_up() == {}
    assert Attributor(store, window=timedelta(hours=36)).catch_up() == {"window": 1}
    assert attributed(store)["e1"]["impression_id"] == old["impression_id"]  # the one before the click


def test_guests_are_matched_by_session(store: Store) -> None:
    imp = shown(store, ["P1"], NOW - timedelta(minutes=5), session_id="s-1")
    store.upsert("events", [event("g1", "click", "P1", NOW, customer=None, session_id="s-1"),
                            event("g2", "click", "P1", NOW, customer=None, session_id="s-2")])  # fmt: skip
    Attributor(store).catch_up()
    rows = attributed(store)
    assert rows["g1"]["impression_id"] == imp["impression_id"] and "g2" not in rows


def test_attribution_follows_new_events(shop) -> None:
    store, imp, _ = shop
    attributor = Attributor(store)
    followers = Followers(store)
    followers.add(attributor.follower)
    store.upsert("events", [event("n1", "click", "P3", NOW, impression_id=imp["impression_id"])])
    followers.catch_up()
    assert attributed(store)["n1"]["how"] == "id"


def test_metrics_per_day_surface_and_version_with_intervals(store: Store) -> None:
    at = NOW - timedelta(minutes=10)
    imps = [shown(store, ["P1", "P2"], at, customer_id=f"C{i}", model_version="v1") for i in range(40)]
    events = [event(f"c{i}", "click", "P1", NOW, customer=f"C{i}") for i in range(10)]
    events += [event(f"b{i}", "purchase", "P2", NOW, customer=f"C{i}", value=30.0) for i in range(4)]
    events += [event("b0-again", "purchase", "P2", NOW, customer="C0", value=20.0)]  # the same purchase
    store.upsert("events", events)
    Attributor(store).catch_up()
    out = metrics.daily(store, days=2)
    (row,) = [r for r in out["rows"] if r["model_version"] == "v1"]
    assert row["impressions"] == len(imps) and row["clicks"] == 10 and row["conversions"] == 4
    assert row["ctr"]["value"] == 0.25 and row["ctr"]["ci"][0] < 0.25 < row["ctr"]["ci"][1]
    assert row["revenue"] == 120.0  # one purchase of a product per impression counts once
    rpm = row["revenue_per_mille"]
    assert rpm["value"] == 3000.0 and rpm["ci"][0] < 3000.0 < rpm["ci"][1]


def test_search_analytics(store: Store) -> None:
    at = NOW - timedelta(minutes=10)
    for i in range(5):
        shown(store, ["P1", "P2"], at, surface="search", query="Red Dress", results=2, customer_id=f"C{i}")
    for i in range(3):
        shown(store, [], at, surface="search", query="unicorn lamp", results=0, customer_id=f"C{i}")
    store.upsert("events", [event("c0", "click", "P1", NOW, customer="C0"),
                            event("p0", "purchase", "P2", NOW, customer="C1", value=9.0)])  # fmt: skip
    Attributor(store).catch_up()
    report = metrics.search_report(store, days=2, min_searches=3)
    assert report["searches"] == 8 and report["top"][0]["query"] == "red dress"
    assert report["no_results"][0]["query"] == "unicorn lamp"
    assert report["low_ctr"][0]["query"] == "red dress" and report["low_ctr"][0]["ctr"] == pytest.approx(0.2)
    assert report["zero_click_rate"]["value"] == pytest.approx(7 / 8)
    assert report["bought"][0]["bought"] == [{"product_id": "P2", "purchases": 1}]
