"""The store's reads for online metrics: per-day impression counters, what was attributed to them, the
search log's counters, and an experiment's units and outcomes.

A purchase of one product counts once per impression whichever way it was reported (a purchase event,
an order line, or both): its revenue is the largest reported value.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from shopmind.data import tables as T

GROUP = ("day", "surface", "model_version", "experiment_id", "arm")
TYPES = ("click", "add_to_cart", "purchase")


def _attributed(where: sa.ColumnElement[bool]) -> sa.Select:
    """Per impression: whether it was clicked, added to cart, bought, and its revenue (rule above)."""
    a = T.attributions
    keys = [a.c[c] for c in (*GROUP, "unit", "impression_id")]
    per_product = (
        sa.select(*keys, a.c.product_id,
                  *(sa.func.max(sa.case((a.c.type == t, 1), else_=0)).label(t) for t in TYPES),
                  sa.func.max(sa.case((a.c.type == "purchase", a.c.value), else_=0.0)).label("revenue"))
        .where(where & (a.c.how != "mismatch"))
        .group_by(*keys, a.c.product_id)
        .subquery()
    )  # fmt: skip
    pk = [per_product.c[c] for c in (*GROUP, "unit", "impression_id")]
    return sa.select(
        *pk, *(sa.func.max(per_product.c[t]).label(t) for t in TYPES),
        sa.func.sum(per_product.c.revenue).label("revenue"),
    ).group_by(*pk)  # fmt: skip


class OnlineMetricQueries:
    """Reads behind the online metrics and experiment analysis (a part of :class:`Store`)."""

    engine: Engine

    def impression_days(self, since: str, experiment_id: str | None = None) -> list[dict[str, Any]]:
        """Per-day impression counters from day ``since`` (YYYY-MM-DD) on."""
        d = T.impression_days
        where = d.c.day >= since
        if experiment_id is not None:
            where &= d.c.experiment_id == experiment_id
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(sa.select(d).where(where)).mappings()]

    def attributed_days(self, since: str, experiment_id: str | None = None) -> list[dict[str, Any]]:
        """Per day, surface, model version and arm: impressions clicked, added to cart and bought, and the
        sum and sum of squares of revenue per impression."""
        a = T.attributions
        where = a.c.day >= since
        if experiment_id is not None:
            where &= a.c.experiment_id == experiment_id
        per = _attributed(where).subquery()
        keys = [per.c[c] for c in GROUP]
        q = sa.select(
            *keys, *(sa.func.sum(per.c[t]).label(t) for t in TYPES),
            sa.func.sum(per.c.revenue).label("revenue"),
            sa.func.sum(per.c.revenue * per.c.revenue).label("revenue_sq"),
        ).group_by(*keys)  # fmt: skip
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(q).mappings()]

    def mismatches(self, since: str) -> dict[str, int]:
        """Events whose impression id was unknown or another shopper's, per day."""
        a = T.attributions
        q = (
            sa.select(a.c.day, sa.func.count())
            .where((a.c.day >= since) & (a.c.how == "mismatch"))
            .group_by(a.c.day)
        )
        with self.engine.connect() as conn:
            return {d: int(n) for d, n in conn.execute(q)}

    def attribution_counts(self) -> dict[str, int]:
        """Attributions by how they were made (id, window, mismatch)."""
        a = T.attributions
        with self.engine.connect() as conn:
            return {h: int(n) for h, n in conn.execute(sa.select(a.c.how, sa.func.count()).group_by(a.c.how))}

    # ------------------------------------------------------------------ search analytics
    def search_counts(self, since: str) -> list[dict[str, Any]]:
        """Per query searched since day ``since``: searches and searches that found nothing."""
        s = T.search_days
        q = (
            sa.select(s.c.query, sa.func.sum(s.c.searches).label("searches"),
                      sa.func.sum(s.c.no_results).label("no_results"))
            .where(s.c.day >= since)
            .group_by(s.c.query)
        )  # fmt: skip
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(q).mappings()]

    def search_outcomes(self, since: str) -> list[dict[str, Any]]:
        """Per query: the searches clicked, and each product bought from them (how many times)."""
        a, i = T.attributions, T.impressions
        per = _attributed((a.c.day >= since) & (a.c.surface == "search")).subquery()
        j = per.join(i, i.c.impression_id == per.c.impression_id)
        clicked = sa.select(i.c.query, sa.func.sum(per.c.click).label("clicked")).select_from(j)
        bought = (
            sa.select(i.c.query, a.c.product_id, sa.func.count(sa.distinct(a.c.impression_id)).label("n"))
            .select_from(a.join(i, i.c.impression_id == a.c.impression_id))
            .where((a.c.day >= since) & (a.c.surface == "search") & (a.c.type == "purchase"))
            .group_by(i.c.query, a.c.product_id)
        )
        with self.engine.connect() as conn:
            rows = {q: {"query": q, "clicked": int(n or 0), "bought": {}}
                    for q, n in conn.execute(clicked.group_by(i.c.query))}  # fmt: skip
            for q, pid, n in conn.execute(bought):
                rows.setdefault(q, {"query": q, "clicked": 0, "bought": {}})["bought"][pid] = int(n)
        return list(rows.values())

    # ------------------------------------------------------------------ experiments
    def experiment_unit_counts(self, experiment_id: str) -> dict[str, int]:
        """Per arm: the units (customers or sessions) the experiment showed something to."""
        u = T.experiment_units
        q = sa.select(u.c.arm, sa.func.count()).where(u.c.experiment_id == experiment_id).group_by(u.c.arm)
        with self.engine.connect() as conn:
            return {arm: int(n) for arm, n in conn.execute(q)}

    def experiment_outcomes(self, experiment_id: str) -> list[dict[str, Any]]:
        """Per arm and unit: whether it clicked, added to cart, bought, and its revenue."""
        per = _attributed(T.attributions.c.experiment_id == experiment_id).subquery()
        keys = [per.c.arm, per.c.unit]
        q = sa.select(
            *keys,
            *(sa.func.max(per.c[t]).label(t) for t in TYPES),
            sa.func.sum(per.c.revenue).label("revenue"),
        ).group_by(*keys)
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(q).mappings()]
