"""shared caches and generations: the LLM reply and grade caches move from files in each
replica's data dir into the database; ``generations`` tells replicas when to reload the corpus

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 22:04:34.536103
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None

CACHES = ("llm_cache", "grade_cache")


def upgrade() -> None:
    op.create_table(
        "generations",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_generations")),
    )
    for table in CACHES:
        op.create_table(
            table,
            sa.Column("key", sa.String(length=64), nullable=False),
            sa.Column("value", sa.Text(), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("key", name=op.f(f"pk_{table}")),
        )
        op.create_index(op.f(f"ix_{table}_created_at"), table, ["created_at"], unique=False)


def downgrade() -> None:
    for table in CACHES:
        op.drop_index(op.f(f"ix_{table}_created_at"), table_name=table)
        op.drop_table(table)
    op.drop_table("generations")
