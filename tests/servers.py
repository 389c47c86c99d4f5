"""The real servers the `servers` suites run against, when CI (or you) started them.

``TUTOR_TEST_DATABASE_URL`` names a Postgres database whose user may create databases (each
test gets its own, copied from a migrated template); ``TUTOR_TEST_CHROMA_URL`` a Chroma server
(each user of it gets its own collection). ``.ci/servers.sh`` starts both. They are read when
this module is imported, before the autouse fixture clears every ``TUTOR_*`` variable.

Fixtures parametrized with :data:`DATABASE_BACKENDS` run on SQLite always and on Postgres
when it is configured; those runs carry the ``servers`` marker (``pytest -m servers``).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tutor.store import Database, upgrade_to_head

POSTGRES_URL = os.environ.get("TUTOR_TEST_DATABASE_URL") or None
CHROMA_URL = os.environ.get("TUTOR_TEST_CHROMA_URL") or None

servers = pytest.mark.servers
needs_postgres = pytest.mark.skipif(POSTGRES_URL is None, reason="TUTOR_TEST_DATABASE_URL unset")
needs_chroma = pytest.mark.skipif(CHROMA_URL is None, reason="TUTOR_TEST_CHROMA_URL unset")

DATABASE_BACKENDS = [
    "sqlite",
    *([pytest.param("postgres", marks=servers)] if POSTGRES_URL else []),
]

_TEMPLATE = f"tutor_template_{os.getpid()}"
_template_ready = False


def _admin_execute(*statements: str) -> None:
    assert POSTGRES_URL is not None
    engine = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            for statement in statements:
                connection.execute(text(statement))
    finally:
        engine.dispose()


def _url_of(name: str) -> str:
    assert POSTGRES_URL is not None
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


@contextmanager
def postgres_database(*, migrated: bool = True) -> Iterator[str]:
    """The URL of a new, empty (or migrated) Postgres database, dropped afterwards."""
    global _template_ready
    name = f"tutor_test_{uuid.uuid4().hex[:12]}"
    if not migrated:
        _admin_execute(f'CREATE DATABASE "{name}"')
    else:
        if not _template_ready:
            _admin_execute(
                f'DROP DATABASE IF EXISTS "{_TEMPLATE}"', f'CREATE DATABASE "{_TEMPLATE}"'
            )
            with Database(_url_of(_TEMPLATE)) as template:
                upgrade_to_head(template)
            _template_ready = True
        _admin_execute(f'CREATE DATABASE "{name}" TEMPLATE "{_TEMPLATE}"')
    try:
        yield _url_of(name)
    finally:
        _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def database_url(backend: str, folder: Path, *, migrated: bool = True) -> Iterator[str]:
    """A fresh database of ``backend`` ("sqlite" in ``folder``, or "postgres")."""
    if backend == "postgres":
        with postgres_database(migrated=migrated) as url:
            yield url
        return
    url = f"sqlite:///{folder / f'tutor-{uuid.uuid4().hex[:8]}.db'}"
    if migrated:
        with Database(url) as database:
            upgrade_to_head(database)
    yield url


def drop_template() -> None:
    if POSTGRES_URL is not None and _template_ready:
        _admin_execute(f'DROP DATABASE IF EXISTS "{_TEMPLATE}" WITH (FORCE)')
