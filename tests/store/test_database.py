"""The database: where it lives, its SQLite pragmas, and its migrations at startup."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from tutor.config import Settings
from tutor.store import Database, current_revision, database_url, head_revision, open_database


def test_default_is_sqlite_in_the_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", _env_file=None)
    assert database_url(settings) == f"sqlite:///{tmp_path / 'data' / 'tutor.db'}"
    with open_database(settings) as db:
        assert (tmp_path / "data" / "tutor.db").is_file()
        assert current_revision(db) == head_revision()


def test_database_url_setting_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TUTOR_DATABASE_URL", "postgresql+psycopg://tutor@db/tutor")
    settings = Settings(data_dir=tmp_path, _env_file=None)
    assert database_url(settings) == "postgresql+psycopg://tutor@db/tutor"


def test_sqlite_runs_in_wal_mode_with_foreign_keys(database: Database) -> None:
    if not database.is_sqlite:
        pytest.skip("SQLite pragmas")
    with database.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    with pytest.raises(IntegrityError), database.session() as session:
        session.execute(
            text(
                "INSERT INTO attempts (id, learner_id, item_id, answer, status, created_at) "
                "VALUES ('a1', 'nobody', 'pb-01', 'x', 'pending', '2025-01-01 00:00:00')"
            )
        )


def test_a_failed_transaction_leaves_nothing_behind(database: Database) -> None:
    with pytest.raises(RuntimeError), database.session() as session:
        session.execute(
            text("INSERT INTO learners (id, name, created_at) VALUES ('l1', 'x', '2025-01-01')")
        )
        raise RuntimeError("boom")
    with database.session() as session:
        assert session.execute(text("SELECT count(*) FROM learners")).scalar() == 0
