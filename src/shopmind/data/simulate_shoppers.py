"""Simulated shoppers of the demo shop: they see what the engine shows and click and buy by their
latent tastes, through a position-biased click model.

The shoppers are the demo shop's customers with the hidden tastes the shop's history was drawn from
(:func:`shopmind.data.simulate.generate` with the same :class:`DemoConfig` draws the same catalog and
people first). A customer's *true relevance* for a product is the demo's utility — style match,
brand affinity, price sensitivity, popularity, language — plus the log of their preference for the
product's leaf category, standardised over the catalog per customer (``z``).

Click model (position-based, Craswell et al. 2008; Joachims et al. 2017): a shopper examines position
k (1-based) with probability ``k^-eta``; an examined product is clicked with probability
``sigmoid(click_scale·z + click_bias)``; a clicked product is bought with probability
``sigmoid(buy_scale·z + buy_bias)``. Search uses the same model with the query's relevance
(:meth:`Shoppers.query_relevance`) in place of ``z``. Every draw takes the caller's generator.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from shopmind.data.simulate import DemoConfig


@dataclass(frozen=True)
class ClickModel:
    eta: float = 1.0  # examination of position k: k^-eta (1: a tenth of shoppers look at position 10)
    click_scale: float = 1.2  # how strongly true relevance moves the click probability
    click_bias: float = -2.5  # click log-odds of an average product (z = 0) that was examined
    buy_scale: float = 1.0  # how strongly true relevance moves buying after a click
    buy_bias: float = -1.5  # purchase log-odds after a click on an average product


@dataclass
class Visit:
    """What one shopper did with one list: clicked positions (1-based) and bought product ids."""

    clicked: list[int]
    bought: list[str]


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


class Shoppers:
    """The demo shop's customers as simulated shoppers (module docstring)."""

    def __init__(self, shop: DemoConfig, click: ClickModel | None = None) -> None:
        from shopmind.data.simulate_catalog import make_catalog, make_customers

        self.click = click or ClickModel()
        rng = np.random.default_rng(shop.seed)  # the same first draws as generate(shop)
        start = int(np.datetime64(shop.start, "s").astype("int64"))
        self.catalog = make_catalog(shop, rng, start)
        self.people = make_customers(shop, rng, start, len(self.catalog.brands))
        self.product_ids = self.catalog.frame["product_id"].tolist()
        self.customer_ids = self.people.frame["customer_id"].tolist()
        self.product_index = {p: i for i, p in enumerate(self.product_ids)}
        self.customer_index = {c: i for i, c in enumerate(self.customer_ids)}
        self.z = lru_cache(maxsize=4096)(self._z)

    def _z(self, customer: int) -> np.ndarray:
        """(n_products,) standardised true relevance of every product for customer row ``customer``."""
        from shopmind.data.simulate_events import LANG_BONUS

        cat, people = self.catalog, self.people
        u = cat.style @ people.style[customer]  # (P, d) @ (d,) -> (P,)
        u = (
            u
            + people.brand_affinity[customer][cat.brand]
            - people.price_sensitivity[customer] * cat.price_level
        )
        u = u + cat.popularity + LANG_BONUS * (people.zh[customer] == cat.zh)
        u = u + np.log(people.pref[customer][cat.leaf] + 1e-3)
        return (u - u.mean()) / (u.std() + 1e-9)

    def relevance(self, customer_id: str, product_ids: list[str]) -> np.ndarray:
        """True relevance ``z`` of these products for this customer (unknown products: very low)."""
        z = self.z(self.customer_index[customer_id])
        return np.array([z[self.product_index[p]] if p in self.product_index else -5.0 for p in product_ids])

    def examination(self, n: int) -> np.ndarray:
        return np.arange(1, n + 1, dtype=float) ** -self.click.eta

    def visit(self, rng: np.random.Generator, relevance: np.ndarray, product_ids: list[str]) -> Visit:
        """One shopper's clicks and purchases on a list shown in this order, given its true relevance."""
        c = self.click
        n = len(product_ids)
        seen = rng.random(n) < self.examination(n)
        clicks = seen & (rng.random(n) < _sigmoid(c.click_scale * relevance + c.click_bias))
        buys = clicks & (rng.random(n) < _sigmoid(c.buy_scale * relevance + c.buy_bias))
        return Visit(
            [int(k) + 1 for k in np.flatnonzero(clicks)], [product_ids[k] for k in np.flatnonzero(buys)]
        )

    def conversion(self, relevance: np.ndarray) -> float:
        """The probability that a shopper buys at least one product of a list with this relevance."""
        c = self.click
        p = self.examination(len(relevance)) * _sigmoid(c.click_scale * relevance + c.click_bias)
        p = p * _sigmoid(c.buy_scale * relevance + c.buy_bias)
        return float(1 - np.prod(1 - p))

    # ------------------------------------------------------------------ search
    def leaf_of(self, product_ids: list[str]) -> np.ndarray:
        return np.array([self.catalog.leaf[self.product_index[p]] if p in self.product_index else -1
                         for p in product_ids])  # fmt: skip

    def query_relevance(self, leaf: int, product_ids: list[str]) -> np.ndarray:
        """Graded true relevance (0-3) of products for a query asking for leaf category ``leaf``: 0 for
        another category, else 1-3 by the product's appeal (popularity + quality) in the catalog's
        thirds — what a searcher of that category would prefer, which retrieval does not see."""
        cat = self.catalog
        appeal = cat.popularity + cat.quality
        cuts = np.quantile(appeal, [1 / 3, 2 / 3])
        idx = np.array([self.product_index.get(p, -1) for p in product_ids])
        grade = 1 + (appeal[idx] >= cuts[0]) + (appeal[idx] >= cuts[1])
        return np.where((idx >= 0) & (cat.leaf[idx] == leaf), grade, 0).astype(float)
