"""the item's rating at an attempt's first grade, for exact replays of mastery

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 05:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    # Attempts graded before this revision keep NULL: their replay uses the current rating.
    with op.batch_alter_table("attempts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("item_rating", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("attempts", schema=None) as batch_op:
        batch_op.drop_column("item_rating")
