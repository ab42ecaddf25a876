"""Store: the one gateway to the database (SQLite file by default, PostgreSQL by URL).

Reads come back as pandas frames or plain dicts, writes are upserts keyed by the
shop's ids inside transactions, and the schema is managed by Alembic migrations.
Every SQL statement of ShopMind lives in this package: the queries by subject are in
``store_catalog``, ``store_activity``, ``store_orders``, ``store_keys``, ``store_abuse`` (rate limits,
event sources, suggestion rules), ``store_online`` and ``store_online_metrics`` (impressions,
attributions, experiments), ``state`` (shared state) and
``job_rows`` (the job queue) (parts of :class:`Store`) and
``conversations``; code outside ``shopmind.data`` calls their methods.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from shopmind.data import tables as T
from shopmind.data.changes import BATCHED, STAMP, TRACKED, ChangeQueries, record_batch, record_keys
from shopmind.data.errors import InvalidTransitionError, NotFoundError
from shopmind.data.job_rows import JobQueries
from shopmind.data.sql import frame, matching, one, plain
from shopmind.data.state import StateQueries
from shopmind.data.store_abuse import AbuseQueries
from shopmind.data.store_activity import ActivityQueries
from shopmind.data.store_catalog import CatalogQueries
from shopmind.data.store_embeddings import EmbeddingQueries
from shopmind.data.store_keys import KeyQueries
from shopmind.data.store_online import OnlineQueries
from shopmind.data.store_online_metrics import OnlineMetricQueries
from shopmind.data.store_orders import OrderQueries

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
PG_CONNECT_TIMEOUT = 3  # seconds to open a PostgreSQL connection
__all__ = ["InvalidTransitionError", "NotFoundError", "Store", "frame_records", "make_engine"]


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA cache_size=-262144")  # 256 MiB page cache: large upserts stay fast
    cur.execute("PRAGMA temp_store=MEMORY")
    cur.close()


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite files get WAL mode and their folder created."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"check_same_thread": False})
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # Pre-ping replaces connections a database restart closed; the connect timeout bounds how long a
    # request waits on an unreachable server before it is answered 503.
    timeout = {} if "connect_timeout" in url else {"connect_timeout": PG_CONNECT_TIMEOUT}
    return sa.create_engine(url, pool_pre_ping=True, connect_args=timeout)


class Store(
    CatalogQueries,
    ActivityQueries,
    OrderQueries,
    KeyQueries,
    StateQueries,
    JobQueries,
    ChangeQueries,
    EmbeddingQueries,
    AbuseQueries,
    OnlineQueries,
    OnlineMetricQueries,
):
    """Sessions, upserts and queries over the ShopMind data model. Every write to products, customers,
    events, orders and docs is logged in the change log in its own transaction (:mod:`.changes`)."""

    def __init__(self, url: str) -> None:
        """``url``: a SQLAlchemy URL (``sqlite:///var/shopmind.db``, ``postgresql+psycopg://…``)."""
        self.url = url
        self.engine = make_engine(url)

    # ------------------------------------------------------------------ schema
    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def migrate(self, revision: str = "head") -> None:
        """Bring the schema to ``revision`` with Alembic (idempotent)."""
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        with self.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)

    def schema_revision(self) -> str | None:
        """The Alembic revision the database is at (None before the first migration)."""
        with self.engine.connect() as conn:
            if not sa.inspect(conn).has_table("alembic_version"):
                return None
            return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()

    def drop_all(self) -> None:
        """Remove every ShopMind table (tests and `shopmind db reset`)."""
        with self.engine.begin() as conn:
            T.metadata.drop_all(conn)
            conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """A connection inside one transaction: committed on success, rolled back on error."""
        with self.engine.begin() as conn:
            yield conn

    def dispose(self) -> None:
        self.engine.dispose()

    @staticmethod
    def table_names() -> list[str]:
        """The names of the store's tables, sorted."""
        return sorted(T.metadata.tables)

    def checkpoint(self) -> None:
        """Fold SQLite's write-ahead log into the database file (nothing to do on PostgreSQL)."""
        if self.dialect == "sqlite":
            with self.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    # ------------------------------------------------------------------ writes
    def upsert(self, table: str, rows: Sequence[Mapping[str, Any]], conn: Connection | None = None) -> int:
        """Insert ``rows`` into ``table``, replacing rows with the same primary key (and logging the
        change in the same transaction)."""
        if not rows:
            return 0
        if conn is None:
            with self.begin() as own:
                return self.upsert(table, rows, own)
        tbl = T.metadata.tables[table]
        keys = T.PRIMARY_KEYS[table]
        if table in BATCHED:
            seq = record_batch(conn, table)
            rows = [{**r, STAMP: seq} for r in rows]
        if self.dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        elif self.dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert
        else:  # pragma: no cover - guarded by the supported URLs
            raise RuntimeError(f"unsupported database dialect {self.dialect!r}: use sqlite or postgresql")
        stmt = insert(tbl)
        cols = [c.name for c in tbl.columns if c.name in rows[0] and c.name not in (*keys, STAMP)]
        if cols:
            stmt = stmt.on_conflict_do_update(
                index_elements=list(keys), set_={c: stmt.excluded[c] for c in cols}
            )
        else:
            stmt = stmt.on_conflict_do_nothing(index_elements=list(keys))
        conn.execute(stmt, list(rows))
        if table in TRACKED:
            record_keys(conn, table, (r[TRACKED[table][1]] for r in rows))
        return len(rows)

    def upsert_frame(self, table: str, df: pd.DataFrame, conn: Connection) -> int:
        """Upsert a validated frame; on SQLite rows go straight to the driver (fast bulk path)."""
        if not len(df):
            return 0
        if self.dialect != "sqlite":
            return self.upsert(table, frame_records(df), conn)
        tbl = T.metadata.tables[table]
        cols = [c.name for c in tbl.columns if c.name in df.columns and c.name != STAMP]
        keys = T.PRIMARY_KEYS[table]
        data = {c: _sqlite_column(df[c], tbl.c[c].type) for c in cols}
        updates = ", ".join(f'"{c}"=excluded."{c}"' for c in cols if c not in keys)
        if table in BATCHED:
            data[STAMP] = [record_batch(conn, table)] * len(df)
            cols.append(STAMP)
        rows = list(zip(*data.values(), strict=True))
        conflict = f"DO UPDATE SET {updates}" if updates else "DO NOTHING"
        names = ", ".join(f'"{c}"' for c in cols)
        marks = ", ".join("?" * len(cols))
        sql = f'INSERT INTO "{table}" ({names}) VALUES ({marks}) ON CONFLICT ({", ".join(keys)}) {conflict}'
        conn.exec_driver_sql(sql, rows)
        if table in TRACKED:
            record_keys(conn, table, data[TRACKED[table][1]])
        return len(rows)

    def replace_children(
        self,
        table: str,
        parent_key: str,
        parent_ids: Iterable[str],
        rows: Sequence[Mapping[str, Any]],
        conn: Connection,
    ) -> None:
        """Replace all child rows (order items, timeline …) of the given parents with ``rows``
        (a change of each parent in the change log)."""
        tbl = T.metadata.tables[table]
        ids = list(dict.fromkeys(parent_ids))
        for i in range(0, len(ids), 900):
            conn.execute(tbl.delete().where(tbl.c[parent_key].in_(ids[i : i + 900])))
        if rows:
            conn.execute(tbl.insert(), list(rows))
        if table in TRACKED:
            record_keys(conn, table, ids)

    def write_frames(self, frames: Mapping[str, pd.DataFrame], batch_size: int = 50_000) -> dict[str, int]:
        """Upsert whole frames (e.g. the demo shop) table by table, in batches; returns row counts."""
        written: dict[str, int] = {}
        order = ["products", "customers", "orders", "order_items", "order_status", "events", "docs"]
        for name in [n for n in order if n in frames] + [n for n in frames if n not in order]:
            df = frames[name]
            with self.begin() as conn:
                if name in ("order_items", "order_status"):
                    self.replace_children(name, "order_id", df["order_id"].astype(str), [], conn)
                for i in range(0, len(df), batch_size):
                    self.upsert_frame(name, df.iloc[i : i + batch_size], conn)
            written[name] = len(df)
        return written

    # ------------------------------------------------------------------ reads
    def frame(
        self, table: str, where: Mapping[str, Any] | None = None, columns: Sequence[str] | None = None
    ) -> pd.DataFrame:
        """A whole table as a pandas frame with UTC timestamps, optionally only the rows matching
        ``where`` (``{column: value}``; a list, tuple or set value matches any of its values)."""
        tbl = T.metadata.tables[table]
        return frame(self.engine, tbl, matching(tbl, where or {}), columns)

    def counts(self) -> dict[str, int]:
        """Row counts of the data tables."""
        names = [
            "products",
            "customers",
            "events",
            "orders",
            "order_items",
            "docs",
            "conversations",
            "campaigns",
        ]
        with self.engine.connect() as conn:
            return {
                n: conn.execute(sa.select(sa.func.count()).select_from(T.metadata.tables[n])).scalar_one()
                for n in names
            }

    # ------------------------------------------------------------------ ingestion log
    def record_ingest_run(self, run: Mapping[str, Any], conn: Connection | None = None) -> None:
        """Log an ingestion run (in ``conn``'s transaction when given: with the batch it counts)."""
        self.upsert("ingest_runs", [dict(run)], conn)

    def last_ingest_runs(self, limit: int = 10) -> list[dict[str, Any]]:
        r = T.ingest_runs
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(r).order_by(r.c.started_at.desc()).limit(limit)).mappings().all()
        return [plain(row) for row in rows]

    def ingest_run(self, run_id: str) -> dict[str, Any]:
        """One ingestion run's log row; NotFoundError for an unknown id."""
        return one(self.engine, T.ingest_runs, "run_id", run_id, what="ingest run")

    def running_ingest_runs(self) -> list[dict[str, Any]]:
        """The runs logged as running (a process that died mid-run leaves one: data/ingest_runs.py)."""
        r = T.ingest_runs
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(r).where(r.c.status == "running")).mappings().all()
        return [plain(row) for row in rows]

    def end_ingest_run(self, run_id: str, status: str, finished_at: Any, heartbeat_at: Any = None) -> bool:
        """Set a run that is still logged as running to ``status``; whether it was still running."""
        r = T.ingest_runs
        where = (r.c.run_id == run_id) & (r.c.status == "running")
        if heartbeat_at is not None:  # unchanged since it was judged dead
            where &= r.c.heartbeat_at == heartbeat_at
        with self.begin() as conn:
            done = conn.execute(r.update().where(where).values(status=status, finished_at=finished_at))
        return done.rowcount == 1


def _sqlite_column(s: pd.Series, type_: sa.types.TypeEngine) -> list[Any]:
    """One column as driver values in SQLAlchemy's SQLite storage format (UTC text timestamps, JSON text)."""
    import json

    import numpy as np
    import pandas as pd

    if isinstance(type_, (sa.DateTime, T.UTCDateTime)):
        ts = pd.to_datetime(s, utc=True)
        text = ts.dt.strftime("%Y-%m-%d %H:%M:%S.%f").astype(object)
        return text.where(ts.notna(), None).tolist()
    if isinstance(type_, sa.JSON):
        return [json.dumps(v if v is not None else {}, ensure_ascii=False, default=str) for v in s]
    values = s.astype(object)
    out = values.where(pd.notna(values), None).tolist()
    if isinstance(type_, sa.Integer):
        return [None if v is None else int(v) for v in out]
    return [v.item() if isinstance(v, np.generic) else v for v in out]


def frame_records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of a frame as dicts with None for missing values and Python datetimes in UTC."""
    import numpy as np
    import pandas as pd

    out = df.copy()
    for col in out.columns:
        if isinstance(out[col].dtype, pd.DatetimeTZDtype):
            out[col] = out[col].dt.tz_convert("UTC")
        elif pd.api.types.is_datetime64_dtype(out[col].dtype):
            out[col] = out[col].dt.tz_localize("UTC")
    out = out.astype(object)
    out = out.where(pd.notna(out) if len(out.columns) else out, None)
    records = out.to_dict("records")
    for rec in records:
        for k, v in rec.items():
            if isinstance(v, np.generic):
                rec[k] = v.item()
            elif isinstance(v, pd.Timestamp):
                rec[k] = v.to_pydatetime()
    return records
