"""Online metrics per surface × model version × day, and search analytics.

Per day, surface and model version: impressions; click-through, add-to-cart and conversion rates (the
share of impressions with at least one attributed click, add to cart, purchase), each with a Wilson
95 % interval; revenue per 1,000 impressions with a normal 95 % interval from the per-impression
revenue's mean and variance. Search analytics: top queries, queries with no results, queries with low
click-through, the zero-click rate, and what each query's searchers bought.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from shopmind.marketing.abtest import wilson

Z95 = 1.959963984540054
COUNTS = ("impressions", "no_results", "click", "add_to_cart", "purchase", "revenue", "revenue_sq")


def since_day(days: int, today: datetime | None = None) -> str:
    return ((today or datetime.now(UTC)) - timedelta(days=days - 1)).strftime("%Y-%m-%d")


def _rate(k: int, n: int) -> dict[str, Any]:
    if n <= 0:
        return {"value": None, "ci": None}
    return {"value": k / n, "ci": list(wilson(k, n))}


def per_mille(total: float, total_sq: float, n: int) -> dict[str, Any]:
    """Revenue per 1,000 impressions with a normal 95 % interval (per-impression revenue's variance)."""
    if n <= 0:
        return {"value": None, "ci": None}
    mean = total / n
    var = max(total_sq - n * mean * mean, 0.0) / (n - 1) if n > 1 else 0.0
    half = Z95 * math.sqrt(var / n)
    return {"value": 1000 * mean, "ci": [1000 * (mean - half), 1000 * (mean + half)]}


def summarise(c: dict[str, float]) -> dict[str, Any]:
    """Rates with intervals from one group's counts (:data:`COUNTS`)."""
    n = int(c.get("impressions", 0))
    return {
        "impressions": n,
        "clicks": int(c.get("click", 0)),
        "add_to_carts": int(c.get("add_to_cart", 0)),
        "conversions": int(c.get("purchase", 0)),
        "revenue": float(c.get("revenue", 0.0)),
        "ctr": _rate(int(c.get("click", 0)), n),
        "add_to_cart_rate": _rate(int(c.get("add_to_cart", 0)), n),
        "conversion_rate": _rate(int(c.get("purchase", 0)), n),
        "revenue_per_mille": per_mille(float(c.get("revenue", 0.0)), float(c.get("revenue_sq", 0.0)), n),
    }


def grouped(store: Any, since: str, keys: tuple[str, ...], experiment_id: str | None = None) -> dict:
    """Counts summed over everything but ``keys`` (e.g. day, surface, model_version)."""
    out: dict[tuple, dict[str, float]] = defaultdict(lambda: dict.fromkeys(COUNTS, 0.0))
    for row in store.impression_days(since, experiment_id):
        c = out[tuple(row[k] for k in keys)]
        c["impressions"] += row["impressions"]
        c["no_results"] += row["no_results"]
    for row in store.attributed_days(since, experiment_id):
        c = out[tuple(row[k] for k in keys)]
        for name in ("click", "add_to_cart", "purchase", "revenue", "revenue_sq"):
            c[name] += float(row[name] or 0)
    return out


def daily(store: Any, days: int = 30, surface: str | None = None) -> dict[str, Any]:
    """Per day, surface and model version: the metrics with their intervals, oldest day first; and the
    events whose impression id did not match (per day)."""
    since = since_day(days)
    rows = []
    for (day, surf, version), counts in sorted(
        grouped(store, since, ("day", "surface", "model_version")).items()
    ):
        if surface is None or surf == surface:
            rows.append({"day": day, "surface": surf, "model_version": version, **summarise(counts)})
    return {"since": since, "rows": rows, "mismatches": store.mismatches(since)}


def search_report(store: Any, days: int = 30, limit: int = 20, min_searches: int = 3) -> dict[str, Any]:
    """Search analytics since ``days`` ago (module docstring); ``min_searches``: a query needs this many
    searches to be listed among the low click-through ones."""
    since = since_day(days)
    outcome = {r["query"]: r for r in store.search_outcomes(since)}
    queries = []
    for r in store.search_counts(since):
        o = outcome.get(r["query"], {"clicked": 0, "bought": {}})
        n = int(r["searches"])
        bought = sorted(o["bought"].items(), key=lambda kv: -kv[1])[:5]
        queries.append({"query": r["query"], "searches": n, "no_results": int(r["no_results"]),
                        "clicked": o["clicked"], "ctr": o["clicked"] / n if n else None,
                        "bought": [{"product_id": p, "purchases": k} for p, k in bought]})  # fmt: skip
    searches = sum(q["searches"] for q in queries)
    clicked = sum(q["clicked"] for q in queries)
    answered = [q for q in queries if q["searches"] >= min_searches and q["no_results"] < q["searches"]]
    return {
        "since": since,
        "searches": searches,
        "zero_click_rate": _rate(searches - clicked, searches),
        "top": sorted(queries, key=lambda q: (-q["searches"], q["query"]))[:limit],
        "no_results": sorted((q for q in queries if q["no_results"]), key=lambda q: -q["no_results"])[:limit],
        "low_ctr": sorted(answered, key=lambda q: (q["ctr"], -q["searches"]))[:limit],
        "bought": [q for q in sorted(queries, key=lambda q: -q["searches"]) if q["bought"]][:limit],
    }
