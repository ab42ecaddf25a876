"""online measurement: impressions, their daily counters (and searches' by query), attributions,
experiments; events name their impression

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def _impressions() -> None:
    op.create_table(
        "impressions",
        sa.Column("impression_id", sa.String(40), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("surface", sa.String(20), nullable=False),
        sa.Column("query", sa.String(1000), nullable=True),
        sa.Column("customer_id", sa.String(128), nullable=True),
        sa.Column("session_id", sa.String(128), server_default="", nullable=False),
        sa.Column("unit", sa.String(140), nullable=False),
        sa.Column("model_kind", sa.String(50), server_default="", nullable=False),
        sa.Column("model_version", sa.String(300), server_default="", nullable=False),
        sa.Column("experiment_id", sa.String(64), server_default="", nullable=False),
        sa.Column("arm", sa.String(64), server_default="", nullable=False),
        sa.Column("products", sa.JSON(), nullable=False),
        sa.Column("results", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("impression_id", name=op.f("pk_impressions")),
    )
    op.create_index("ix_impressions_at", "impressions", ["at"])
    op.create_index("ix_impressions_customer_id_at", "impressions", ["customer_id", "at"])
    op.create_index("ix_impressions_session_id_at", "impressions", ["session_id", "at"])
    op.create_index("ix_impressions_experiment_id_unit", "impressions", ["experiment_id", "unit"])
    op.create_table(
        "impression_days",
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("surface", sa.String(20), nullable=False),
        sa.Column("model_version", sa.String(300), nullable=False),
        sa.Column("experiment_id", sa.String(64), nullable=False),
        sa.Column("arm", sa.String(64), nullable=False),
        sa.Column("impressions", sa.BigInteger(), nullable=False),
        sa.Column("no_results", sa.BigInteger(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint(
            "day", "surface", "model_version", "experiment_id", "arm", name=op.f("pk_impression_days")
        ),
    )
    op.create_table(
        "search_days",
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("query", sa.String(200), nullable=False),
        sa.Column("searches", sa.BigInteger(), nullable=False),
        sa.Column("no_results", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("day", "query", name=op.f("pk_search_days")),
    )


def _attributions() -> None:
    op.create_table(
        "attributions",
        sa.Column("source_id", sa.String(200), nullable=False),
        sa.Column("impression_id", sa.String(40), nullable=True),
        sa.Column("how", sa.String(10), nullable=False),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("product_id", sa.String(128), nullable=False),
        sa.Column("position", sa.Integer(), nullable=True),
        sa.Column("value", sa.Float(), server_default="0", nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("surface", sa.String(20), server_default="", nullable=False),
        sa.Column("model_version", sa.String(300), server_default="", nullable=False),
        sa.Column("experiment_id", sa.String(64), server_default="", nullable=False),
        sa.Column("arm", sa.String(64), server_default="", nullable=False),
        sa.Column("unit", sa.String(140), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("source_id", name=op.f("pk_attributions")),
    )
    op.create_index("ix_attributions_impression_id", "attributions", ["impression_id"])
    op.create_index("ix_attributions_day_surface", "attributions", ["day", "surface"])
    op.create_index("ix_attributions_experiment_id", "attributions", ["experiment_id"])


def upgrade() -> None:
    _impressions()
    _attributions()
    op.create_table(
        "experiment_units",
        sa.Column("experiment_id", sa.String(64), nullable=False),
        sa.Column("unit", sa.String(140), nullable=False),
        sa.Column("arm", sa.String(64), nullable=False),
        sa.Column("first_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("experiment_id", "unit", name=op.f("pk_experiment_units")),
    )
    op.create_index("ix_experiment_units_experiment_id_arm", "experiment_units", ["experiment_id", "arm"])
    op.create_table(
        "experiments",
        sa.Column("experiment_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("surface", sa.String(20), nullable=False),
        sa.Column("arms", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("start_at", TS, nullable=False),
        sa.Column("stop_at", TS, nullable=True),
        sa.Column("plan", sa.JSON(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("experiment_id", name=op.f("pk_experiments")),
    )
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("impression_id", sa.String(40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.drop_column("impression_id")
    for table in ("experiments", "experiment_units", "attributions", "search_days", "impression_days",
                  "impressions"):  # fmt: skip
        op.drop_table(table)
