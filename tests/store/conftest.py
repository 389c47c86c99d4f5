"""A migrated database in a temporary folder (SQLite, and Postgres when configured), and a
learner in it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import DATABASE_BACKENDS, database_url
from tutor.store import Database, LearnerRecord, create_learner


@pytest.fixture(params=DATABASE_BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with database_url(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def database(db_url: str) -> Iterator[Database]:
    with Database(db_url) as db:
        yield db


@pytest.fixture
def learner(database: Database) -> LearnerRecord:
    return create_learner(database, "Ada")
