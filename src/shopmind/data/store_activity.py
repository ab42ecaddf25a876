"""The store's behaviour queries: events by customer, product and day, and what customers bought."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from shopmind.data import tables as T
from shopmind.data.sql import frame, page

if TYPE_CHECKING:
    import pandas as pd


class ActivityQueries:
    """Reads of behaviour events (a part of :class:`Store`)."""

    engine: Engine

    def list_events(
        self, *, customer_id: str | None = None, type: str | None = None, limit: int = 50, offset: int = 0
    ) -> tuple[list[dict[str, Any]], int]:
        """Events, newest first."""
        e = T.events
        cond = []
        if customer_id:
            cond.append(e.c.customer_id == customer_id)
        if type:
            cond.append(e.c.type == type)
        return page(self.engine, e, cond, e.c.ts.desc(), limit, offset)

    def product_events(self, types: Iterable[str], columns: Sequence[str] | None = None) -> pd.DataFrame:
        """Events of the given types by a known customer on a product, as a frame (in no set order)."""
        e = T.events
        cond = [e.c.customer_id.is_not(None), e.c.product_id.is_not(None), e.c.type.in_(list(types))]
        return frame(self.engine, e, cond, columns)

    def recent_product_ids(self, customer_id: str, types: Iterable[str], limit: int) -> list[str]:
        """The products of the customer's ``limit`` newest events of the given types, oldest first."""
        e = T.events
        stmt = (
            sa.select(e.c.product_id)
            .where(e.c.customer_id == customer_id, e.c.product_id.is_not(None), e.c.type.in_(list(types)))
            .order_by(e.c.ts.desc())
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [r[0] for r in conn.execute(stmt)][::-1]

    def bought_products(self, customer_id: str) -> set[str]:
        """Every product in the customer's orders or purchase events."""
        o, oi, e = T.orders, T.order_items, T.events
        ordered = sa.select(oi.c.product_id).join(o, o.c.order_id == oi.c.order_id)
        purchased = sa.select(e.c.product_id).where(e.c.customer_id == customer_id, e.c.type == "purchase")
        with self.engine.connect() as conn:
            bought = {r[0] for r in conn.execute(ordered.where(o.c.customer_id == customer_id))}
            bought |= {r[0] for r in conn.execute(purchased)}
        return bought

    def purchase_counts(self) -> dict[str | None, int]:
        """``{product_id: number of purchase events}``."""
        e = T.events
        stmt = (
            sa.select(e.c.product_id, sa.func.count()).where(e.c.type == "purchase").group_by(e.c.product_id)
        )
        with self.engine.connect() as conn:
            return {pid: int(n) for pid, n in conn.execute(stmt)}

    def search_query_counts(self) -> dict[str, int]:
        """``{query: times searched}`` over the search events that logged a query."""
        e = T.events
        stmt = (
            sa.select(e.c.query, sa.func.count())
            .where(e.c.type == "search", e.c.query.is_not(None))
            .group_by(e.c.query)
        )
        with self.engine.connect() as conn:
            return {q: int(n) for q, n in conn.execute(stmt)}

    def event_time_anchor(self, n: int) -> datetime | None:
        """The time of the ``n``-th newest event, or of the oldest when there are fewer (None: no events)."""
        e = T.events
        with self.engine.connect() as conn:
            at = conn.execute(sa.select(e.c.ts).order_by(e.c.ts.desc()).limit(1).offset(n - 1)).scalar()
            if at is None:
                at = conn.execute(sa.select(sa.func.min(e.c.ts))).scalar()
        if at is None:
            return None
        return at if at.tzinfo else at.replace(tzinfo=UTC)

    def engagement_since(self, weights: Mapping[str, float], since: datetime) -> dict[str, float]:
        """``{product_id: sum of the weights of its events at or after since}`` (other types weigh 0)."""
        e = T.events
        weight = sa.case(*[(e.c.type == t, w) for t, w in weights.items()], else_=0.0)
        stmt = (
            sa.select(e.c.product_id, sa.func.sum(weight))
            .where(e.c.ts >= since, e.c.product_id.is_not(None))
            .group_by(e.c.product_id)
        )
        with self.engine.connect() as conn:
            return {pid: float(w or 0) for pid, w in conn.execute(stmt)}

    def events_per_day(self, days: int) -> list[dict[str, Any]]:
        """``[{"day": "YYYY-MM-DD", <type>: count, ...}]`` over the last ``days`` before the newest event,
        in day order (empty with no events)."""
        e = T.events
        by_day: dict[str, dict[str, int]] = {}
        with self.engine.connect() as conn:
            latest = conn.execute(sa.select(sa.func.max(e.c.ts))).scalar()
            if latest is None:
                return []
            day = sa.func.date(e.c.ts)
            stmt = (
                sa.select(day, e.c.type, sa.func.count())
                .where(e.c.ts >= latest - timedelta(days=days))
                .group_by(day, e.c.type)
                .order_by(day)
            )
            for d, kind, n in conn.execute(stmt):
                by_day.setdefault(str(d), {})[kind] = int(n)
        return [{"day": d, **counts} for d, counts in by_day.items()]
