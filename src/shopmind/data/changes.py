"""The change log: every write to the shop's data records a change position in its own transaction.

Writes through the store (``Store.upsert``, ``upsert_frame``, ``replace_children``, ``write_frames``,
``delete_product``, the order life cycle) add rows to the ``changes`` table inside the transaction of
the write, so a change is visible exactly when the data it describes is:

- products, customers, orders and docs: one row per written or deleted key (``op`` upsert or delete;
  an order's items and status timeline are changes of the order);
- events: one row per written batch (``op`` batch); each event row carries that row's ``seq`` in the
  indexed ``events.change_seq``, so the events of a batch are one indexed read. An event written again
  keeps its first ``change_seq``: events are facts, and counters built from them count each once.

Derived state follows the log with a :class:`Cursor` and :func:`read_since`, which returns the changes
the cursor has not seen and the cursor to continue from.

**Late commits.** ``seq`` comes from a sequence, and sequence order is not commit order: on
PostgreSQL a transaction can draw seq 10, another draws 11 and commits, a follower reads 11 — and 10
commits after that. Reading ``seq > high`` alone would skip it. The cursor therefore also keeps the
snapshot's in-flight transactions (``pg_current_snapshot()``, taken by the same statement as the read):
a change the cursor has not seen either has ``seq > high`` or was written by one of those transactions,
so the next read asks for ``seq > high OR txid IN (in-flight)`` — exact, with no window or timeout.
This holds because a writer takes its transaction id *before* it draws a seq (:func:`_txid`): a
transaction that was not yet in flight at the read draws only seqs above every seq the read saw.
SQLite has one writer at a time, which draws its seqs and commits before the next one starts, so
``seq > high`` is exact there and ``txid`` stays empty.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from shopmind.data import tables as T
from shopmind.data.sql import chunks, frame

if TYPE_CHECKING:
    import pandas as pd

# Tables whose writes are logged key by key: table -> (logged table, key column).
TRACKED: Mapping[str, tuple[str, str]] = {
    "products": ("products", "product_id"),
    "customers": ("customers", "customer_id"),
    "orders": ("orders", "order_id"),
    "order_items": ("orders", "order_id"),
    "order_status": ("orders", "order_id"),
    "docs": ("docs", "doc_id"),
}
BATCHED = frozenset({"events"})  # logged once per written batch; rows carry the batch's seq
STAMP = "change_seq"  # the column of a batched table holding its batch's seq
UPSERT, DELETE, BATCH, PRUNED = "upsert", "delete", "batch", "pruned"
LOG = "changes"  # table_name of the marker a prune leaves (key: the highest seq removed)
TOP = 2**62  # above any seq the log will draw


@dataclass(frozen=True)
class Cursor:
    """A position in the change log: every change with ``seq <= high`` not written by a transaction in
    ``xip`` (in flight at the read, PostgreSQL only) has been seen."""

    high: int = 0  # the highest seq read
    xip: frozenset[int] = field(default_factory=frozenset)  # transactions in flight at the read

    def sees(self, seq: int, txid: int | None) -> bool:
        """Whether the change ``seq`` written by ``txid`` was seen at this cursor."""
        return seq <= self.high and (txid is None or txid not in self.xip)

    @staticmethod
    def earliest(cursors: Iterable[Cursor]) -> Cursor:
        """A cursor that has seen only what every one of ``cursors`` has seen."""
        cursors = list(cursors)
        return Cursor(min(c.high for c in cursors), frozenset().union(*(c.xip for c in cursors)))


@dataclass(frozen=True)
class Change:
    """One row of the change log."""

    seq: int
    table: str  # products | customers | orders | docs | events (or LOG for a prune marker)
    key: str | None  # the row's id; None for a batch
    op: str  # UPSERT | DELETE | BATCH | PRUNED
    txid: int | None = None


@dataclass(frozen=True)
class Changes:
    """The changes after a cursor, in seq order, and the cursor to read on from."""

    cursor: Cursor
    rows: tuple[Change, ...] = ()
    more: bool = False  # the read stopped at its limit: read again from ``cursor``

    @property
    def position(self) -> int:
        return self.cursor.high

    def __len__(self) -> int:
        return len(self.rows)

    def since(self, cursor: Cursor) -> Changes:
        """Only the changes ``cursor`` has not seen."""
        return Changes(self.cursor, tuple(r for r in self.rows if not cursor.sees(r.seq, r.txid)), self.more)

    def pruned_past(self, cursor: Cursor) -> bool:
        """Whether the log was pruned past ``cursor`` (its state must be reloaded in full)."""
        return any(r.op == PRUNED and int(r.key or 0) > cursor.high for r in self.rows)

    def keys(self, table: str) -> set[str]:
        """The keys of ``table`` written or deleted (read their current rows to apply them)."""
        return {r.key for r in self.rows if r.table == table and r.key is not None and r.op != PRUNED}

    def deleted(self, table: str) -> set[str]:
        return {r.key for r in self.rows if r.table == table and r.op == DELETE and r.key is not None}

    def batches(self, table: str) -> list[int]:
        """The seqs of the batches written to a batched table (its rows carry them in ``change_seq``)."""
        return [r.seq for r in self.rows if r.table == table and r.op == BATCH]


# ---------------------------------------------------------------------------------------------- writes
def _txid(conn: Connection) -> int | None:
    """PostgreSQL: the transaction's id, assigned now if it has none yet — before any seq is drawn,
    which is what makes :func:`read_since` exact (see the module docstring). None on SQLite."""
    if conn.dialect.name != "postgresql":
        return None
    return int(conn.exec_driver_sql("SELECT pg_current_xact_id()::text::bigint").scalar_one())


def record_keys(conn: Connection, table: str, keys: Iterable[Any], op: str = UPSERT) -> None:
    """Log that the rows of ``table`` with these keys were written (or deleted), in ``conn``'s transaction."""
    logged = TRACKED[table][0]
    ids = [str(k) for k in dict.fromkeys(keys)]
    if not ids:
        return
    txid = _txid(conn)
    if txid is None:
        sql = "INSERT INTO changes (table_name, key, op) VALUES (?, ?, ?)"
        conn.exec_driver_sql(sql, [(logged, k, op) for k in ids])
        return
    sql = (
        "INSERT INTO changes (table_name, key, op, txid) "
        "SELECT :table, k, :op, :txid FROM unnest(CAST(:keys AS TEXT[])) AS k"
    )
    conn.execute(sa.text(sql), {"table": logged, "op": op, "txid": txid, "keys": ids})


def record_batch(conn: Connection, table: str) -> int:
    """Log one written batch of ``table`` (events); returns its seq, for the rows' ``change_seq``."""
    c = T.changes
    stmt = c.insert().values(table_name=table, op=BATCH, txid=_txid(conn)).returning(c.c.seq)
    return int(conn.execute(stmt).scalar_one())


def prune(conn: Connection, before: datetime) -> int:
    """Remove the changes logged before ``before``, leaving a marker that tells a follower whose cursor
    is older to reload; returns how many were removed."""
    c = T.changes
    upto = conn.execute(sa.select(sa.func.max(c.c.seq)).where(c.c.at < before, c.c.op != PRUNED)).scalar()
    if upto is None:
        return 0
    removed = conn.execute(c.delete().where(c.c.seq <= upto)).rowcount
    conn.execute(c.insert().values(table_name=LOG, key=str(upto), op=PRUNED, txid=_txid(conn)))
    return int(removed)


# ----------------------------------------------------------------------------------------------- reads
_PG_READ = """
SELECT s.snap, c.seq, c.table_name, c.key, c.op, c.txid
FROM (SELECT pg_current_snapshot()::text AS snap) AS s
LEFT JOIN LATERAL (
    SELECT seq, table_name, key, op, txid FROM changes WHERE {where} ORDER BY seq LIMIT :limit
) AS c ON true
ORDER BY c.seq
"""


def _in_flight(snapshot: str) -> frozenset[int]:
    """The in-flight transaction ids of a ``pg_snapshot`` text (``xmin:xmax:xip,xip``)."""
    xip = snapshot.split(":")[2]
    return frozenset(int(x) for x in xip.split(",") if x)


def read_since(
    conn: Connection, cursor: Cursor, tables: Sequence[str] | None = None, limit: int = 10_000
) -> Changes:
    """The changes ``cursor`` has not seen (at most ``limit``, in seq order; of ``tables`` only when
    given, plus prune markers) and the cursor after them (for those tables only)."""
    names = None if tables is None else [*tables, LOG]
    if conn.dialect.name != "postgresql":
        c = T.changes
        stmt = sa.select(c.c.seq, c.c.table_name, c.c.key, c.c.op, c.c.txid).where(c.c.seq > cursor.high)
        if names is not None:
            stmt = stmt.where(c.c.table_name.in_(names))
        rows = [Change(*r) for r in conn.execute(stmt.order_by(c.c.seq).limit(limit))]
        high = rows[-1].seq if rows else cursor.high
        return Changes(Cursor(max(high, cursor.high)), tuple(rows), len(rows) == limit)
    # a two-sided range: without statistics yet (a log just filled) the planner still takes the index
    after = "seq > :high AND seq < :top"
    where = f"({after} OR txid = ANY(CAST(:xip AS BIGINT[])))" if cursor.xip else after
    params: dict[str, Any] = {"high": cursor.high, "top": TOP, "limit": limit}
    if cursor.xip:
        params["xip"] = sorted(cursor.xip)
    if names is not None:
        where += " AND table_name = ANY(CAST(:tables AS TEXT[]))"
        params["tables"] = names
    result = conn.execute(sa.text(_PG_READ.format(where=where)), params).all()
    rows = [Change(int(r[1]), r[2], r[3], r[4], r[5]) for r in result if r[1] is not None]
    high = max([cursor.high, *(r.seq for r in rows)])
    return Changes(Cursor(high, _in_flight(result[0][0])), tuple(rows), len(rows) == limit)


def head(conn: Connection) -> Cursor:
    """The cursor of "now": everything committed so far counts as seen."""
    c = T.changes
    if conn.dialect.name != "postgresql":
        return Cursor(int(conn.execute(sa.select(sa.func.max(c.c.seq))).scalar() or 0))
    sql = "SELECT (SELECT max(seq) FROM changes), pg_current_snapshot()::text"
    high, snapshot = conn.execute(sa.text(sql)).one()
    return Cursor(int(high or 0), _in_flight(snapshot))


def _seen_events(cursor: Cursor) -> sa.ColumnElement[bool]:
    """Events whose batch ``cursor`` has seen (events without a batch count as seen)."""
    e, c = T.events, T.changes
    unbatched = e.c.change_seq.is_(None)
    seen = e.c.change_seq <= cursor.high
    if cursor.xip:
        late = sa.select(c.c.seq).where(c.c.txid.in_(sorted(cursor.xip)))
        seen = sa.and_(seen, e.c.change_seq.not_in(late))
    return sa.or_(unbatched, seen)


class ChangeQueries:
    """The change log and the reads that follow it (a part of :class:`~shopmind.data.store.Store`)."""

    engine: Engine

    def change_position(self) -> int:
        """The newest change's seq (0 with none): a write is followed once a follower reaches it."""
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.max(T.changes.c.seq))).scalar() or 0)

    def change_cursor(self) -> Cursor:
        """A cursor that has seen every change committed so far (for a follower's full load)."""
        with self.engine.connect() as conn:
            return head(conn)

    def changes_since(
        self, position: int | Cursor, tables: Sequence[str] | None = None, limit: int = 10_000
    ) -> Changes:
        """The changes after ``position`` (a seq or a :class:`Cursor`) and the cursor to continue from."""
        cursor = position if isinstance(position, Cursor) else Cursor(int(position))
        with self.engine.connect() as conn:
            return read_since(conn, cursor, tables, limit)

    def prune_changes(self, before: datetime) -> int:
        """Remove the change rows logged before ``before`` (followers behind them reload in full)."""
        with self.engine.begin() as conn:
            return prune(conn, before)

    def records_by_keys(self, table: str, keys: Iterable[str]) -> list[dict[str, Any]]:
        """The current rows of ``table`` with these keys (missing ones are absent), as frame records."""
        import pandas as pd

        tbl = T.metadata.tables[table]
        column = tbl.c[T.PRIMARY_KEYS[table][0]]
        parts = [frame(self.engine, tbl, [column.in_(ids)]) for ids in chunks(str(k) for k in keys)]
        parts = [p for p in parts if len(p)]
        return pd.concat(parts, ignore_index=True).to_dict("records") if parts else []

    def products_by_ids(self, ids: Iterable[str]) -> list[dict[str, Any]]:
        return self.records_by_keys("products", ids)

    def docs_by_ids(self, ids: Iterable[str]) -> list[dict[str, Any]]:
        return self.records_by_keys("docs", ids)

    def event_counts(
        self,
        column: str,
        event_type: str,
        *,
        at: Cursor | None = None,
        batches: Sequence[int] | None = None,
    ) -> dict[str, int]:
        """``{value of column: number of events}`` over the events of ``event_type``: all of them, those whose
        batch ``at`` has seen (a full load consistent with a cursor), or those of ``batches``."""
        e = T.events
        col = e.c[column]
        stmt = sa.select(col, sa.func.count()).where(e.c.type == event_type, col.is_not(None)).group_by(col)
        if at is not None:
            stmt = stmt.where(_seen_events(at))
        counts: dict[str, int] = {}
        with self.engine.connect() as conn:
            for part in [None] if batches is None else chunks(batches):
                query = stmt if part is None else stmt.where(e.c.change_seq.in_(part))
                for value, n in conn.execute(query):
                    counts[value] = counts.get(value, 0) + int(n)
        return counts

    def events_in_batches(self, batches: Sequence[int], columns: Sequence[str] | None = None) -> pd.DataFrame:
        """The events written by these batches (seqs of ``batch`` changes), as a frame."""
        import pandas as pd

        e = T.events
        parts = [frame(self.engine, e, [e.c.change_seq.in_(part)], columns) for part in chunks(batches)]
        return pd.concat(parts, ignore_index=True) if parts else frame(self.engine, e, [sa.false()], columns)
