"""A migrated SQLite database in a temporary folder, and a learner in it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tutor.store import Database, LearnerRecord, create_learner, upgrade_to_head


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'tutor.db'}"


@pytest.fixture
def database(db_url: str) -> Iterator[Database]:
    with Database(db_url) as db:
        upgrade_to_head(db)
        yield db


@pytest.fixture
def learner(database: Database) -> LearnerRecord:
    return create_learner(database, "Ada")
