"""The store's abuse controls on SQLite and PostgreSQL: token buckets (one UPSERT, refill by time),
visitor keys of public and trusted events, capped engagement and the suggestion rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shopmind.data.ingest import ingest_records
from shopmind.data.store import Store

T0 = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
WEIGHTS = {"view": 1.0, "add_to_cart": 2.0}


def test_a_bucket_empties_refills_with_time_and_punishes_hammering(store: Store) -> None:
    now = 1_000_000.0
    left = [store.take_tokens(["a", "b"], 3, 1.0, now)["a"] for _ in range(5)]
    assert left == [2.0, 1.0, 0.0, -1.0, -1.0]  # refused requests spend down to -1
    assert store.take_tokens(["a"], 3, 1.0, now + 1.5) == {"a": -0.5}  # refilled to 0.5: still refused
    assert store.take_tokens(["a"], 3, 1.0, now + 100) == {"a": 2.0}  # full again (capacity 3)
    assert store.take_tokens(["c"], 3, 1.0, now) == {"c": 2.0}  # buckets are independent
    assert store.prune_rate_buckets(now + 50) == 2 and store.take_tokens([], 3, 1.0, now) == {}


def test_engagement_is_capped_per_visitor_type_product_and_day(store: Store) -> None:
    ingest_records(store, "products", [{"product_id": p, "title": p, "price": 1.0} for p in ("P1", "P2")])
    trusted = [  # loaded by the shop: visitors by customer, else session
        {"event_id": f"T{i}", "customer_id": c, "type": "view", "product_id": "P1", "ts": T0.isoformat()}
        for i, c in enumerate(["C1", "C1", "C2"])
    ] + [{"event_id": "T9", "session_id": "s1", "type": "view", "product_id": "P1", "ts": T0.isoformat()}]
    public = [  # from one address, 5 guests, 2 days, spread over minutes
        {
            "event_id": f"W{i}",
            "customer_id": f"guest-{i}",
            "type": "add_to_cart",
            "product_id": "P2",
            "ts": (T0 + timedelta(minutes=i, days=i // 3)).isoformat(),
        }
        for i in range(5)
    ]
    ingest_records(store, "events", trusted + public)
    for e in public:
        store.add_event_source(e["event_id"], "a:one-address")
    got = store.capped_engagement(WEIGHTS, T0 - timedelta(days=1), bot_per_minute=60)
    assert got == {"P1": 3.0, "P2": 4.0}  # C1 once, C2, session s1; the address once on each of 2 days
    assert store.capped_engagement(WEIGHTS, T0 - timedelta(days=1), bot_per_minute=1) == {
        "P1": 2.0,
        "P2": 4.0,
    }
    anchor = store.visitor_time_anchor(2)
    assert anchor is not None and anchor <= T0 + timedelta(days=1)


@pytest.mark.parametrize("status", ["approved", "hidden"])
def test_suggestion_rules_round_trip(store: Store, status: str) -> None:
    store.set_suggestion_rule("red dress", status)
    assert store.suggestion_rules() == {"red dress": status}
    store.set_suggestion_rule("red dress", None)
    assert store.suggestion_rules() == {}
    with pytest.raises(ValueError, match="approved, hidden"):
        store.set_suggestion_rule("red dress", "boosted")
