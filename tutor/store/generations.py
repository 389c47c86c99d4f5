"""Change signals for what replicas hold in memory: a counter per name in ``generations``.

A replica loads the lesson files, lays the published variants over them and opens the passage
index once, and keeps them. Whatever changes them bumps a counter in the shared database:
``corpus`` (``tutor index``: lessons and passages) or ``variants`` (a variant published or
withdrawn). Each replica reads the counters at most every few seconds (one small query) and
reloads what moved (:meth:`tutor.api.services.Services.refresh`).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tutor.store.database import Database
from tutor.store.models import Generation, utcnow
from tutor.store.upsert import upsert

CORPUS = "corpus"
VARIANTS = "variants"


def bump_in(session: Session, name: str) -> int:
    """Within ``session``: move the counter ``name`` on (an upsert, safe from several
    processes at once); its new value."""
    now = utcnow()
    row = upsert(session, Generation, {"name": name, "value": 1, "changed_at": now},
                 update={"value": Generation.value + 1, "changed_at": now})  # fmt: skip
    return row.value


def bump_generation(database: Database, name: str = CORPUS) -> int:
    """Move the counter ``name`` on, in a transaction of its own."""
    return database.transaction(lambda session: bump_in(session, name))


def read_generations(database: Database) -> dict[str, int]:
    """Every counter (one absent before its first bump counts as 0)."""
    with database.reads() as connection:
        rows = connection.execute(select(Generation.name, Generation.value))
        return {name: int(value) for name, value in rows}


def read_generation(database: Database, name: str = CORPUS) -> int:
    return read_generations(database).get(name, 0)
