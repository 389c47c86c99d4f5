"""Locks that let many processes share one database: a learner's row, and one-shot jobs.

**A learner's row.** Knowledge tracing reads a learner's mastery and writes it back; two
answers of one learner graded at once (two replicas, two tabs) must not both start from the
same state, or one update is lost and the mastery no longer equals a replay of the answers.
:func:`lock_learner` takes the learner's row ``FOR NO KEY UPDATE`` on Postgres, so such
transactions queue, while inserts that only reference the learner (a new attempt) do not
wait. SQLite has one writer at a time already (``BEGIN IMMEDIATE``).

**Jobs.** ``tutor migrate`` and ``tutor index`` may be started by several replicas or
operators at once; :func:`job_lock` makes the second wait for the first. On Postgres it is a
session advisory lock; on SQLite an exclusive ``flock`` on a file beside the database. Both
are released when the holder's connection or process ends, so a killed job leaves no lock.
Every migration takes it (:func:`tutor.store.upgrade_to_head`), so ``tutor serve`` replicas
starting together are safe too.
"""

from __future__ import annotations

import fcntl
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from tutor.errors import NotFoundError
from tutor.store import models
from tutor.store.database import Database


def lock_learner(session: Session, learner_id: str) -> None:
    """Within ``session``: hold the learner's row until the transaction ends."""
    found = session.scalar(
        select(models.Learner.id)
        .where(models.Learner.id == learner_id)
        .with_for_update(key_share=True)
    )
    if found is None:
        raise NotFoundError(f"no learner {learner_id!r}")


def lock_key(name: str) -> int:
    """A stable signed 64-bit advisory lock key for a job name."""
    digest = hashlib.sha256(f"tutor:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def job_lock(database: Database, name: str) -> Iterator[None]:
    """Run the block while no other process holds the job ``name`` on this database."""
    if database.is_sqlite:
        path = make_url(database.url).database
        if path in (None, "", ":memory:"):  # one process only: nothing to share
            yield
            return
        with _file_lock(Path(f"{path}.{name}.lock")):
            yield
        return
    with database.engine.connect() as connection:
        key = lock_key(name)
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
        connection.commit()
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
            connection.commit()


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file closes, or the process dies
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
