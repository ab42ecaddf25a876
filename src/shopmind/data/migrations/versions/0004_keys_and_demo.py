"""API keys that expire and can be revoked; a marker for databases the demo generator created

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

KEY_TIMES = ("expires_at", "revoked_at", "last_used_at")


def upgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        for name in KEY_TIMES:
            batch.add_column(sa.Column(name, sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "shop_meta",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_shop_meta")),
    )


def downgrade() -> None:
    op.drop_table("shop_meta")
    with op.batch_alter_table("api_keys") as batch:
        for name in reversed(KEY_TIMES):
            batch.drop_column(name)
