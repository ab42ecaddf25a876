"""The store's abuse controls, shared by every replica: token buckets of the rate limits, who sent each
public event (a visitor key), the moderated suggestions, and the visitor-capped counts that
suggestions and trending are built from.

A *visitor key* names who is behind an event: ``c:<customer id>`` for a signed-in customer and
``a:<address hash>`` for anyone else using the public key (every guest id and session id from one
address is one visitor) — both recorded in ``event_sources`` when the API writes the event. Events
loaded by the shop itself (files, admin API) have no source row and are trusted: their visitor is
their customer, else their session, else the event itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from shopmind.data import tables as T

STATUSES = ("approved", "hidden")  # a moderation rule: always offer, or never offer


def _insert(dialect: str, table: sa.Table):
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


def visitor_key(e: sa.Table, s: sa.Table) -> sa.ColumnElement:
    """The visitor key of an event row ``e`` left-joined with its source row ``s`` (module docstring)."""
    return sa.func.coalesce(
        s.c.visitor,
        sa.literal("c:") + e.c.customer_id,
        sa.literal("s:") + sa.func.nullif(e.c.session_id, ""),
        sa.literal("e:") + e.c.event_id,
    )


class AbuseQueries:
    """Rate-limit buckets, event sources and suggestion rules (a part of :class:`Store`)."""

    engine: Engine
    dialect: str

    # ------------------------------------------------------------------ rate limits
    def take_tokens(self, keys: Iterable[str], capacity: float, rate: float, now: float) -> dict[str, float]:
        """Take one request from each bucket in ``keys`` (``capacity`` requests, refilled at ``rate`` per
        second) in one UPSERT; returns each bucket's tokens left after it — negative means over the
        limit (a refused request still spends one, down to -1, so hammering keeps a client out)."""
        b = T.rate_buckets
        rows = [{"key": k, "tokens": capacity - 1.0, "updated_at": now} for k in dict.fromkeys(keys)]
        if not rows:
            return {}
        least, greatest = (sa.func.least, sa.func.greatest) if self.dialect == "postgresql" else (
            sa.func.min, sa.func.max)  # fmt: skip
        refilled = least(capacity, b.c.tokens + (now - b.c.updated_at) * rate)
        stmt = _insert(self.dialect, b).values(rows)
        stmt = stmt.on_conflict_do_update(
            index_elements=["key"], set_={"tokens": greatest(refilled - 1.0, -1.0), "updated_at": now}
        ).returning(b.c.key, b.c.tokens)
        with self.engine.begin() as conn:
            if self.dialect == "postgresql":  # no wait for the WAL flush: a crash forgives a few requests
                conn.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
            return {k: float(t) for k, t in conn.execute(stmt)}

    def prune_rate_buckets(self, before: float) -> int:
        """Drop buckets untouched since ``before`` (epoch seconds; a full bucket needs no row)."""
        b = T.rate_buckets
        with self.engine.begin() as conn:
            return conn.execute(b.delete().where(b.c.updated_at < before)).rowcount

    # ------------------------------------------------------------------ event sources
    def add_event_source(self, event_id: str, visitor: str, results: int | None = None) -> None:
        """Record who sent a public event (and, for a search, how many results it found)."""
        row = {"event_id": event_id, "visitor": visitor[:64], "results": results, "at": datetime.now(UTC)}
        stmt = _insert(self.dialect, T.event_sources).values(**row).on_conflict_do_nothing()
        with self.engine.begin() as conn:
            conn.execute(stmt)

    def log_events(self, events: list[dict[str, Any]], sources: list[dict[str, Any]]) -> None:
        """Write validated events and their sources (``event_id``, ``visitor``, ``results``) in one
        transaction, the sources first (an event without its source would count as trusted)."""
        now = datetime.now(UTC)
        rows = [{"at": now, **src, "visitor": src["visitor"][:64]} for src in sources]
        with self.begin() as conn:
            if rows:
                conn.execute(_insert(self.dialect, T.event_sources).on_conflict_do_nothing(), rows)
            self.upsert("events", events, conn)

    def prune_event_sources(self, before: datetime) -> int:
        s = T.event_sources
        with self.engine.begin() as conn:
            return conn.execute(s.delete().where(s.c.at < before)).rowcount

    # ------------------------------------------------------------------ suggestions
    def query_visitors(self, limit: int = 100_000, found_only: bool = True) -> dict[str, int]:
        """``{query: distinct visitors who searched it}``, most visitors first, at most ``limit``.
        ``found_only``: only searches that found results count (trusted, loaded searches always do)."""
        e, s = T.events, T.event_sources
        vkey = visitor_key(e, s)
        cond = [e.c.type == "search", e.c.query.is_not(None)]
        if found_only:
            cond.append(sa.or_(s.c.event_id.is_(None), s.c.results > 0))
        visitors = sa.func.count(sa.distinct(vkey))
        stmt = (
            sa.select(e.c.query, visitors)
            .select_from(e.outerjoin(s, s.c.event_id == e.c.event_id))
            .where(*cond)
            .group_by(e.c.query)
            .order_by(visitors.desc(), e.c.query)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return {q: int(n) for q, n in conn.execute(stmt)}

    def suggestion_rules(self) -> dict[str, str]:
        """``{normalised query: approved | hidden}``."""
        r = T.suggestion_rules
        with self.engine.connect() as conn:
            return dict(conn.execute(sa.select(r.c.query, r.c.status)).all())

    def set_suggestion_rule(self, query: str, status: str | None) -> None:
        """Approve or hide the normalised ``query``; ``None`` removes its rule."""
        r = T.suggestion_rules
        with self.engine.begin() as conn:
            if status is None:
                conn.execute(r.delete().where(r.c.query == query))
                return
            if status not in STATUSES:
                raise ValueError(f"unknown suggestion status {status!r}: use one of {', '.join(STATUSES)}")
            row = {"query": query, "status": status, "updated_at": datetime.now(UTC)}
            stmt = _insert(self.dialect, r).values(**row)
            conn.execute(stmt.on_conflict_do_update(index_elements=["query"], set_=row))

    # ------------------------------------------------------------------ trending
    def visitor_time_anchor(self, n: int, scan: int = 20_000) -> datetime | None:
        """The last event time of the ``n``-th most recently active visitor among the newest ``scan``
        events (the oldest of them when fewer visitors are there; None without events): one visitor's
        burst of events, however long, moves it by one visitor."""
        e, s = T.events, T.event_sources
        newest = (
            sa.select(visitor_key(e, s).label("vkey"), e.c.ts.label("ts"))
            .select_from(e.outerjoin(s, s.c.event_id == e.c.event_id))
            .order_by(e.c.ts.desc())
            .limit(scan)
            .subquery()
        )
        last = sa.func.max(newest.c.ts)
        by_visitor = sa.select(last).group_by(newest.c.vkey).order_by(last.desc()).limit(1).offset(n - 1)
        with self.engine.connect() as conn:
            at = conn.execute(by_visitor).scalar()
            if at is None:
                at = conn.execute(sa.select(sa.func.min(newest.c.ts))).scalar()
        if isinstance(at, str):  # SQLite returns an aggregate of a subquery's timestamps as text
            at = datetime.fromisoformat(at)
        if at is None:
            return None
        return at if at.tzinfo else at.replace(tzinfo=UTC)

    def capped_engagement(
        self, weights: Mapping[str, float], since: datetime, bot_per_minute: int
    ) -> dict[str, float]:
        """``{product_id: engagement}`` since ``since`` where each visitor counts each event type on a
        product at most once a day (its weight), and visitors with more than ``bot_per_minute``
        events in any one minute are left out."""
        e, s = T.events, T.event_sources
        vkey = visitor_key(e, s)
        joined = e.outerjoin(s, s.c.event_id == e.c.event_id)
        minute = (
            sa.func.date_trunc("minute", e.c.ts)
            if self.dialect == "postgresql"
            else sa.func.strftime("%Y-%m-%d %H:%M", e.c.ts)
        )
        bots = (
            sa.select(vkey)
            .select_from(joined)
            .where(e.c.ts >= since)
            .group_by(vkey, minute)
            .having(sa.func.count() > bot_per_minute)
        )
        kinds = list(weights)
        once = (
            sa.select(e.c.product_id.label("product_id"), e.c.type.label("type"))
            .select_from(joined)
            .where(e.c.ts >= since, e.c.product_id.is_not(None), e.c.type.in_(kinds), vkey.not_in(bots))
            .group_by(vkey, e.c.product_id, e.c.type, sa.func.date(e.c.ts))
            .subquery()
        )
        weight = sa.case(*[(once.c.type == t, w) for t, w in weights.items()], else_=0.0)
        stmt = sa.select(once.c.product_id, sa.func.sum(weight)).group_by(once.c.product_id)
        with self.engine.connect() as conn:
            return {pid: float(w or 0) for pid, w in conn.execute(stmt)}
