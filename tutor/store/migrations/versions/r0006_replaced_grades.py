"""replaced_grades: an attempt's earlier grades (the offline stand-in a model grade replaced)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 20:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "replaced_grades",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("attempt_id", sa.String(length=32), nullable=False),
        sa.Column("grade", sa.JSON(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("verdict", sa.String(length=32), nullable=True),
        sa.Column("engine", sa.String(length=200), nullable=True),
        sa.Column("graded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("replaced_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("score >= 0 AND score <= 1", name=op.f("ck_replaced_grades_score")),
        sa.ForeignKeyConstraint(
            ["attempt_id"], ["attempts.id"], name=op.f("fk_replaced_grades_attempt_id_attempts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_replaced_grades")),
    )
    op.create_index(
        op.f("ix_replaced_grades_attempt_id"), "replaced_grades", ["attempt_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_replaced_grades_attempt_id"), table_name="replaced_grades")
    op.drop_table("replaced_grades")
