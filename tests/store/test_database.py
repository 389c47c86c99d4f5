"""The database: where it lives, its SQLite pragmas, and its migrations at startup."""

from __future__ import annotations

import threading
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


def test_connections_opening_a_new_file_at_once_all_get_in(tmp_path: Path) -> None:
    # The switch to WAL on a fresh file takes an exclusive lock, and SQLite refused one of
    # two racing connections at once, past any busy timeout: `tutor migrate` run twice at
    # once failed about one time in a hundred.
    refused: list[Exception] = []
    for round_ in range(30):
        url = f"sqlite:///{tmp_path / f'race{round_}.db'}"
        databases = [Database(url) for _ in range(6)]
        start = threading.Barrier(len(databases))

        def connect(database: Database, start: threading.Barrier = start) -> None:
            start.wait()
            try:
                with database.engine.connect() as conn:
                    assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            except Exception as exc:  # collected, reported below
                refused.append(exc)

        threads = [threading.Thread(target=connect, args=(db,)) for db in databases]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for database in databases:
            database.dispose()
    assert refused == []


def test_a_failed_transaction_leaves_nothing_behind(database: Database) -> None:
    with pytest.raises(RuntimeError), database.session() as session:
        session.execute(
            text("INSERT INTO learners (id, name, created_at) VALUES ('l1', 'x', '2025-01-01')")
        )
        raise RuntimeError("boom")
    with database.session() as session:
        assert session.execute(text("SELECT count(*) FROM learners")).scalar() == 0
