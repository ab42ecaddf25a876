"""The honest result set's parts: the ranked matches and related products, price-intent ordering, and
what the shopper is told (facet names in their language, "no exact match …", unknown filter values)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from shopmind.search import analyze as A
from shopmind.search.labels import field_name
from shopmind.search.query import Chip, ParsedQuery

PRICE_INTENT_WEIGHT = 0.2  # share of the price rank for "cheap"/"premium" (chosen on the suite dev part)


@dataclass
class Ranked:
    """A query's products in order: the matches, then the related products (near, not matching)."""

    slots: np.ndarray  # matching slots, best first
    scores: np.ndarray
    related: np.ndarray  # related slots, best first
    related_scores: np.ndarray
    relaxed: list[Chip] = field(default_factory=list)  # constraints dropped to find related products

    @property
    def no_match(self) -> bool:
        return len(self.slots) == 0

    def ranked_ids(self, ids: list[str | None], k: int = 100) -> list[str]:
        """The first ``k`` product ids as a shopper sees them: matches, then related products."""
        both = np.concatenate([self.slots, self.related])[:k]
        return [ids[s] for s in both if ids[s]]


def price_intent_order(parsed: ParsedQuery, slots: np.ndarray, scores: np.ndarray, cols):
    """A price intent orders the matches by ``(1 - w) * score / max score + w * price rank`` (cheapest
    = 1 for "cheap", dearest = 1 for "premium"; w = ``PRICE_INTENT_WEIGHT``), whatever the score scale:
    matches that score alike are ordered by price, a clearly better match keeps some of its lead."""
    intent = parsed.price_intent
    if intent is None or len(slots) < 2:
        return slots, scores
    prices = np.nan_to_num(cols.price[slots], nan=np.inf if intent == "low" else -np.inf)
    pos = np.argsort(np.argsort(prices if intent == "low" else -prices, kind="stable"), kind="stable")
    w = PRICE_INTENT_WEIGHT
    top = float(scores.max())
    rel = scores.astype(np.float64) / top if top > 0 else np.ones(len(slots))
    boosted = (1.0 - w) * np.clip(rel, 0.0, 1.0) + w * (1.0 - pos / (len(slots) - 1))
    order = np.argsort(-boosted, kind="stable")
    return slots[order], boosted[order]


def facet_labels(facets: dict[str, Any], lang: str) -> dict[str, str]:
    """The facets to show a shopper, in display order, with their names in ``lang``: an attribute
    spelled in both languages (colour / 颜色) is shown once, in the shopper's language."""
    attrs = [k for k in facets if k.startswith("attributes.")]
    has_zh = any(A.has_han(k) for k in attrs)
    has_en = any(not A.has_han(k) for k in attrs)
    out = {}
    for name in facets:
        if name.startswith("attributes.") and has_zh and has_en and A.has_han(name) != (lang == "zh"):
            continue
        out[name] = "价格" if name == "price" and lang == "zh" else field_name(name, lang)
    return out


def message(query: str, parsed: ParsedQuery, total: int, unknown: list[dict[str, str]]) -> str | None:
    """What the shopper should be told about this result, in their language (None: nothing)."""
    zh = parsed.lang == "zh"
    if unknown:
        said = ", ".join(f"{u['field']} “{u['value']}”" for u in unknown)
        return f"没有商品符合筛选条件：{said}" if zh else f"No product has {said}"
    if total == 0 and query.strip():
        shown = parsed.corrected or query.strip()
        if zh:
            return f"没有与“{shown}”完全匹配的商品，以下是相关商品"
        return f"No exact match for “{shown}”; showing related products"
    return None
