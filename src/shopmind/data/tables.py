"""SQLAlchemy 2 tables of the data model (Core tables; the schema lives in Alembic migrations).

One table per entity in :mod:`shopmind.data.schema`; nested parts of an order (items, status
timeline) and of a conversation (messages) have their own tables keyed by the parent id.
"""

from __future__ import annotations

from datetime import UTC

import sqlalchemy as sa

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UTCDateTime(sa.types.TypeDecorator):
    """A timestamp stored as UTC on every backend and always read back timezone-aware (UTC).

    SQLite has no time zones: values are converted to UTC before they are stored, so the
    same instant compares equal whatever offset it came in with.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


TS = UTCDateTime()
ID = sa.String(128)

products = sa.Table(
    "products",
    metadata,
    sa.Column("product_id", ID, primary_key=True),
    sa.Column("title", sa.String(500), nullable=False),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    sa.Column("category", sa.String(300), nullable=False, server_default="", index=True),
    sa.Column("brand", sa.String(200), nullable=False, server_default=""),
    sa.Column("price", sa.Float, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("attributes", sa.JSON, nullable=False),
    sa.Column("stock", sa.Integer, nullable=False, server_default="0"),
    sa.Column("image_url", sa.String(1000), nullable=False, server_default=""),
    sa.Column("lang", sa.String(8), nullable=False, server_default="en"),
    sa.Column("created_at", TS),
)

customers = sa.Table(
    "customers",
    metadata,
    sa.Column("customer_id", ID, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False, server_default=""),
    sa.Column("email", sa.String(320), nullable=False, server_default=""),
    sa.Column("country", sa.String(100), nullable=False, server_default=""),
    sa.Column("city", sa.String(100), nullable=False, server_default=""),
    sa.Column("lang", sa.String(8), nullable=False, server_default="en"),
    sa.Column("signup_at", TS),
)

events = sa.Table(
    "events",
    metadata,
    sa.Column("event_id", ID, primary_key=True),
    sa.Column("customer_id", ID, index=True),
    sa.Column("session_id", sa.String(128), nullable=False, server_default=""),
    sa.Column("type", sa.String(20), nullable=False),
    sa.Column("product_id", ID, index=True),
    sa.Column("query", sa.String(1000)),
    sa.Column("value", sa.Float),
    sa.Column("ts", TS, nullable=False, index=True),
)

orders = sa.Table(
    "orders",
    metadata,
    sa.Column("order_id", ID, primary_key=True),
    sa.Column("customer_id", ID, nullable=False, index=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("placed_at", TS, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("total", sa.Float, nullable=False),
    sa.Column("shipping_address", sa.String(500), nullable=False, server_default=""),
    sa.Column("tracking_number", sa.String(100), nullable=False, server_default=""),
    sa.Column("carrier", sa.String(100), nullable=False, server_default=""),
)

order_items = sa.Table(
    "order_items",
    metadata,
    sa.Column("order_id", ID, sa.ForeignKey("orders.order_id", ondelete="CASCADE"), primary_key=True),
    sa.Column("line_no", sa.Integer, primary_key=True),
    sa.Column("product_id", ID, nullable=False, index=True),
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.Column("unit_price", sa.Float, nullable=False),
)

order_status = sa.Table(
    "order_status",
    metadata,
    sa.Column("order_id", ID, sa.ForeignKey("orders.order_id", ondelete="CASCADE"), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("at", TS, nullable=False),
    sa.Column("note", sa.String(1000), nullable=False, server_default=""),
)

docs = sa.Table(
    "docs",
    metadata,
    sa.Column("doc_id", ID, primary_key=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("topic", sa.String(100), nullable=False, server_default=""),
    sa.Column("lang", sa.String(8), nullable=False),
    sa.Column("title", sa.String(500), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("updated_at", TS),
)

conversations = sa.Table(
    "conversations",
    metadata,
    sa.Column("conversation_id", ID, primary_key=True),
    sa.Column("customer_id", ID, index=True),
    sa.Column("lang", sa.String(8), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("started_at", TS, nullable=False),
)

messages = sa.Table(
    "messages",
    metadata,
    sa.Column(
        "conversation_id",
        ID,
        sa.ForeignKey("conversations.conversation_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("at", TS, nullable=False),
    sa.Column("meta", sa.JSON, nullable=False),
)

campaigns = sa.Table(
    "campaigns",
    metadata,
    sa.Column("campaign_id", ID, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("channel", sa.String(50), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("offer", sa.String(500), nullable=False, server_default=""),
    sa.Column("budget", sa.Float, nullable=False, server_default="0"),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("meta", sa.JSON, nullable=False),
)

api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("key_id", sa.String(32), primary_key=True),
    sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("scope", sa.String(20), nullable=False),
    sa.Column("name", sa.String(200), nullable=False, server_default=""),
    sa.Column("created_at", TS, nullable=False),
)

ingest_runs = sa.Table(
    "ingest_runs",
    metadata,
    sa.Column("run_id", sa.String(32), primary_key=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("source", sa.String(1000), nullable=False),
    sa.Column("started_at", TS, nullable=False),
    sa.Column("finished_at", TS),
    sa.Column("rows_read", sa.Integer, nullable=False, server_default="0"),
    sa.Column("rows_written", sa.Integer, nullable=False, server_default="0"),
    sa.Column("rows_rejected", sa.Integer, nullable=False, server_default="0"),
    sa.Column("rejects_path", sa.String(1000)),
    sa.Column("status", sa.String(20), nullable=False),
)

# Primary key columns of the tables that data is upserted into, by table name.
PRIMARY_KEYS: dict[str, tuple[str, ...]] = {
    t.name: tuple(c.name for c in t.primary_key.columns) for t in metadata.sorted_tables
}
