"""Interactions for the recommenders, read from the store's behaviour events."""

from __future__ import annotations

import numpy as np

from shopmind.data.store import Store
from shopmind.recommend.base import IdMap, Interactions

# How much one event says about a customer's taste (implicit feedback weights).
EVENT_WEIGHTS: dict[str, float] = {
    "purchase": 3.0,
    "add_to_cart": 2.0,
    "rating": 2.0,
    "click": 1.0,
    "view": 1.0,
}


def interactions_from_store(store: Store, items: IdMap | None = None) -> Interactions:
    """Every product event with a customer, in time order, weighted by :data:`EVENT_WEIGHTS`.

    The item map covers the whole catalog (so products without events can still be filtered and
    reached by content) unless ``items`` is given.
    """
    events = store.product_events(EVENT_WEIGHTS, columns=["customer_id", "product_id", "type", "ts"])
    if items is None:
        catalog = store.frame("products", columns=["product_id"])["product_id"].astype(str)
        items = IdMap(sorted(set(catalog) | set(events["product_id"].astype(str))))
    events["weight"] = events["type"].map(EVENT_WEIGHTS).astype(np.float32)
    events = events.sort_values("ts", kind="stable")
    return Interactions.from_frame(events, weight_col="weight", items=items)
