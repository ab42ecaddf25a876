"""Serving recommendations: the published model + live store data (filters, real time, cold start).

- Already-bought and out-of-stock products are never recommended; category and price filters
  apply before the top-k cut.
- Real time: a sequential model (SASRec) reads the customer's latest events from the store on
  every request, so an event posted a moment ago changes the next answer without retraining.
  Other models fold fresh events in through item vectors.
- Cold start: an unknown customer with no events gets trending items; for a product the model has
  never seen, ``similar`` serves a fallback that costs no encoding: the nearest products by the
  sentence vector the search index already holds for it (``neighbours``), else the trending products
  of its category.
- The catalog (prices, stock, titles, categories) follows the store's change log in the background
  (``follower``, driven by the engine's followers); trending is recomputed on a timer
  (``refresh_trending``). A request reads both from memory, never reloads them.
- Trending caps each visitor: one event type on one product counts once a day per visitor, every
  guest id from one address is one visitor, and bots (too many events in a minute) are left out
  (:meth:`shopmind.data.store_abuse.AbuseQueries.capped_engagement`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from shopmind.artifacts import ArtifactStore, Hot
from shopmind.data.changes import Changes, Cursor
from shopmind.data.store import NotFoundError, Store
from shopmind.followers import Follower
from shopmind.recommend.base import Recommender, top_k
from shopmind.recommend.catalog import COLUMNS, Catalog, Product, product_row
from shopmind.recommend.data import EVENT_WEIGHTS
from shopmind.recommend.train import KIND

log = logging.getLogger(__name__)
FALLBACK = "trending products (event-weighted engagement of the last two weeks of activity)"
TREND_ANCHOR = 200  # trending counts the `days` before the 200th most recent visitor's last event
SIMILAR_DENSE = "the nearest products by the sentence vector the search index holds for this product"
SIMILAR_CATEGORY = "trending products of the same category (the recommender has not seen this product)"
Neighbours = Callable[[str, int], list[tuple[str, float]] | None]


class RecommendationService:
    """Recommendations from the published ``rec`` model (trending until one is published).

    ``trending_days``: the trending window; ``bot_per_minute``: a visitor with more events in a minute
    is left out of trending; ``neighbours``: ``(product id, k) -> [(product id, cosine)]`` from vectors
    already computed (None when the product has none) for ``similar`` on a product the model has not
    seen. The products are loaded in full here, then follow the store's changes (``follower``)."""

    def __init__(
        self,
        store: Store,
        artifacts: ArtifactStore,
        *,
        history: int = 50,
        trending_days: int = 14,
        bot_per_minute: int = 60,
        neighbours: Neighbours | None = None,
    ) -> None:
        self.store = store
        self.model = Hot(KIND, Recommender.load, artifacts)
        self.history = history
        self.trending_days = trending_days
        self.bot_per_minute = bot_per_minute
        self.neighbours = neighbours
        self._products: dict[str, Product] = {}  # every product, following the store
        self._trend: dict[str, float] = {}  # product id -> trending score
        self._catalog: tuple[str | None, Catalog] | None = None  # (model version, its catalog)
        self.artifacts = artifacts
        self._arms: dict[str, tuple[Recommender, Catalog]] = {}  # saved versions an experiment serves
        self._lock = threading.RLock()
        self.follower = Follower("recommendations", store, ("products",), self._load, self._apply)
        self.follower.reload()

    # ------------------------------------------------------------------ catalog
    def _load(self, cursor: Cursor) -> None:
        """Every product from the store, and trending computed afresh."""
        frame = self.store.frame("products", columns=COLUMNS)
        products = {str(r["product_id"]): product_row(r) for r in frame.to_dict("records")}
        trend = self._compute_trending(self.trending_days)
        with self._lock:
            self._products, self._trend, self._catalog = products, trend, None
            self._arms = {}
        self.catalog(*self.model.get())  # built here, in the background, not by the first request

    def _apply(self, changes: Changes) -> None:
        """Patch the changed products (a catalog of every product is rebuilt when products were added)."""
        keys = changes.keys("products")
        rows = {str(r["product_id"]): product_row(r) for r in self.store.products_by_ids(keys)}
        with self._lock:
            for pid in keys:
                if pid in rows:
                    self._products[pid] = rows[pid]
                else:
                    self._products.pop(pid, None)
            for _, arm_cat in self._arms.values():
                arm_cat.patch({pid: rows.get(pid) for pid in keys if pid in arm_cat.index})
            cached = self._catalog
            if cached is None:
                return
            version, cat = cached
            if version is None and any(pid not in cat.index for pid in rows):
                self._catalog = (None, self._build(None))
            else:
                cat.patch({pid: rows.get(pid) for pid in keys})

    def refresh_trending(self) -> None:
        """Recompute trending (the engine's followers run this on a timer)."""
        trend = self._compute_trending(self.trending_days)
        with self._lock:
            self._trend = trend
            if self._catalog is not None:
                self._catalog[1].set_trending(trend)
            for _, arm_cat in self._arms.values():
                arm_cat.set_trending(trend)

    def _build(self, model: Recommender | None) -> Catalog:
        ids = model.items_.ids if model is not None else list(self._products)
        return Catalog.build(ids, self._products, self._trend)

    def catalog(self, model: Recommender | None, version: str | None) -> Catalog:
        """Product columns for ``model``'s items, from memory (built once per model version)."""
        cached = self._catalog
        if cached and cached[0] == version:
            return cached[1]
        with self._lock:
            cached = self._catalog
            if cached and cached[0] == version:
                return cached[1]
            cat = self._build(model)
            self._catalog = (version, cat)
            return cat

    def served(self, version: str | None = None) -> tuple[Recommender | None, str | None, Catalog]:
        """(model, version, catalog) of the published model, or of the saved ``version`` an experiment's
        arm serves (loaded once, kept while it is asked for)."""
        if version is None:
            model, current = self.model.get()
            return model, current, self.catalog(model, current)
        arm = self._arms.get(version)
        if arm is None:
            with self._lock:
                arm = self._arms.get(version)
                if arm is None:
                    model = Recommender.load(self.artifacts.kind_dir(KIND) / version)
                    arm = self._arms[version] = (model, self._build(model))
        return arm[0], version, arm[1]

    def _allowed(self, cat: Catalog, category: str | None, min_price: float | None, max_price: float | None):
        ok = cat.in_stock.copy()
        if category:
            wanted = np.array(
                [c == category or c.startswith(category + " > ") for c in cat.categories], dtype=bool
            )  # (C,)
            ok &= wanted[cat.category_code]  # (I,)
        if min_price is not None:
            ok &= cat.price >= min_price
        if max_price is not None:
            ok &= cat.price <= max_price
        return ok

    # ------------------------------------------------------------------ customer data
    def _recent_items(self, customer_id: str) -> list[str]:
        """The customer's latest product events (oldest first), straight from the store."""
        return self.store.recent_product_ids(customer_id, EVENT_WEIGHTS, self.history)

    def _bought(self, customer_id: str) -> set[str]:
        return self.store.bought_products(customer_id)

    # ------------------------------------------------------------------ answers
    def recommend(
        self,
        customer_id: str,
        k: int = 10,
        category: str | None = None,
        min_price: float | None = None,
        max_price: float | None = None,
        version: str | None = None,
    ) -> dict[str, Any]:
        """Top-k products for a customer, with the source of the scores (``version``: a saved model
        version to serve instead of the published one, e.g. an experiment's arm)."""
        model, version, cat = self.served(version)
        allowed = self._allowed(cat, category, min_price, max_price)
        for pid in self._bought(customer_id):
            if pid in cat.index:
                allowed[cat.index[pid]] = False
        scores, source = None, "trending"
        if model is not None:
            scores, source = self._model_scores(model, customer_id)
        if scores is None:
            scores = self._trending_scores(cat)
            source = "trending"
        scores = np.where(allowed, scores, -np.inf)
        return {
            "customer_id": customer_id,
            "source": source,
            "version": version,
            "items": self._items(cat, scores, k),
        }

    def _model_scores(self, model: Recommender, customer_id: str) -> tuple[np.ndarray | None, str]:
        recent = [i for i in self._recent_items(customer_id) if i in model.items_]
        if hasattr(model, "score_sequences") and recent:
            seq = model.items_.to_idx(recent)
            return np.asarray(model.score_sequences([seq]))[0], f"{model.name} (real time)"
        if customer_id in model.users_:
            return np.asarray(model.score(model.users_.to_idx([customer_id])))[0], model.name
        if recent:  # a customer the model has not seen, with a few fresh events
            return np.asarray(model.score_history(model.items_.to_idx(recent))), f"{model.name} (session)"
        return None, "trending"

    @staticmethod
    def _trending_scores(cat: Catalog) -> np.ndarray:
        """Event-weighted engagement of the last ``trending_days`` of activity (kept with the catalog)."""
        return cat.trending if cat.trending is not None else np.zeros(len(cat.ids))

    def _compute_trending(self, days: int) -> dict[str, float]:
        # anchor the window on the TREND_ANCHOR-th most recent visitor, not the newest event: a historic
        # data set still has a trend, and a few live visitors (or one visitor's burst) don't empty it
        latest = self.store.visitor_time_anchor(TREND_ANCHOR)
        since = (latest if latest is not None else datetime.now(UTC)) - timedelta(days=days)
        engagement = self.store.capped_engagement(EVENT_WEIGHTS, since, self.bot_per_minute)
        return {str(pid): w for pid, w in engagement.items()}

    def trending(self, k: int = 10, category: str | None = None) -> dict[str, Any]:
        model, version = self.model.get()
        cat = self.catalog(model, version)
        scores = np.where(self._allowed(cat, category, None, None), self._trending_scores(cat), -np.inf)
        return {"source": "trending", "items": self._items(cat, scores, k)}

    def status(self) -> dict[str, Any]:
        """What serves recommendations now: the published model, or the trending fallback."""
        _, version = self.model.get()
        return {
            "kind": KIND,
            "version": version,
            "serving": "model" if version else "fallback",
            "fallback": FALLBACK,
            "error": self.model.error,
        }

    def similar(self, product_id: str, k: int = 10, version: str | None = None) -> dict[str, Any]:
        """Products like ``product_id`` by the model's item vectors; for a product the model has not seen
        (or without interactions), a fallback that encodes nothing (``fallback`` says which).
        ``version``: a saved model version to serve instead of the published one."""
        model, version, cat = self.served(version)
        product = self.store.get_product(product_id)  # raises NotFoundError for an unknown id
        fallback = None
        if model is not None and product_id in model.items_ and self._has_signal(model, product_id):
            scores = self._pair_scores(cat, model.similar(product_id, k=len(cat.ids)))
            source = model.name
        else:
            scores, source, fallback = self._fallback_scores(cat, product_id, product, k)
        if product_id in cat.index:
            scores[cat.index[product_id]] = -np.inf
        scores = np.where(cat.in_stock, scores, -np.inf)
        items = self._items(cat, scores, k)
        return {"product_id": product_id, "source": source, "fallback": fallback, "items": items,
                "version": version}  # fmt: skip

    @staticmethod
    def _pair_scores(cat: Catalog, pairs) -> np.ndarray:
        scores = np.full(len(cat.ids), -np.inf)
        for pid, s in pairs:
            if pid in cat.index:
                scores[cat.index[pid]] = s
        return scores

    def _fallback_scores(self, cat: Catalog, product_id: str, product: dict[str, Any], k: int):
        """(scores, source, fallback): the search index's vector neighbours when it holds a vector for the
        product, else trending within the product's category (all trending for an empty category)."""
        pairs = self.neighbours(product_id, 4 * k + 1) if self.neighbours is not None else None
        if pairs:
            return self._pair_scores(cat, pairs), "dense", SIMILAR_DENSE
        trend = self._trending_scores(cat).astype(np.float64)
        category = str(product.get("category") or "")
        if category and category in set(cat.categories.tolist()):
            same = cat.categories[cat.category_code] == category  # (I,)
            trend = np.where(same, trend, -np.inf)
        return trend, "category", SIMILAR_CATEGORY

    @staticmethod
    def _has_signal(model: Recommender, product_id: str) -> bool:
        j = model.items_.index[product_id]
        return bool(model.seen_ is not None and model.seen_[:, j].nnz > 0)

    @staticmethod
    def _items(cat: Catalog, scores: np.ndarray, k: int) -> list[dict[str, Any]]:
        idx, vals = top_k(np.asarray(scores, dtype=np.float64)[None, :], k)
        return [
            {
                "product_id": cat.ids[i],
                "title": cat.title[i],
                "category": cat.category[i],
                "price": float(cat.price[i]),
                "score": float(v),
            }
            for i, v in zip(idx[0], vals[0], strict=True)
            if np.isfinite(v)
        ]


__all__ = ["RecommendationService", "NotFoundError"]
