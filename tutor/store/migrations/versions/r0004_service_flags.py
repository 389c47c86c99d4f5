"""service flags: ``keys_required`` keeps local mode closed once a key was issued

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05 16:30:00.000000
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    flags = op.create_table(
        "service_flags",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_service_flags")),
    )
    # A database that ever had a key (revoked ones count) keeps requiring keys.
    if op.get_bind().execute(sa.text("SELECT 1 FROM api_keys LIMIT 1")).first() is not None:
        op.bulk_insert(flags, [{"name": "keys_required", "set_at": datetime.now(UTC)}])


def downgrade() -> None:
    op.drop_table("service_flags")
