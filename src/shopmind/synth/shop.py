"""A whole shop, synthesised: customers → orders (+ items, status timeline) and customers → events.

For load tests and for sharing: any number of customers, each with generated orders and events,
every key consistent (an order's customer exists, an item's order exists, a product is one of the
catalog's). The catalog is the shop's own (public) data and is reused as it is.

- **customers**: a :class:`TabularGAN` on the columns + ``__orders``, ``__events`` (counts); e-mails
  and names from pools, country → city seen pairs. The two counts are then mapped, rank for rank,
  onto the source's count distribution (:func:`match_counts`): the model decides which customers
  order more, the source how many orders and events there are per customer (a count with more
  than ``max_levels`` values is a continuous column to the GAN, and its draws of a heavy-tailed
  count miss the mean and the share of zeros);
- **orders**: conditioned on its customer (context); ``__path`` = the status history (a path seen
  in the data, so status = its last step and every transition is allowed), ``__step1…`` = seconds
  between steps (the timeline ascends), ``__items``; placed_at ≥ signup_at; the address is built
  around the customer's city;
- **order_items**: ``__category``, quantity; a product drawn in the category by its popularity;
  unit_price = the product's price; an order's total = Σ quantity × unit_price;
- **events**: conditioned on its customer; ``__category``, ts as seconds after signup; sessions cut
  at 30-minute gaps; a search has a query and no product, other events a product; a rating's
  value is in 1…5.

An order's placed_at and an event's ts are learnt as a share of the customer's window, from signup to
the source's last timestamp (the shop's "now"), so every one lands inside it; an order's timeline
steps after "now" are left out: the shop's history ends where the source's does.

:meth:`ShopSynthesizer.sample` yields the shop in chunks of customers (bounded memory at any
scale); keys are ``syn-customers-000001``, ``syn-orders-…``, ``syn-events-…``, ``syn-sessions-…``.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from shopmind.synth.relational import context_columns, count_histogram, match_counts, synthetic_keys
from shopmind.synth.tabular import Progress, TabularGAN, TabularGANConfig

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)
SESSION_GAP = 30 * 60  # seconds between two events of one customer that start a new session
TABLES = ("customers", "orders", "order_items", "order_status", "events")
SOURCES = (*TABLES, "products")  # what a fit reads
COUNTS = ("__orders", "__events")  # per-customer counts matched to the source's distribution


@dataclass
class ShopConfig:
    # the settings of every table's model (epochs = the most any table trains)
    model: TabularGANConfig = field(default_factory=lambda: TabularGANConfig(epochs=300))
    # each table trains for at most this many steps (epochs shrink for big tables)
    max_steps: int = 3000

    def __post_init__(self) -> None:
        if isinstance(self.model, dict):
            self.model = TabularGANConfig(**self.model)

    def for_rows(self, n: int) -> TabularGANConfig:
        steps_per_epoch = max(1, n // self.model.batch_size)
        epochs = max(1, min(self.model.epochs, math.ceil(self.max_steps / steps_per_epoch)))
        return replace(
            self.model, epochs=epochs, check_every=max(1, min(self.model.check_every, epochs // 5 or 1))
        )


def _seconds(s: pd.Series) -> np.ndarray:
    from shopmind.synth.transform import to_numeric

    return to_numeric(s, "datetime")


def _popularity(ids: pd.Series, catalog: pd.DataFrame) -> dict[str, tuple[list[str], list[float]]]:
    """Per category: the catalog's products and their share of ``ids`` (+1 smoothing)."""
    counts = ids.value_counts()
    out = {}
    for cat, group in catalog.groupby("category", sort=True):
        w = counts.reindex(group["product_id"]).fillna(0).to_numpy() + 1.0
        out[str(cat)] = (group["product_id"].tolist(), (w / w.sum()).tolist())
    return out


class ShopSynthesizer:
    """``fit(frames)`` on the store's tables (customers, orders, order_items, order_status, events,
    products); ``sample(n_customers)`` yields chunks of {table: frame}."""

    def __init__(self, config: ShopConfig | None = None) -> None:
        self.config = config or ShopConfig()

    # ------------------------------------------------------------------ fit
    def fit(
        self, frames: dict[str, pd.DataFrame], seed: int = 0, progress: Progress | None = None
    ) -> ShopSynthesizer:
        t0 = time.perf_counter()
        customers, orders = frames["customers"].reset_index(drop=True), frames["orders"]
        items, timeline, events = frames["order_items"], frames["order_status"], frames["events"]
        catalog = frames["products"][["product_id", "category", "price"]].copy()
        catalog["category"] = catalog["category"].fillna("").astype(str)
        self.catalog_ = catalog.reset_index(drop=True)
        cat_of = dict(zip(catalog["product_id"], catalog["category"], strict=True))
        self.signup_ = next(c for c in customers.columns if str(customers[c].dtype).startswith("datetime"))
        c = customers.drop(columns=["customer_id"])
        c["__orders"] = (
            orders.groupby("customer_id")
            .size()
            .reindex(customers["customer_id"])
            .fillna(0)
            .astype("int64")
            .to_numpy()
        )
        c["__events"] = (
            events.groupby("customer_id")
            .size()
            .reindex(customers["customer_id"])
            .fillna(0)
            .astype("int64")
            .to_numpy()
        )
        self.context_ = context_columns(c)
        self.counts_ = {k: count_histogram(c[k]) for k in COUNTS}
        stamps = [_seconds(f[c]) for f, c in ((orders, "placed_at"), (events, "ts"), (timeline, "at"))]
        self.horizon_ = float(max(np.nanmax(x) for x in stamps if len(x)))  # the source's last timestamp
        self.windowed_ = True
        row_of = {k: i for i, k in enumerate(customers["customer_id"])}
        o, o_ctx = self._orders_frame(orders, items, timeline, c, row_of)
        e, e_ctx = self._events_frame(events, c, row_of, cat_of)
        it = items.assign(__category=items["product_id"].map(cat_of).fillna(""))[["__category", "quantity"]]
        self.item_products_ = _popularity(items["product_id"], catalog)
        self.event_products_ = _popularity(events["product_id"].dropna(), catalog)
        self.notes_ = self._notes(timeline, orders, customers)
        cfg = self.config
        self.models_: dict[str, TabularGAN] = {}
        for name, frame, ctx, k in (
            ("customers", c, None, 0),
            ("orders", o, o_ctx, 1),
            ("order_items", it, None, 2),
            ("events", e, e_ctx, 3),
        ):
            log.info("shop: fitting %s (%d rows)", name, len(frame))
            self.models_[name] = TabularGAN(cfg.for_rows(len(frame))).fit(
                frame, seed + k, progress, context=ctx
            )
        self.fit_seconds_ = time.perf_counter() - t0
        return self

    def _orders_frame(self, orders, items, timeline, c, row_of) -> tuple[pd.DataFrame, pd.DataFrame]:
        import pandas as pd

        steps = timeline.sort_values(["order_id", "seq"])
        paths = steps.groupby("order_id")["status"].agg(">".join)
        times = steps.groupby("order_id")["at"].agg(lambda s: np.diff(_seconds(s)).tolist())
        o = orders.reset_index(drop=True)
        owner = o["customer_id"].map(row_of).to_numpy()
        signup = _seconds(c[self.signup_].iloc[owner])
        frame = pd.DataFrame({"placed_at": self._share(_seconds(o["placed_at"]), signup)})
        keep = [x for x in o.columns if x not in ("order_id", "customer_id", "status", "placed_at", "total")]
        for col in keep:
            frame[col] = o[col].to_numpy()
        path = paths.reindex(o["order_id"]).fillna(o["status"].astype(str)).to_numpy()
        frame["__path"] = _frequent(pd.Series(path), self.config.model.transformer.min_count).to_numpy()
        self.max_steps_ = int(frame["__path"].str.count(">").max())
        gaps = times.reindex(o["order_id"]).tolist()
        for k in range(self.max_steps_):
            frame[f"__step{k + 1}"] = [g[k] if isinstance(g, list) and len(g) > k else np.nan for g in gaps]
        frame["__items"] = (
            items.groupby("order_id").size().reindex(o["order_id"]).fillna(0).astype("int64").to_numpy()
        )
        return frame, c[self.context_].iloc[owner].reset_index(drop=True)

    def _events_frame(self, events, c, row_of, cat_of) -> tuple[pd.DataFrame, pd.DataFrame]:
        import pandas as pd

        ev = events[events["customer_id"].isin(row_of)].reset_index(drop=True)
        owner = ev["customer_id"].map(row_of).to_numpy()
        frame = pd.DataFrame(
            {
                "type": ev["type"].astype(str).to_numpy(),
                "__category": ev["product_id"].map(cat_of).to_numpy(),
                "query": ev["query"].to_numpy(),
                "value": ev["value"].to_numpy(dtype=float),
                "ts": self._share(_seconds(ev["ts"]), _seconds(c[self.signup_].iloc[owner])),
            }
        )
        queries = ev["query"].dropna().value_counts()
        self.queries_ = queries[queries >= self.config.model.transformer.min_count]
        return frame, c[self.context_].iloc[owner].reset_index(drop=True)

    def window(self, signup: np.ndarray) -> np.ndarray:
        """Seconds from each signup to the source's last timestamp (at least 1)."""
        return np.maximum(self.horizon_ - signup, 1.0)

    def _share(self, at: np.ndarray, signup: np.ndarray) -> np.ndarray:
        """A time as its share of the customer's window: 0 at signup, 1 at the source's last timestamp."""
        return np.clip((at - signup) / self.window(signup), 0.0, 1.0)

    def offset_seconds(self, generated: np.ndarray, signup: np.ndarray) -> np.ndarray:
        """Seconds after signup of generated placed_at / ts values (shares of the window; plain seconds
        in models saved before shares were used)."""
        if not self.windowed_:
            return generated
        return np.clip(generated, 0.0, 1.0) * self.window(signup)

    def _notes(self, timeline, orders, customers) -> dict[str, dict[str, dict[str, int]]]:
        """status -> customer language -> note -> count (notes seen at least min_count times)."""
        lang = orders.set_index("order_id")["customer_id"].map(
            customers.set_index("customer_id").get("lang", {})
        )
        t = timeline.assign(lang=timeline["order_id"].map(lang).fillna("").astype(str))
        counts = t.groupby(["status", "lang", "note"]).size()
        counts = counts[counts >= self.config.model.transformer.min_count]
        out: dict[str, dict[str, dict[str, int]]] = {}
        for (status, lg, note), n in counts.items():
            out.setdefault(status, {}).setdefault(lg, {})[note] = int(n)
        return out

    # ------------------------------------------------------------------ sample
    def sample(self, n_customers: int, seed: int = 0, chunk: int = 5000) -> Iterator[dict[str, pd.DataFrame]]:
        """The shop in chunks of at most ``chunk`` customers (keys continue across chunks)."""
        start = dict.fromkeys(("customers", "orders", "events", "sessions"), 1)
        for k, lo in enumerate(range(0, n_customers, chunk)):
            out = self._chunk(min(chunk, n_customers - lo), seed + 7919 * k, start)
            yield out

    def _chunk(self, n: int, seed: int, start: dict[str, int]) -> dict[str, pd.DataFrame]:
        rng = np.random.default_rng(seed)
        m = self.models_
        cust = m["customers"].sample(n, seed)
        for col in COUNTS:
            if self.counts_.get(col):
                cust[col] = match_counts(self._counts(cust, col), self.counts_[col], rng)
        cust.insert(0, "customer_id", synthetic_keys("customers", n, start["customers"]))
        start["customers"] += n
        orders, items, timeline = self._sample_orders(cust, seed, rng, start)
        events = self._sample_events(cust, seed, rng, start)
        return {
            "customers": cust.drop(columns=["__orders", "__events"]),
            "orders": orders,
            "order_items": items,
            "order_status": timeline,
            "events": events,
        }

    def _counts(self, cust: pd.DataFrame, col: str) -> np.ndarray:
        import pandas as pd

        values = pd.to_numeric(cust[col], errors="coerce").to_numpy(dtype=float, na_value=0.0)
        return np.clip(np.round(values), 0, None).astype(np.int64)

    def _sample_orders(self, cust, seed, rng, start) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        from shopmind.synth.shop_rows import build_orders

        owner = np.repeat(np.arange(len(cust)), self._counts(cust, "__orders"))
        ctx = cust[self.context_].iloc[owner].reset_index(drop=True)
        rows = self.models_["orders"].sample(len(owner), seed + 1, context=ctx) if len(owner) else None
        return build_orders(self, cust, owner, rows, rng, start, seed)

    def _sample_events(self, cust, seed, rng, start) -> pd.DataFrame:
        from shopmind.synth.shop_rows import build_events

        owner = np.repeat(np.arange(len(cust)), self._counts(cust, "__events"))
        ctx = cust[self.context_].iloc[owner].reset_index(drop=True)
        rows = self.models_["events"].sample(len(owner), seed + 3, context=ctx) if len(owner) else None
        return build_events(self, cust, owner, rows, rng, start)

    # ------------------------------------------------------------------ save / load
    def save(self, path: str | Path) -> Path:
        from shopmind.artifacts import write_model

        path = Path(path)
        for name, model in self.models_.items():
            model.save(path / name)
        meta = {
            "model": "shop",
            "signup": self.signup_,
            "context": self.context_,
            "max_steps": self.max_steps_,
            "horizon": self.horizon_,
            "windowed": self.windowed_,
            "counts": {col: {str(k): v for k, v in h.items()} for col, h in self.counts_.items()},
            "catalog": self.catalog_.to_dict(orient="list"),
            "item_products": self.item_products_,
            "event_products": self.event_products_,
            "notes": self.notes_,
            "queries": {str(k): int(v) for k, v in self.queries_.items()},
        }
        return write_model(path, meta)

    @classmethod
    def load(cls, path: str | Path) -> ShopSynthesizer:
        import pandas as pd

        from shopmind.artifacts import read_meta

        path, meta = Path(path), read_meta(path)
        self = cls()
        self.models_ = {
            name: TabularGAN.load(path / name) for name in ("customers", "orders", "order_items", "events")
        }
        self.signup_, self.context_, self.max_steps_ = meta["signup"], meta["context"], meta["max_steps"]
        self.horizon_ = meta.get("horizon", float("inf"))
        self.windowed_ = meta.get("windowed", False)
        self.counts_ = {col: {int(k): v for k, v in h.items()} for col, h in meta.get("counts", {}).items()}
        self.catalog_ = pd.DataFrame(meta["catalog"])
        self.item_products_, self.event_products_ = meta["item_products"], meta["event_products"]
        self.notes_, self.queries_ = meta["notes"], pd.Series(meta["queries"], dtype="int64")
        return self


def _frequent(values: pd.Series, min_count: int) -> pd.Series:
    """Values seen fewer than ``min_count`` times replaced by the most frequent value with the same
    last element (a status path by the commonest path ending in the same status)."""
    counts = values.value_counts()
    kept = counts[counts >= min_count]
    if not len(kept):
        return values
    by_end: dict[str, str] = {}
    for v in kept.index:
        by_end.setdefault(str(v).rsplit(">", 1)[-1], v)
    top = kept.index[0]
    return values.map(lambda v: v if v in kept.index else by_end.get(str(v).rsplit(">", 1)[-1], top))


def write_parquet(chunks: Iterator[dict[str, pd.DataFrame]], folder: Path, each=None) -> dict[str, int]:
    """One Parquet file per table from chunks of the shop, appended chunk by chunk (text columns
    typed as strings, so a chunk where one is all missing has the same schema); ``each(chunk)`` is
    called on every chunk. Returns the rows written per table."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    writers: dict[str, Any] = {}
    rows: dict[str, int] = {}
    try:
        for chunk in chunks:
            for table, frame in chunk.items():
                typed = frame.astype({c: "string" for c in frame.columns if frame[c].dtype == object})
                data = pa.Table.from_pandas(typed, preserve_index=False)
                if table not in writers:
                    writers[table] = pq.ParquetWriter(folder / f"{table}.parquet", data.schema)
                writers[table].write_table(data.cast(writers[table].schema))
                rows[table] = rows.get(table, 0) + len(frame)
            if each is not None:
                each(chunk)
    finally:
        for w in writers.values():
            w.close()
    return rows
