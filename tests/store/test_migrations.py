"""Alembic migrations produce exactly the schema the models describe."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from tutor.store import Database, current_revision, head_revision, upgrade_to_head
from tutor.store.migrate import alembic_config
from tutor.store.models import Base


def test_migrated_schema_matches_the_models(database: Database) -> None:
    with database.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_every_table_exists_and_upgrade_is_idempotent(database: Database) -> None:
    upgrade_to_head(database)  # a second run at startup is a no-op
    assert current_revision(database) == head_revision()
    tables = set(inspect(database.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_downgrade_to_base_and_back(database: Database) -> None:
    with database.engine.begin() as conn:
        command.downgrade(alembic_config(conn), "base")
    assert set(inspect(database.engine).get_table_names()) <= {"alembic_version"}
    upgrade_to_head(database)
    assert current_revision(database) == head_revision()
