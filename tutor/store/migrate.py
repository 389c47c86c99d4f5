"""Schema migrations with Alembic, driven from code (there is no ``alembic.ini``).

The app calls :func:`open_database` (or :func:`upgrade_to_head`) at startup. To change the
schema, edit ``tutor/store/models.py`` and then write a revision next to the others::

    .venv/bin/python -m tutor.store.migrate "add a column to attempts"

which autogenerates ``tutor/store/migrations/versions/rNNNN_<slug>.py`` against a scratch
SQLite database at head; read it, fix what autogenerate cannot see (renames, data moves), and
run the tests (they fail while migrations and models differ).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from tutor.config import Settings
from tutor.store.database import Database
from tutor.store.locks import job_lock

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("file_template", "r%%(rev)s_%%(slug)s")
    config.set_main_option("path_separator", "os")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade_to_head(database: Database) -> None:
    """Apply every migration not yet applied, in one transaction (a no-op when up to date).

    Safe when several processes run it at once (``tutor migrate``, replicas starting): it
    holds the migrations' job lock (a Postgres advisory lock, a file lock beside a SQLite
    database), so the others wait, then find the schema at head.
    """
    with job_lock(database, "migrate"), database.engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")


def open_database(settings: Settings) -> Database:
    """The configured database, migrated to the newest schema: what the app uses at startup."""
    database = Database.from_settings(settings)
    upgrade_to_head(database)
    return database


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(database: Database) -> str | None:
    with database.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def write_revision(message: str) -> Path:
    """Autogenerate the next revision from the difference between head and the models."""
    scripts = ScriptDirectory.from_config(alembic_config())
    number = len(list(scripts.walk_revisions())) + 1
    with tempfile.TemporaryDirectory() as scratch:
        database = Database(f"sqlite:///{Path(scratch) / 'head.db'}")
        try:
            upgrade_to_head(database)
            with database.engine.begin() as connection:
                script = command.revision(
                    alembic_config(connection),
                    message=message,
                    autogenerate=True,
                    rev_id=f"{number:04d}",
                )
        finally:
            database.dispose()
    if script is None or isinstance(script, list):
        raise RuntimeError("alembic did not write exactly one revision")
    return Path(script.path)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit('usage: python -m tutor.store.migrate "what the revision changes"')
    print(write_revision(sys.argv[1]))
