"""grade overrides without a key (made by the local user of single-user mode)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 01:07:37.830163
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("grade_overrides", schema=None) as batch_op:
        batch_op.alter_column("teacher_key_id", existing_type=sa.String(length=32), nullable=True)


def downgrade() -> None:
    # The old schema cannot say "the local user": overrides made without a key are dropped.
    op.execute("DELETE FROM grade_overrides WHERE teacher_key_id IS NULL")
    with op.batch_alter_table("grade_overrides", schema=None) as batch_op:
        batch_op.alter_column("teacher_key_id", existing_type=sa.String(length=32), nullable=False)
