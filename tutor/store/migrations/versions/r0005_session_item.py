"""sessions.item_id: the practice item a session is about (its attempts are the context)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05 19:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(sa.Column("item_id", sa.String(length=80), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("item_id")
