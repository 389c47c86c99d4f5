"""One ``Database`` per process: the engine, its session factory and the SQLite pragmas.

Nothing here is a module-level singleton: the app (or a CLI command, or a test) builds a
``Database`` from its settings and passes it to the services that need it.

On SQLite every connection runs with ``journal_mode=WAL`` (readers never block the writer),
``foreign_keys=ON`` and a busy timeout, and every transaction starts with ``BEGIN IMMEDIATE``:
transactions that read and then write take the write lock up front, so two writers queue
instead of failing with "database is locked". Keep transactions short (never hold one across a
model call); ``synchronous`` stays at SQLite's default ``FULL`` so a committed attempt survives
a power cut.

On Postgres (read committed) concurrent writers can still deadlock or, under a stricter
isolation level, fail to serialize; :meth:`Database.transaction` runs a unit of work and runs
it again on those errors (and on SQLite's "database is locked"), with a short jittered pause.
The work must be safe to repeat: it reads what it needs inside the transaction it is given.
"""

from __future__ import annotations

import logging
import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from tutor.config import Settings
from tutor.store.text import refuse_unstorable_parameters

BUSY_TIMEOUT_MS = 15_000
RETRIES = 6  # runs of a unit of work that deadlocked or failed to serialize, in all
# serialization_failure, deadlock_detected: Postgres rolled the transaction back; run it again.
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})

T = TypeVar("T")
logger = logging.getLogger("tutor.store")


def is_retryable(exc: BaseException) -> bool:
    """Whether ``exc`` is a transient clash between transactions, safe to run again."""
    if not isinstance(exc, DBAPIError):
        return False
    state = getattr(exc.orig, "sqlstate", None)
    if state in RETRYABLE_SQLSTATES:
        return True
    return "database is locked" in str(exc.orig)  # SQLite past its busy timeout


def database_url(settings: Settings) -> str:
    """``TUTOR_DATABASE_URL`` if set, else SQLite at ``<data_dir>/tutor.db``."""
    if settings.database_url:
        return settings.database_url
    return f"sqlite:///{settings.data_dir / 'tutor.db'}"


class Database:
    """An engine and a session factory for one database URL."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        parsed = make_url(url)
        self.url = url
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        if self.is_sqlite and parsed.database not in (None, "", ":memory:"):
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        self.engine: Engine = create_engine(url, echo=echo, pool_pre_ping=not self.is_sqlite)
        event.listen(self.engine, "before_cursor_execute", refuse_unstorable_parameters)
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_on_connect)
            event.listen(self.engine, "begin", _sqlite_on_begin)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        return cls(database_url(settings))

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        with self._sessions() as session, session.begin():
            yield session

    @contextmanager
    def writes(self) -> Iterator[Connection]:
        """One transaction on a Core connection (no ORM session): committed when the block
        ends, rolled back if it raises. For the hot path's few prepared statements."""
        with self.engine.begin() as connection:
            yield connection

    @contextmanager
    def reads(self) -> Iterator[Connection]:
        """A connection for single-statement reads outside a transaction (autocommit): no
        BEGIN/COMMIT round trips on Postgres, no write lock on SQLite. For lookups that need
        no consistency across statements (the caches, the generation counters)."""
        # SQLite's driver already runs outside a transaction until BEGIN (see _sqlite_on_begin);
        # switching its isolation level would leave the pooled connection in legacy mode.
        options = {"reads": True} if self.is_sqlite else {"isolation_level": "AUTOCOMMIT"}
        with self.engine.connect().execution_options(**options) as conn:
            yield conn

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        """An ORM session over :meth:`reads`: lookups of one statement each (the auth layer's
        per-request key and mode checks) with no BEGIN/COMMIT and, on SQLite, no write lock
        to queue for behind the writers. Never for writes (nothing is committed)."""
        with self.reads() as connection, Session(connection) as session:
            yield session

    def transaction(self, work: Callable[[Session], T], *, retries: int = RETRIES) -> T:
        """``work(session)`` in one transaction, run again (up to ``retries`` runs in all)
        when the database rolled it back for a deadlock or a serialization failure."""
        for run in range(1, retries + 1):
            try:
                with self.session() as session:
                    return work(session)
            except DBAPIError as exc:
                if run == retries or not is_retryable(exc):
                    raise
                pause = random.uniform(0.005, 0.02) * 2**run
                logger.info("transaction clashed (%s); run %d again in %.3fs", exc.orig, run, pause)
                time.sleep(pause)
        raise AssertionError("unreachable")

    def dispose(self) -> None:
        """Close every pooled connection (the data stays on disk)."""
        self.engine.dispose()

    def __enter__(self) -> Database:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.dispose()

    def __repr__(self) -> str:
        return f"Database({make_url(self.url).render_as_string(hide_password=True)!r})"


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy emit BEGIN itself (see _sqlite_on_begin); the driver's legacy mode would
    # skip it for SELECT and DDL, losing isolation and transactional migrations.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        _use_wal(cursor)
    finally:
        cursor.close()


def _use_wal(cursor: Any) -> None:
    """Switch a new database file to write-ahead logging (the mode stays in the file).

    Two processes opening a fresh file at once both ask for the exclusive lock the switch
    needs; SQLite answers one of them "database is locked" at once, without waiting out the
    busy timeout (it would deadlock), so the switch is tried again until the timeout."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(random.uniform(0.005, 0.05))


def _sqlite_on_begin(connection: Connection) -> None:
    if connection.get_execution_options().get("reads"):
        return  # Database.reads(): each statement on its own, no write lock
    connection.exec_driver_sql("BEGIN IMMEDIATE")
