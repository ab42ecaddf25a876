"""Alembic environment: runs on the connection the Store hands over (or on the configured URL)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from shopmind.data.tables import metadata

config = context.config


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    from shopmind.config import get_settings

    url = config.get_main_option("sqlalchemy.url") or get_settings().resolved_database_url
    with create_engine(url).connect() as conn:
        _run(conn)
