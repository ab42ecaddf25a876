"""rate-limit buckets, who sent each public event, and the moderated suggestion list

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "rate_buckets",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("tokens", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_rate_buckets")),
    )
    op.create_table(
        "event_sources",
        sa.Column("event_id", sa.String(length=128), nullable=False),
        sa.Column("visitor", sa.String(length=64), nullable=False),
        sa.Column("results", sa.Integer(), nullable=True),
        sa.Column("at", TS, nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_event_sources")),
    )
    op.create_index(op.f("ix_event_sources_at"), "event_sources", ["at"], unique=False)
    op.create_table(
        "suggestion_rules",
        sa.Column("query", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("query", name=op.f("pk_suggestion_rules")),
    )


def downgrade() -> None:
    op.drop_table("suggestion_rules")
    op.drop_index(op.f("ix_event_sources_at"), table_name="event_sources")
    op.drop_table("event_sources")
    op.drop_table("rate_buckets")
