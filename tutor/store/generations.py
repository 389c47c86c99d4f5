"""Change signals for what replicas hold in memory: a counter per name in ``generations``.

A replica loads the corpus (lesson files, published variants) and opens the passage index once,
and keeps them. Whatever changes them bumps the ``corpus`` generation in the shared database
(``tutor index``, publishing or withdrawing a variant); each replica reads the counter at most
every few seconds (one primary-key lookup) and reloads when it moved
(:class:`tutor.api.reload.Reloader`).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tutor.store.database import Database
from tutor.store.models import Generation, utcnow
from tutor.store.upsert import upsert

CORPUS = "corpus"


def bump_generation(database: Database, name: str = CORPUS) -> int:
    """Move the counter ``name`` on (an upsert: safe from several processes at once)."""

    def work(session: Session) -> int:
        now = utcnow()
        row = upsert(session, Generation, {"name": name, "value": 1, "changed_at": now},
                     update={"value": Generation.value + 1, "changed_at": now})  # fmt: skip
        return row.value

    return database.transaction(work)


def read_generation(database: Database, name: str = CORPUS) -> int:
    """The counter ``name`` (0 before its first bump)."""
    with database.session() as session:
        value = session.scalar(select(Generation.value).where(Generation.name == name))
    return int(value or 0)
