"""Store: the one gateway to the database (SQLite file by default, PostgreSQL by URL).

Reads come back as pandas frames or plain dicts, writes are upserts keyed by the
shop's ids inside transactions, and the schema is managed by Alembic migrations.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from shopmind.data import tables as T
from shopmind.data.schema import OrderStatus, as_utc, can_transition

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
SCOPES = ("admin", "storefront")


class NotFoundError(LookupError):
    """A requested entity does not exist."""


class InvalidTransitionError(ValueError):
    """An order status change that the order life cycle does not allow."""


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
    return sa.create_engine(url, pool_pre_ping=True)


def _utc_or_none(value: Any) -> Any:
    return as_utc(value) if isinstance(value, datetime) else value


class Store:
    """Sessions, upserts and queries over the ShopMind data model."""

    def __init__(self, url: str | None = None) -> None:
        if url is None:
            from shopmind.config import get_settings

            url = get_settings().resolved_database_url
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

    # ------------------------------------------------------------------ writes
    def upsert(self, table: str, rows: Sequence[Mapping[str, Any]], conn: Connection | None = None) -> int:
        """Insert ``rows`` into ``table``, replacing rows with the same primary key."""
        if not rows:
            return 0
        if conn is None:
            with self.begin() as own:
                return self.upsert(table, rows, own)
        tbl = T.metadata.tables[table]
        keys = T.PRIMARY_KEYS[table]
        if self.dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        elif self.dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert
        else:  # pragma: no cover - guarded by the supported URLs
            raise RuntimeError(f"unsupported database dialect {self.dialect!r}: use sqlite or postgresql")
        stmt = insert(tbl)
        cols = [c.name for c in tbl.columns if c.name in rows[0] and c.name not in keys]
        if cols:
            stmt = stmt.on_conflict_do_update(
                index_elements=list(keys), set_={c: stmt.excluded[c] for c in cols}
            )
        else:
            stmt = stmt.on_conflict_do_nothing(index_elements=list(keys))
        conn.execute(stmt, list(rows))
        return len(rows)

    def upsert_frame(self, table: str, df: pd.DataFrame, conn: Connection) -> int:
        """Upsert a validated frame; on SQLite rows go straight to the driver (fast bulk path)."""
        if not len(df):
            return 0
        if self.dialect != "sqlite":
            return self.upsert(table, frame_records(df), conn)
        tbl = T.metadata.tables[table]
        cols = [c.name for c in tbl.columns if c.name in df.columns]
        keys = T.PRIMARY_KEYS[table]
        data = {c: _sqlite_column(df[c], tbl.c[c].type) for c in cols}
        rows = list(zip(*data.values(), strict=True))
        updates = ", ".join(f'"{c}"=excluded."{c}"' for c in cols if c not in keys)
        conflict = f"DO UPDATE SET {updates}" if updates else "DO NOTHING"
        names = ", ".join(f'"{c}"' for c in cols)
        marks = ", ".join("?" * len(cols))
        sql = f'INSERT INTO "{table}" ({names}) VALUES ({marks}) ON CONFLICT ({", ".join(keys)}) {conflict}'
        conn.exec_driver_sql(sql, rows)
        return len(rows)

    def replace_children(
        self,
        table: str,
        parent_key: str,
        parent_ids: Iterable[str],
        rows: Sequence[Mapping[str, Any]],
        conn: Connection,
    ) -> None:
        """Replace all child rows (order items, timeline …) of the given parents with ``rows``."""
        tbl = T.metadata.tables[table]
        ids = list(dict.fromkeys(parent_ids))
        for i in range(0, len(ids), 900):
            conn.execute(tbl.delete().where(tbl.c[parent_key].in_(ids[i : i + 900])))
        if rows:
            conn.execute(tbl.insert(), list(rows))

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
    def frame(self, table: str, where: Any = None, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """A whole table (optionally filtered) as a pandas frame with UTC timestamps."""
        import pandas as pd

        tbl = T.metadata.tables[table]
        stmt = sa.select(*(tbl.c[c] for c in columns)) if columns else sa.select(tbl)
        if where is not None:
            stmt = stmt.where(where)
        with self.engine.connect() as conn:
            result = conn.execute(stmt)
            df = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
        for col in tbl.columns:
            if isinstance(col.type, (sa.DateTime, T.UTCDateTime)) and col.name in df.columns:
                df[col.name] = pd.to_datetime(df[col.name], utc=True)
        return df

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

    def _one(self, table: sa.Table, key: str, value: str) -> dict[str, Any]:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(table).where(table.c[key] == value)).mappings().first()
        if row is None:
            raise NotFoundError(f"{table.name[:-1]} {value!r} not found")
        return {k: _utc_or_none(v) for k, v in row.items()}

    def get_product(self, product_id: str) -> dict[str, Any]:
        return self._one(T.products, "product_id", product_id)

    def get_customer(self, customer_id: str) -> dict[str, Any]:
        return self._one(T.customers, "customer_id", customer_id)

    def list_products(
        self,
        *,
        limit: int = 20,
        offset: int = 0,
        category: str | None = None,
        brand: str | None = None,
        lang: str | None = None,
        in_stock: bool | None = None,
    ) -> tuple[list[dict[str, Any]], int]:
        """A page of products (ordered by id) and the total count matching the filters."""
        p = T.products
        cond = []
        if category:
            cond.append(sa.or_(p.c.category == category, p.c.category.startswith(category + " > ")))
        if brand:
            cond.append(p.c.brand == brand)
        if lang:
            cond.append(p.c.lang == lang)
        if in_stock is not None:
            cond.append(p.c.stock > 0 if in_stock else p.c.stock == 0)
        return self._page(p, cond, p.c.product_id, limit, offset)

    def list_customers(self, *, limit: int = 20, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
        return self._page(T.customers, [], T.customers.c.customer_id, limit, offset)

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
        return self._page(e, cond, e.c.ts.desc(), limit, offset)

    def _page(self, tbl: sa.Table, cond: list, order_by: Any, limit: int, offset: int):
        where = sa.and_(sa.true(), *cond)
        with self.engine.connect() as conn:
            total = conn.execute(sa.select(sa.func.count()).select_from(tbl).where(where)).scalar_one()
            rows = (
                conn.execute(sa.select(tbl).where(where).order_by(order_by).limit(limit).offset(offset))
                .mappings()
                .all()
            )
        return [{k: _utc_or_none(v) for k, v in r.items()} for r in rows], total

    # ------------------------------------------------------------------ orders
    def get_order(self, order_id: str) -> dict[str, Any]:
        """An order with its items and status timeline."""
        order = self._one(T.orders, "order_id", order_id)
        with self.engine.connect() as conn:
            items = (
                conn.execute(
                    sa.select(T.order_items).where(T.order_items.c.order_id == order_id).order_by("line_no")
                )
                .mappings()
                .all()
            )
            timeline = (
                conn.execute(
                    sa.select(T.order_status).where(T.order_status.c.order_id == order_id).order_by("seq")
                )
                .mappings()
                .all()
            )
        order["items"] = [{k: v for k, v in i.items() if k != "order_id"} for i in items]
        order["timeline"] = [
            {"status": t["status"], "at": as_utc(t["at"]), "note": t["note"]} for t in timeline
        ]
        return order

    def list_orders(
        self, *, customer_id: str | None = None, status: str | None = None, limit: int = 20, offset: int = 0
    ) -> tuple[list[dict[str, Any]], int]:
        """Orders, newest first."""
        o = T.orders
        cond = []
        if customer_id:
            cond.append(o.c.customer_id == customer_id)
        if status:
            cond.append(o.c.status == status)
        return self._page(o, cond, o.c.placed_at.desc(), limit, offset)

    def set_order_status(
        self,
        order_id: str,
        status: OrderStatus | str,
        note: str = "",
        at: datetime | None = None,
        **fields: str,
    ) -> dict[str, Any]:
        """Move an order to ``status`` if the life cycle allows it, appending to its timeline.

        ``fields`` may set ``tracking_number``, ``carrier`` or ``shipping_address`` in the same
        transaction. Raises :class:`InvalidTransitionError` naming the allowed next statuses.
        """
        from shopmind.data.schema import ORDER_TRANSITIONS

        new = OrderStatus(status)
        allowed_fields = {"tracking_number", "carrier", "shipping_address"}
        if set(fields) - allowed_fields:
            raise ValueError(f"cannot set {sorted(set(fields) - allowed_fields)} with a status change")
        at = as_utc(at or datetime.now(UTC))
        o, ts = T.orders, T.order_status
        with self.begin() as conn:
            row = conn.execute(
                sa.select(o.c.status).where(o.c.order_id == order_id).with_for_update()
            ).first()
            if row is None:
                raise NotFoundError(f"order {order_id!r} not found")
            if not can_transition(row.status, new):
                nxt = sorted(s.value for s in ORDER_TRANSITIONS[OrderStatus(row.status)]) or ["none"]
                raise InvalidTransitionError(
                    f"order {order_id} is {row.status}; it cannot become {new.value} "
                    f"(allowed: {', '.join(nxt)})"
                )
            seq = conn.execute(
                sa.select(sa.func.coalesce(sa.func.max(ts.c.seq), 0)).where(ts.c.order_id == order_id)
            ).scalar_one()
            conn.execute(
                ts.insert().values(order_id=order_id, seq=seq + 1, status=new.value, at=at, note=note)
            )
            conn.execute(o.update().where(o.c.order_id == order_id).values(status=new.value, **fields))
        return self.get_order(order_id)

    # ------------------------------------------------------------------ API keys
    @staticmethod
    def _hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    def create_api_key(self, scope: str, name: str = "", key: str | None = None) -> str:
        """Store a new API key for ``scope`` and return its plain text (shown once)."""
        if scope not in SCOPES:
            raise ValueError(f"unknown scope {scope!r}: use one of {', '.join(SCOPES)}")
        key = key or f"sm_{scope[:2]}_{secrets.token_urlsafe(24)}"
        row = {
            "key_id": secrets.token_hex(8),
            "key_hash": self._hash_key(key),
            "scope": scope,
            "name": name,
            "created_at": datetime.now(UTC),
        }
        with self.begin() as conn:
            existing = conn.execute(
                sa.select(T.api_keys.c.key_id).where(T.api_keys.c.key_hash == row["key_hash"])
            )
            if existing.first() is None:
                conn.execute(T.api_keys.insert().values(**row))
        return key

    def api_key_scope(self, key: str) -> str | None:
        """The scope of a stored key, or None for an unknown key."""
        with self.engine.connect() as conn:
            return conn.execute(
                sa.select(T.api_keys.c.scope).where(T.api_keys.c.key_hash == self._hash_key(key))
            ).scalar()

    # ------------------------------------------------------------------ ingestion log
    def record_ingest_run(self, run: Mapping[str, Any]) -> None:
        self.upsert("ingest_runs", [dict(run)])

    def last_ingest_runs(self, limit: int = 10) -> list[dict[str, Any]]:
        r = T.ingest_runs
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(r).order_by(r.c.started_at.desc()).limit(limit)).mappings().all()
        return [{k: _utc_or_none(v) for k, v in row.items()} for row in rows]


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
