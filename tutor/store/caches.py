"""Caches every replica shares: rows of a table in the service's database.

The LLM reply cache (``llm_cache``, :mod:`tutor.llm.cache`) and the grade cache
(``grade_cache``, :mod:`tutor.grading.cache`) are each a :class:`CacheTable`: a key (the sha256
of everything the value depends on, computed by the caller), the value as JSON text and when it
was written. Replicas on one database (SQLite or Postgres) see each other's entries.

**Writes** are upserts (``INSERT ... ON CONFLICT DO UPDATE``, :func:`tutor.store.upsert`), so
two replicas writing one key at once both succeed (the later value stays; both are valid for
the key), and a batch is written in key order in one transaction, run again on a deadlock.
A cache that cannot be read or written is not an error for the caller (a miss; the write is
dropped): the failure is logged.

**Bounds.** An entry older than ``max_age`` is a miss. Every ``PRUNE_EVERY`` writes a process
deletes the entries past ``max_age`` and, beyond the newest ``max_rows``, the oldest ones, so a
table holds at most about ``max_rows + PRUNE_EVERY * replicas`` rows.

Every method blocks on the database: call them from a worker thread
(:func:`tutor.offload.offload`), never on the event loop.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import Select, bindparam, delete, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from tutor.config import Settings
from tutor.errors import TutorError
from tutor.store.database import Database
from tutor.store.migrate import open_database
from tutor.store.models import GradeCacheEntry, LLMCacheEntry, utcnow
from tutor.store.upsert import upsert_rows

PRUNE_EVERY = 500  # writes per process between two prunes
logger = logging.getLogger("tutor.store.caches")

CacheModel = type[LLMCacheEntry] | type[GradeCacheEntry]
_LIVE_VALUES: dict[str, Select[str, str]] = {}
M = TypeVar("M", bound=BaseModel)


def decoded(shape: type[M], stored: str | None) -> M | None:
    """A stored value as ``shape``; None for a miss, or for an entry written in an older shape
    (a miss too: the next put overwrites it)."""
    if stored is None:
        return None
    try:
        return shape.model_validate_json(stored)
    except ValidationError:
        return None


class CacheTable:
    """One cache table; ``database`` may be a callable that opens it on first use."""

    def __init__(
        self,
        database: Database | Callable[[], Database],
        model: CacheModel,
        *,
        max_rows: int,
        max_age: timedelta,
    ) -> None:
        self._database = database if isinstance(database, Database) else None
        self._open = None if isinstance(database, Database) else database
        self.model, self.max_rows, self.max_age = model, max_rows, max_age
        self._lock = threading.Lock()
        self._writes = 0

    @classmethod
    def from_settings(
        cls, settings: Settings, model: CacheModel, database: Database | None = None
    ) -> CacheTable:
        """Bounded by the settings; on ``database``, or on the configured database, opened
        (and migrated) on first use."""
        return cls(
            database if database is not None else (lambda: open_database(settings)),
            model,
            max_rows=settings.cache_max_entries,
            max_age=timedelta(days=settings.cache_max_age_days),
        )

    @property
    def database(self) -> Database:
        if self._database is None:
            with self._lock:
                if self._database is None:
                    assert self._open is not None
                    self._database = self._open()
        return self._database

    def _oldest_kept(self) -> datetime:
        return utcnow() - self.max_age

    def get_many(self, keys: Iterable[str]) -> dict[str, str]:
        """The live values stored under ``keys`` (a missing or expired key is absent)."""
        wanted = sorted(set(keys))
        if not wanted:
            return {}
        model = self.model
        query = _LIVE_VALUES.get(model.__tablename__)
        if query is None:  # built once per table; the keys expand per call
            live = select(model.key, model.value).where(
                model.key.in_(bindparam("keys", expanding=True)),
                model.created_at >= bindparam("oldest", type_=model.__table__.c.created_at.type),
            )
            query = _LIVE_VALUES.setdefault(model.__tablename__, live)
        params = {"keys": wanted, "oldest": self._oldest_kept()}
        try:
            with self.database.reads() as connection:
                return {key: value for key, value in connection.execute(query, params)}
        except SQLAlchemyError as exc:  # a cache that cannot be read is a miss, not an error
            logger.warning("could not read %s: %s", model.__tablename__, exc)
            return {}

    def get(self, key: str) -> str | None:
        return self.get_many([key]).get(key)

    def put_many(self, entries: Sequence[tuple[str, str]]) -> None:
        """Store ``(key, value)`` pairs (upserts, in key order, one transaction)."""
        if not entries:
            return
        latest = dict(entries)  # one row per key, the last value given
        now = utcnow()

        rows = [  # one order everywhere: no deadlock between writers
            {"key": key, "value": latest[key], "created_at": now} for key in sorted(latest)
        ]

        def write(session: Session) -> None:  # one executemany, nothing read back
            upsert_rows(session, self.model, rows, replace=("value", "created_at"))

        try:
            self.database.transaction(write)
        except (SQLAlchemyError, TutorError) as exc:  # a cache write never fails the caller
            logger.warning("could not write %d %s entries: %s", len(latest),
                           self.model.__tablename__, exc)  # fmt: skip
            return
        with self._lock:
            self._writes += len(latest)
            due = self._writes >= PRUNE_EVERY
            if due:
                self._writes = 0
        if due:
            self.prune()

    def put(self, key: str, value: str) -> None:
        self.put_many([(key, value)])

    def prune(self) -> int:
        """Delete expired entries and the oldest beyond ``max_rows``; how many went."""
        model = self.model

        def work(session: Session) -> int:
            gone = session.execute(delete(model).where(model.created_at < self._oldest_kept()))
            removed = int(gone.rowcount or 0)  # type: ignore[attr-defined]
            cutoff = session.scalar(
                select(model.created_at)
                .order_by(model.created_at.desc())
                .offset(self.max_rows)
                .limit(1)
            )
            if cutoff is not None:
                gone = session.execute(delete(model).where(model.created_at <= cutoff))
                removed += int(gone.rowcount or 0)  # type: ignore[attr-defined]
            return removed

        try:
            return self.database.transaction(work)
        except SQLAlchemyError as exc:
            logger.warning("could not prune %s: %s", model.__tablename__, exc)
            return 0

    def clear(self) -> None:
        self.database.transaction(lambda session: session.execute(delete(self.model)))

    def __len__(self) -> int:
        with self.database.session() as session:
            return int(session.scalar(select(func.count()).select_from(self.model)) or 0)
