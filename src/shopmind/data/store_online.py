"""The store's online measurement: impressions (what an answer showed), their per-day counters, the
events and order lines tied to an impression (attributions), and experiments.

The per-day counters (``impression_days``, ``search_days``) are kept by the writer in the transaction
that inserts the impressions, so the dashboards read a few rows per day instead of every impression.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from shopmind.data import tables as T
from shopmind.data.errors import NotFoundError
from shopmind.data.sql import chunks, plain

SHOWN = ("impression_id", "at", "surface", "customer_id", "session_id", "unit", "model_version",
         "experiment_id", "arm", "products")  # fmt: skip
GROUP = ("day", "surface", "model_version", "experiment_id", "arm")


def _insert(dialect: str, table: sa.Table):
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


def _day(at: datetime) -> str:
    return at.strftime("%Y-%m-%d")


class OnlineQueries:
    """Impressions, attributions and experiments (a part of :class:`Store`)."""

    engine: Engine
    dialect: str

    # ------------------------------------------------------------------ impressions
    def log_impressions(self, rows: Sequence[Mapping[str, Any]]) -> int:
        """Insert impressions (an id seen before is skipped) and add them to the per-day counters, in
        one transaction; returns how many were new."""
        if not rows:
            return 0
        with self.engine.begin() as conn:
            new = self._new_impressions(conn, rows)
            if not new:
                return 0
            conn.execute(T.impressions.insert(), new)
            self._count_days(conn, new)
            self._enter_units(conn, new)
        return len(new)

    def _new_impressions(self, conn, rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        ids = {r["impression_id"] for r in rows}
        seen: set[str] = set()
        for part in chunks(ids):
            q = sa.select(T.impressions.c.impression_id).where(T.impressions.c.impression_id.in_(part))
            seen.update(conn.execute(q).scalars())
        out, taken = [], set()
        for r in rows:
            if r["impression_id"] not in seen and r["impression_id"] not in taken:
                taken.add(r["impression_id"])
                out.append(dict(r))
        return out

    def _count_days(self, conn, rows: Sequence[Mapping[str, Any]]) -> None:
        shown: Counter[tuple[str, ...]] = Counter()
        empty: Counter[tuple[str, ...]] = Counter()
        searched: Counter[tuple[str, str]] = Counter()
        unanswered: Counter[tuple[str, str]] = Counter()
        for r in rows:
            key = (_day(r["at"]), r["surface"], r.get("model_version") or "", r.get("experiment_id") or "",
                   r.get("arm") or "")  # fmt: skip
            shown[key] += 1
            empty[key] += int(r.get("results") == 0)
            if r["surface"] == "search" and r.get("query"):
                q = (key[0], " ".join(str(r["query"]).lower().split())[:200])
                searched[q] += 1
                unanswered[q] += int(r.get("results") == 0)
        d = T.impression_days
        stmt = _insert(self.dialect, d)
        stmt = stmt.on_conflict_do_update(
            index_elements=list(GROUP),
            set_={"impressions": d.c.impressions + stmt.excluded.impressions,
                  "no_results": d.c.no_results + stmt.excluded.no_results},
        )  # fmt: skip
        conn.execute(stmt, [dict(zip(GROUP, k, strict=True)) | {"impressions": n, "no_results": empty[k]}
                            for k, n in shown.items()])  # fmt: skip
        if searched:
            s = T.search_days
            stmt = _insert(self.dialect, s)
            stmt = stmt.on_conflict_do_update(
                index_elements=["day", "query"],
                set_={"searches": s.c.searches + stmt.excluded.searches,
                      "no_results": s.c.no_results + stmt.excluded.no_results},
            )  # fmt: skip
            conn.execute(stmt, [{"day": d_, "query": q, "searches": n, "no_results": unanswered[(d_, q)]}
                                for (d_, q), n in searched.items()])  # fmt: skip

    def _enter_units(self, conn, rows: Sequence[Mapping[str, Any]]) -> None:
        """Each experiment's units (first impression wins), so its analysis never scans impressions."""
        units: dict[tuple[str, str], dict[str, Any]] = {}
        for r in rows:
            if r.get("experiment_id"):
                row = {"experiment_id": r["experiment_id"], "unit": r["unit"], "arm": r.get("arm") or "",
                       "first_at": r["at"]}  # fmt: skip
                units.setdefault((r["experiment_id"], r["unit"]), row)
        if units:
            stmt = _insert(self.dialect, T.experiment_units).on_conflict_do_nothing()
            conn.execute(stmt, list(units.values()))

    def impressions_by_ids(self, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """The impressions with these ids (unknown ids are left out)."""
        i = T.impressions
        out: dict[str, dict[str, Any]] = {}
        with self.engine.connect() as conn:
            for part in chunks(ids):
                q = sa.select(*(i.c[c] for c in SHOWN)).where(i.c.impression_id.in_(part))
                out.update((r["impression_id"], plain(r)) for r in conn.execute(q).mappings())
        return out

    def impressions_seen_by(
        self, customers: Iterable[str], sessions: Iterable[str], since: datetime, until: datetime
    ) -> list[dict[str, Any]]:
        """Impressions shown to these customers or sessions between ``since`` and ``until``, oldest first."""
        i = T.impressions
        rows: dict[str, dict[str, Any]] = {}
        when = (i.c.at >= since) & (i.c.at <= until)
        with self.engine.connect() as conn:
            for column, values in ((i.c.customer_id, customers), (i.c.session_id, sessions)):
                for part in chunks(v for v in values if v):
                    q = sa.select(*(i.c[c] for c in SHOWN)).where(column.in_(part) & when)
                    rows.update((r["impression_id"], plain(r)) for r in conn.execute(q).mappings())
        return sorted(rows.values(), key=lambda r: r["at"])

    def search_click_log(
        self, since: datetime, min_searches: int, max_rows: int, max_queries: int = 5_000
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """What learning search ranking from clicks reads: the search impressions since ``since`` of the
        queries searched at least ``min_searches`` times (the ``max_queries`` most searched, found in the
        per-day counters), newest first, at most ``max_rows``; and the clicks attributed to them (at most
        ``max_rows``). Impressions: impression_id, query, unit, model_kind, products; clicks:
        impression_id, unit, product_id, position."""
        d, i, a = T.search_days, T.impressions, T.attributions
        busy_q = (
            sa.select(d.c.query)
            .where(d.c.day >= _day(since))
            .group_by(d.c.query)
            .having(sa.func.sum(d.c.searches) >= min_searches)
            .order_by(sa.func.sum(d.c.searches).desc())
            .limit(max_queries)
        )
        busy = busy_q.subquery()
        where = (i.c.surface == "search") & (i.c.at >= since) & i.c.query.in_(sa.select(busy.c.query))
        with self.engine.connect() as conn:
            cols = [i.c.impression_id, i.c.query, i.c.unit, i.c.model_kind, i.c.products]
            q = sa.select(*cols).where(where).order_by(i.c.at.desc()).limit(max_rows)
            shown = [dict(r) for r in conn.execute(q).mappings()]
            clicks_q = (
                sa.select(a.c.impression_id, a.c.unit, a.c.product_id, a.c.position)
                .join(i, i.c.impression_id == a.c.impression_id)
                .where(where & (a.c.type == "click") & (a.c.how != "mismatch"))
                .order_by(a.c.at)
                .limit(max_rows)
            )
            clicks = [dict(r) for r in conn.execute(clicks_q).mappings()]
        return shown, clicks

    def first_impression_at(self) -> datetime | None:
        with self.engine.connect() as conn:
            at = conn.execute(sa.select(sa.func.min(T.impressions.c.at))).scalar()
        return plain({"at": at})["at"] if at is not None else None

    def impression_count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(T.impressions)).scalar_one())

    # ------------------------------------------------------------------ attribution inputs
    def events_to_attribute(self, since: datetime, types: Sequence[str]) -> list[dict[str, Any]]:
        """Product events of ``types`` at or after ``since`` (the full pass of the attribution)."""
        e = T.events
        cols = (e.c.event_id, e.c.customer_id, e.c.session_id, e.c.type, e.c.product_id, e.c.value, e.c.ts,
                e.c.impression_id)  # fmt: skip
        q = sa.select(*cols).where((e.c.ts >= since) & e.c.type.in_(list(types)) & e.c.product_id.isnot(None))
        with self.engine.connect() as conn:
            return [plain(r) for r in conn.execute(q).mappings()]

    def events_by_batches(self, batches: Sequence[int], types: Sequence[str]) -> list[dict[str, Any]]:
        """Product events of ``types`` written in these change-log batches."""
        e = T.events
        cols = (e.c.event_id, e.c.customer_id, e.c.session_id, e.c.type, e.c.product_id, e.c.value, e.c.ts,
                e.c.impression_id)  # fmt: skip
        out: list[dict[str, Any]] = []
        with self.engine.connect() as conn:
            for part in chunks(batches):
                q = sa.select(*cols).where(e.c.change_seq.in_(part) & e.c.type.in_(list(types)))
                out += [plain(r) for r in conn.execute(q).mappings() if r["product_id"]]
        return out

    def order_lines(
        self, order_ids: Iterable[str] | None = None, since: datetime | None = None
    ) -> list[dict]:
        """Lines of these orders (or of the orders placed since ``since``) with the order's customer and
        time; cancelled orders are left out."""
        o, it = T.orders, T.order_items
        q = sa.select(o.c.order_id, it.c.line_no, o.c.customer_id, o.c.placed_at, it.c.product_id,
                      it.c.quantity, it.c.unit_price).join(it, it.c.order_id == o.c.order_id)  # fmt: skip
        q = q.where(o.c.status != "cancelled")
        with self.engine.connect() as conn:
            if order_ids is None:
                return [plain(r) for r in conn.execute(q.where(o.c.placed_at >= since)).mappings()]
            out: list[dict[str, Any]] = []
            for part in chunks(order_ids):
                out += [plain(r) for r in conn.execute(q.where(o.c.order_id.in_(part))).mappings()]
            return out

    def add_attributions(self, rows: Sequence[Mapping[str, Any]]) -> int:
        """Record attributions (a source attributed before keeps its first attribution)."""
        if not rows:
            return 0
        stmt = _insert(self.dialect, T.attributions).on_conflict_do_nothing(index_elements=["source_id"])
        with self.engine.begin() as conn:
            return conn.execute(stmt, list(rows)).rowcount or 0

    # ------------------------------------------------------------------ experiments
    def save_experiment(self, row: Mapping[str, Any]) -> None:
        """Insert or replace an experiment."""
        x = T.experiments
        stmt = _insert(self.dialect, x)
        stmt = stmt.on_conflict_do_update(
            index_elements=["experiment_id"], set_={c.name: stmt.excluded[c.name] for c in x.columns}
        )
        with self.engine.begin() as conn:
            conn.execute(stmt, [dict(row)])

    def experiments(self) -> list[dict[str, Any]]:
        x = T.experiments
        with self.engine.connect() as conn:
            return [plain(r) for r in conn.execute(sa.select(x).order_by(x.c.created_at.desc())).mappings()]

    def experiment(self, experiment_id: str) -> dict[str, Any]:
        x = T.experiments
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(x).where(x.c.experiment_id == experiment_id)).mappings().first()
        if row is None:
            raise NotFoundError(f"no experiment {experiment_id!r}")
        return plain(row)

    def last_attribution_at(self) -> datetime | None:
        """When the latest attributed event or order happened (None before any)."""
        with self.engine.connect() as conn:
            at = conn.execute(sa.select(sa.func.max(T.attributions.c.at))).scalar()
        return plain({"at": at})["at"] if at is not None else None
