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
    sa.Column("impression_id", sa.String(40)),  # the answer that showed the product (online/attribution.py)
    # the change-log position of the batch that first wrote the event (data/changes.py); kept on upsert
    sa.Column("change_seq", sa.BigInteger, index=True),
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
    sa.Column("status", sa.String(20), nullable=False, index=True),
    sa.Column("started_at", TS, nullable=False),
    sa.Column("agent", sa.String(100)),  # the human agent who has the conversation (None: nobody yet)
    sa.Column("waiting_since", TS),  # the customer waits for a human since then (None: not waiting)
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
    sa.Column("expires_at", TS),  # null: never expires
    sa.Column("revoked_at", TS),  # null: not revoked
    sa.Column("last_used_at", TS),  # refreshed at most once a minute
    sa.Column("origins", sa.JSON),  # storefront keys: the web origins allowed to use it (CORS); null: none
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
    sa.Column("status", sa.String(20), nullable=False),  # running | done | failed | interrupted
    sa.Column("host", sa.String(255)),  # the machine the run is on
    sa.Column("pid", sa.Integer),  # its process there
    sa.Column("heartbeat_at", TS),  # refreshed after every batch while it runs
)

# Facts about the database itself by name (the demo generator's marker and the demo's keys).
shop_meta = sa.Table(
    "shop_meta",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("value", sa.JSON, nullable=False),
    sa.Column("updated_at", TS, nullable=False),
)

# State every replica shares (data/state.py, data/job_rows.py): signing secrets generated once,
# search pins, the published version of each model kind, and the durable job queue.
secrets = sa.Table(
    "secrets",
    metadata,
    sa.Column("name", sa.String(100), primary_key=True),
    sa.Column("value", sa.String(200), nullable=False),  # hex; written once, never updated
    sa.Column("created_at", TS, nullable=False),
)

search_pins = sa.Table(
    "search_pins",
    metadata,
    sa.Column("query", sa.String(500), primary_key=True),  # the normalised query text
    sa.Column("product_ids", sa.JSON, nullable=False),  # shown first, in this order
    sa.Column("updated_at", TS, nullable=False),
)

model_pointers = sa.Table(
    "model_pointers",
    metadata,
    sa.Column("kind", sa.String(200), primary_key=True),  # rec, nlu, synth/customers …
    sa.Column("version", sa.String(300), nullable=False),  # a folder name under <artifacts>/<kind>/
    sa.Column("published_at", TS, nullable=False),
)

jobs = sa.Table(
    "jobs",
    metadata,
    sa.Column("job_id", sa.String(32), primary_key=True),
    sa.Column("kind", sa.String(200), nullable=False),
    sa.Column("title", sa.String(500), nullable=False),
    sa.Column("payload", sa.JSON, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),  # queued | running | done | failed
    sa.Column("exclusive_kind", sa.String(200), unique=True),  # = kind while an exclusive job is unfinished
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("max_attempts", sa.Integer, nullable=False),
    sa.Column("worker_id", sa.String(200)),
    sa.Column("heartbeat_at", TS),
    sa.Column("progress", sa.JSON, nullable=False),
    sa.Column("log", sa.JSON, nullable=False),  # the last lines, oldest first
    sa.Column("result", sa.JSON),
    sa.Column("error", sa.Text),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("started_at", TS),
    sa.Column("finished_at", TS),
    sa.Index("ix_jobs_status_created_at", "status", "created_at"),
)

# The change log (data/changes.py): one row per written or deleted key of products, customers, orders
# and docs, one per batch of events, in the transaction of the write; derived state follows it by seq.
changes = sa.Table(
    "changes",
    metadata,
    # the change position: a sequence (SQLite: AUTOINCREMENT, never reused after a prune)
    sa.Column("seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("table_name", sa.String(32), nullable=False),  # products | customers | orders | docs | events
    sa.Column("key", ID),  # the row's id (orders: also for its items and timeline); null for a batch
    sa.Column("op", sa.String(8), nullable=False),  # upsert | delete | batch | pruned
    sa.Column("txid", sa.BigInteger, index=True),  # PostgreSQL: the writing transaction's id
    sa.Column("at", TS, nullable=False, server_default=sa.func.now()),
    sqlite_autoincrement=True,
)

# Sentence vectors shared by every replica and worker (data/store_embeddings.py): one row per encoder
# and text, so that no process encodes a text another one already has.
embeddings = sa.Table(
    "embeddings",
    metadata,
    sa.Column("encoder", sa.String(200), primary_key=True),  # the encoder's registered name
    sa.Column("text_hash", sa.String(40), primary_key=True),  # SHA-1 hex of kind + text
    sa.Column("dim", sa.Integer, nullable=False),
    sa.Column("vector", sa.LargeBinary, nullable=False),  # dim float32 values, little-endian
    sa.Column("created_at", TS, nullable=False),
)

# Abuse controls (data/store_abuse.py): token buckets of the rate limits, who sent each public event
# (so that one visitor counts once in suggestions and trending), and the moderated suggestions.
rate_buckets = sa.Table(
    "rate_buckets",
    metadata,
    sa.Column("key", sa.String(200), primary_key=True),  # limit name + client, customer or address
    sa.Column("tokens", sa.Float, nullable=False),  # requests left (negative: over the limit)
    sa.Column("updated_at", sa.Float, nullable=False),  # epoch seconds of the last request
)

event_sources = sa.Table(
    "event_sources",
    metadata,
    sa.Column("event_id", ID, primary_key=True),  # an event written through the public API
    sa.Column("visitor", sa.String(64), nullable=False),  # c:<customer id> (signed in) or a:<address hash>
    sa.Column("results", sa.Integer),  # a search: the results it found (null: not a search)
    sa.Column("at", TS, nullable=False, index=True),
)

suggestion_rules = sa.Table(
    "suggestion_rules",
    metadata,
    sa.Column("query", sa.String(100), primary_key=True),  # the normalised query text
    sa.Column("status", sa.String(10), nullable=False),  # approved (always offered) | hidden (never)
    sa.Column("updated_at", TS, nullable=False),
)

# Online measurement (data/store_online.py): every answer that showed products (an impression), the
# impressions per day as counters kept by the writer, the events tied to an impression, and experiments.
impressions = sa.Table(
    "impressions",
    metadata,
    sa.Column("impression_id", sa.String(40), primary_key=True),
    sa.Column("at", TS, nullable=False, index=True),
    sa.Column("surface", sa.String(20), nullable=False),  # search | recommendations | similar | trending …
    sa.Column("query", sa.String(1000)),  # search: the words searched
    sa.Column("customer_id", ID),
    sa.Column("session_id", sa.String(128), nullable=False, server_default=""),
    sa.Column("unit", sa.String(140), nullable=False),  # c:<customer id> | s:<session id> | a:<anonymous>
    sa.Column("model_kind", sa.String(50), nullable=False, server_default=""),
    sa.Column("model_version", sa.String(300), nullable=False, server_default=""),  # '': a fallback
    sa.Column("experiment_id", sa.String(64), nullable=False, server_default=""),  # '': none
    sa.Column("arm", sa.String(64), nullable=False, server_default=""),
    sa.Column("products", sa.JSON, nullable=False),  # product ids in the order shown (position = index + 1)
    sa.Column("results", sa.Integer),  # search: matches in all (0: a query with no results)
    sa.Index("ix_impressions_customer_id_at", "customer_id", "at"),
    sa.Index("ix_impressions_session_id_at", "session_id", "at"),
    sa.Index("ix_impressions_experiment_id_unit", "experiment_id", "unit"),
)

impression_days = sa.Table(
    "impression_days",
    metadata,
    sa.Column("day", sa.String(10), primary_key=True),  # YYYY-MM-DD (UTC)
    sa.Column("surface", sa.String(20), primary_key=True),
    sa.Column("model_version", sa.String(300), primary_key=True),
    sa.Column("experiment_id", sa.String(64), primary_key=True),
    sa.Column("arm", sa.String(64), primary_key=True),
    sa.Column("impressions", sa.BigInteger, nullable=False),
    sa.Column("no_results", sa.BigInteger, nullable=False, server_default="0"),  # searches that found nothing
)

search_days = sa.Table(
    "search_days",
    metadata,
    sa.Column("day", sa.String(10), primary_key=True),
    sa.Column("query", sa.String(200), primary_key=True),  # the query as searched, lower case, trimmed
    sa.Column("searches", sa.BigInteger, nullable=False),
    sa.Column("no_results", sa.BigInteger, nullable=False),
)

attributions = sa.Table(
    "attributions",
    metadata,
    sa.Column("source_id", sa.String(200), primary_key=True),  # an event id, or o:<order id>:<line>
    sa.Column("impression_id", sa.String(40), index=True),  # null: a mismatch (rule in docs/online.md)
    sa.Column("how", sa.String(10), nullable=False),  # id | window | mismatch
    sa.Column("type", sa.String(20), nullable=False),  # click | add_to_cart | purchase
    sa.Column("product_id", ID, nullable=False),
    sa.Column("position", sa.Integer),  # 1-based position of the product in the impression
    sa.Column("value", sa.Float, nullable=False, server_default="0"),  # purchase: revenue
    sa.Column("at", TS, nullable=False),
    sa.Column("day", sa.String(10), nullable=False),  # the impression's day (the event's for a mismatch)
    sa.Column("surface", sa.String(20), nullable=False, server_default=""),
    sa.Column("model_version", sa.String(300), nullable=False, server_default=""),
    sa.Column("experiment_id", sa.String(64), nullable=False, server_default=""),
    sa.Column("arm", sa.String(64), nullable=False, server_default=""),
    sa.Column("unit", sa.String(140), nullable=False, server_default=""),
    sa.Index("ix_attributions_day_surface", "day", "surface"),
    sa.Index("ix_attributions_experiment_id", "experiment_id"),
)

experiment_units = sa.Table(
    "experiment_units",
    metadata,
    sa.Column("experiment_id", sa.String(64), primary_key=True),
    sa.Column("unit", sa.String(140), primary_key=True),  # a customer or session the experiment showed to
    sa.Column("arm", sa.String(64), nullable=False),
    sa.Column("first_at", TS, nullable=False),  # its first impression in the experiment
    sa.Index("ix_experiment_units_experiment_id_arm", "experiment_id", "arm"),
)

experiments = sa.Table(
    "experiments",
    metadata,
    sa.Column("experiment_id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("surface", sa.String(20), nullable=False),
    sa.Column("arms", sa.JSON, nullable=False),  # [{name, share, version | settings}], the control first
    sa.Column("status", sa.String(10), nullable=False),  # running | stopped
    sa.Column("start_at", TS, nullable=False),
    sa.Column("stop_at", TS),  # null: until stopped
    sa.Column("plan", sa.JSON, nullable=False),  # baseline, minimum effect, alpha, power, sample size per arm
    sa.Column("created_at", TS, nullable=False),
)

# Primary key columns of the tables that data is upserted into, by table name.
PRIMARY_KEYS: dict[str, tuple[str, ...]] = {
    t.name: tuple(c.name for c in t.primary_key.columns) for t in metadata.sorted_tables
}
