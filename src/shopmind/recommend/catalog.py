"""The product columns recommendations filter and show (price, stock, category, title), aligned to a
model's item indices, built from an in-memory copy of the products that follows the store's changes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

COLUMNS = ["product_id", "title", "category", "price", "stock"]


class Product(NamedTuple):
    """What recommendations need of a product."""

    title: str
    category: str
    price: float
    stock: int


def product_row(record: Mapping[str, Any]) -> Product:
    """A products-table record (frame record or dict) as a :class:`Product`."""
    price = record.get("price")
    return Product(
        str(record.get("title") or ""),
        str(record.get("category") or ""),
        float(price) if price is not None else float("nan"),
        int(record.get("stock") or 0),
    )


@dataclass
class Catalog:
    """Product columns aligned to a model's item indices (all products when no model is published).

    Changed products are patched in place (a reader sees each value either old or new); a new trending
    vector is swapped in whole."""

    ids: list[str]
    index: dict[str, int]
    price: np.ndarray  # (I,) float, NaN where the product is gone
    in_stock: np.ndarray  # (I,) bool (False where the product is gone)
    category: np.ndarray  # (I,) str (object)
    title: np.ndarray  # (I,) object
    trending: np.ndarray | None = None  # (I,) trending scores
    categories: np.ndarray | None = None  # (C,) the distinct category paths
    category_code: np.ndarray | None = None  # (I,) each product's row in ``categories``

    def __post_init__(self) -> None:
        if self.categories is None:  # category filters then test C paths, not I products
            self.categories, self.category_code = np.unique(self.category.astype(str), return_inverse=True)

    @classmethod
    def build(
        cls, ids: Sequence[str], products: Mapping[str, Product], trend: Mapping[str, float]
    ) -> Catalog:
        """The columns of ``ids`` (a model's items, in index order) from ``products``."""
        n = len(ids)
        gone = Product("", "", float("nan"), 0)
        rows = [products.get(pid, gone) for pid in ids]
        cat = cls(
            list(ids),
            {pid: i for i, pid in enumerate(ids)},
            np.fromiter((r.price for r in rows), dtype=np.float64, count=n),
            np.fromiter((r.stock > 0 for r in rows), dtype=bool, count=n),
            np.array([r.category for r in rows], dtype=object),
            np.array([r.title for r in rows], dtype=object),
        )
        cat.set_trending(trend)
        return cat

    def patch(self, changed: Mapping[str, Product | None]) -> None:
        """Set the columns of the changed products this catalog holds (None: the product is gone)."""
        for pid, row in changed.items():
            i = self.index.get(pid)
            if i is None:
                continue
            row = row or Product("", "", float("nan"), 0)
            self.price[i], self.in_stock[i], self.title[i] = row.price, row.stock > 0, row.title
            if row.category != self.category[i]:
                self.category[i] = row.category
                self._recode(i, row.category)

    def _recode(self, i: int, category: str) -> None:
        hit = np.flatnonzero(self.categories == category)
        if len(hit):
            self.category_code[i] = hit[0]
            return
        self.categories = np.append(self.categories, category)
        self.category_code[i] = len(self.categories) - 1

    def set_trending(self, trend: Mapping[str, float]) -> None:
        """Swap in trending scores by product id (0 for the others)."""
        scores = np.zeros(len(self.ids), dtype=np.float64)
        for pid, w in trend.items():
            i = self.index.get(pid)
            if i is not None:
                scores[i] = w
        self.trending = scores
