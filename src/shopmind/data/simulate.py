"""The built-in demo shop: a bilingual catalog, customers with latent tastes, a year of events, orders, docs.

``generate(DemoConfig(seed=7))`` returns a :class:`DemoShop` of pandas frames shaped like the store's
tables, plus :class:`DemoTruth`, the hidden tastes the behaviour was drawn from, so tests can check
that a recommender finds real signal. The same seed gives identical frames; everything random
comes from one ``numpy.random.default_rng(seed)``.

How behaviour is drawn: every customer has a Dirichlet preference over leaf categories
(concentrated on 2-4 of them), a price sensitivity, brand affinities, a style vector and a
language. A session picks a category from the preference, then products inside it by a softmax
of ``style·product + brand affinity - sensitivity·price level + popularity (+ query match)``
(Gumbel-max sampling); the same utility drives clicks, carts, purchases and ratings.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from shopmind.data.simulate_catalog import Catalog, People

log = logging.getLogger(__name__)

DAY = 86_400  # seconds


@dataclass(frozen=True)
class DemoConfig:
    """How big the demo shop is and how its customers behave."""

    seed: int = 7  # the one seed every random draw derives from
    scale: float = 1.0  # multiplies n_products and n_customers (tests use ~0.05)
    n_products: int = 3000  # catalog size at scale 1
    n_customers: int = 5000  # customers at scale 1
    days: int = 365  # length of the event history
    start: str = "2025-11-01"  # first day of the history (UTC)
    events_per_customer: float = 60.0  # mean events per customer (log-normal activity, heavy-tailed)
    activity_sigma: float = 1.0  # log-normal sigma of customer activity (larger = heavier tail)
    n_latent: int = 8  # dimensions of the customer/product style vectors
    zh_product_share: float = 0.4  # share of products written in Chinese (Chinese brands lean zh)
    zh_customer_share: float = 0.4  # share of customers whose language is Chinese
    focus: float = 0.9  # share of a customer's category preference on their 2-4 favourite leaves
    explore: float = 0.1  # share of sessions in a category drawn by popularity, not taste
    items_per_session: float = 5.0  # mean products looked at in a session (geometric)
    search_share: float = 0.3  # share of sessions that start with a search query
    buy_share: float = 0.46  # share of sessions that end in a purchase (one order each)
    rating_share: float = 0.35  # share of delivered order lines that get a rating
    zero_stock_share: float = 0.05  # share of products out of stock
    new_product_share: float = 0.1  # share of products launched during the history (cold start)

    @property
    def product_count(self) -> int:
        from shopmind.data.simulate_text import LEAVES

        return max(2 * len(LEAVES), round(self.n_products * self.scale))

    @property
    def customer_count(self) -> int:
        return max(10, round(self.n_customers * self.scale))


@dataclass
class DemoTruth:
    """The latent tastes the demo behaviour was drawn from (rows follow ``customer_ids``)."""

    customer_ids: list[str]  # row order of the per-customer arrays
    leaf_categories: list[str]  # column order of customer_category_pref (category paths)
    customer_category_pref: np.ndarray  # (n_customers, n_leaf) preference, rows sum to 1
    price_sensitivity: np.ndarray  # (n_customers,) weight on a product's relative price level
    brands: list[str]  # column order of brand_affinity
    brand_affinity: np.ndarray  # (n_customers, n_brands) added to a product's utility
    product_ids: list[str]  # order of product_category
    product_category: list[str]  # category path of each product

    def top_categories(self, customer_id: str, k: int = 3) -> list[str]:
        """The customer's ``k`` most preferred leaf categories, best first."""
        import numpy as np

        row = self.customer_category_pref[self.customer_ids.index(customer_id)]
        return [self.leaf_categories[i] for i in np.argsort(-row, kind="stable")[:k]]

    def to_json(self, path: str | Path) -> None:
        """Write the truth as plain JSON (arrays as nested lists)."""
        data = {
            "customer_ids": self.customer_ids,
            "leaf_categories": self.leaf_categories,
            "customer_category_pref": self.customer_category_pref.tolist(),
            "price_sensitivity": self.price_sensitivity.tolist(),
            "brands": self.brands,
            "brand_affinity": self.brand_affinity.tolist(),
            "product_ids": self.product_ids,
            "product_category": self.product_category,
        }
        Path(path).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def from_json(cls, path: str | Path) -> DemoTruth:
        import numpy as np

        data = json.loads(Path(path).read_text(encoding="utf-8"))
        for key in ("customer_category_pref", "price_sensitivity", "brand_affinity"):
            data[key] = np.asarray(data[key], dtype=float)
        return cls(**data)


FRAME_NAMES = ("products", "customers", "events", "orders", "order_items", "order_status", "docs")


@dataclass
class DemoShop:
    """The generated shop: one frame per store table, plus the hidden truth."""

    products: pd.DataFrame
    customers: pd.DataFrame
    events: pd.DataFrame
    orders: pd.DataFrame
    order_items: pd.DataFrame
    order_status: pd.DataFrame
    docs: pd.DataFrame
    truth: DemoTruth
    config: DemoConfig = field(default_factory=DemoConfig)

    def frames(self) -> dict[str, pd.DataFrame]:
        """The data frames by table name (everything except the truth)."""
        return {name: getattr(self, name) for name in FRAME_NAMES}

    def summary(self) -> dict[str, int]:
        """Row count per frame."""
        return {name: len(frame) for name, frame in self.frames().items()}


def generate(config: DemoConfig | None = None) -> DemoShop:
    """Generate the demo shop for ``config`` (deterministic per ``config.seed``)."""
    import numpy as np

    from shopmind.data.simulate_catalog import make_catalog, make_customers
    from shopmind.data.simulate_events import make_events, make_ratings
    from shopmind.data.simulate_orders import make_orders

    cfg = config or DemoConfig()
    t0 = time.perf_counter()
    rng = np.random.default_rng(cfg.seed)
    start = int(np.datetime64(cfg.start, "s").astype("int64"))
    catalog = make_catalog(cfg, rng, start)
    people = make_customers(cfg, rng, start, len(catalog.brands))
    browse = make_events(cfg, rng, start, catalog, people)
    orders = make_orders(cfg, rng, start, browse, catalog, people)
    ratings = make_ratings(cfg, rng, start, orders, browse, catalog)
    events = _events_frame(browse.events, ratings)
    shop = DemoShop(
        products=catalog.frame,
        customers=people.frame,
        events=events,
        orders=orders.orders,
        order_items=orders.items,
        order_status=orders.timeline,
        docs=docs_frame(start),
        truth=_truth(catalog, people),
        config=cfg,
    )
    log.info("demo shop generated in %.1f s: %s", time.perf_counter() - t0, shop.summary())
    return shop


def _events_frame(browse: pd.DataFrame, ratings: pd.DataFrame) -> pd.DataFrame:
    """All events sorted by time (ties keep their session order), with ids E00000001…"""
    import pandas as pd

    events = pd.concat([browse, ratings], ignore_index=True)
    events = events.sort_values(["ts", "session_id", "seq"], kind="stable").reset_index(drop=True)
    events.insert(0, "event_id", [f"E{i:08d}" for i in range(1, len(events) + 1)])
    events["ts"] = to_utc(events["ts"].to_numpy())
    events["query"] = events["query"].astype("str")  # missing (non-search) stays NA
    cols = ["event_id", "customer_id", "session_id", "type", "product_id", "query", "value", "ts"]
    return events[cols]


def _truth(catalog: Catalog, people: People) -> DemoTruth:
    from shopmind.data.simulate_text import LEAVES

    return DemoTruth(
        customer_ids=people.frame["customer_id"].tolist(),
        leaf_categories=[leaf.path for leaf in LEAVES],
        customer_category_pref=people.pref,
        price_sensitivity=people.price_sensitivity,
        brands=list(catalog.brands),
        brand_affinity=people.brand_affinity,
        product_ids=catalog.frame["product_id"].tolist(),
        product_category=catalog.frame["category"].tolist(),
    )


def docs_frame(start: int) -> pd.DataFrame:
    """The FAQ and policy documents, one row per topic and language."""
    import pandas as pd

    from shopmind.data.simulate_docs import DOCS

    rows = []
    for i, doc in enumerate(DOCS):
        updated = start - (60 - 3 * i) * DAY
        for lang, title, body in (("en", doc.title_en, doc.body_en), ("zh", doc.title_zh, doc.body_zh)):
            rows.append(
                {
                    "doc_id": f"{doc.kind}-{doc.topic.replace('_', '-')}-{lang}",
                    "kind": doc.kind,
                    "topic": doc.topic,
                    "lang": lang,
                    "title": title,
                    "body": "\n\n".join(body),
                    "updated_at": updated,
                }
            )
    frame = pd.DataFrame(rows)
    frame["updated_at"] = to_utc(frame["updated_at"].to_numpy())
    return frame


def to_utc(seconds: np.ndarray) -> pd.DatetimeIndex:
    """Unix seconds (int or float) as tz-aware UTC timestamps."""
    import numpy as np
    import pandas as pd

    return pd.to_datetime(np.asarray(seconds, dtype="int64"), unit="s", utc=True)
