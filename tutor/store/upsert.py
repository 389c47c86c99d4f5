"""``INSERT ... ON CONFLICT DO UPDATE`` for the rows many transactions create at once.

Two replicas grading a new learner's first answers (or two learners' first answers to an item)
would both find no row and both insert it; one then fails on the primary key. An upsert lets
the database decide: the row is inserted, or the existing one is updated, in one statement.
SQLite and Postgres spell it the same way in SQLAlchemy, through their dialect's ``insert``.

The statement returns the ORM row with ``populate_existing``, so a row the session had already
loaded shows the stored values afterwards rather than the ones it read before.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import Table, inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from tutor.store.models import Base

RowT = TypeVar("RowT", bound=Base)


def upsert(
    session: Session,
    model: type[RowT],
    values: Mapping[str, Any],
    *,
    update: Mapping[str, Any],
) -> RowT:
    """Insert ``values`` as a row of ``model``, or, when its primary key exists, set ``update``
    on that row (values may be expressions over the stored row, like ``Model.n + 1``)."""
    keys = [column.name for column in inspect(model).primary_key]
    dialect = session.get_bind().dialect.name
    statement: postgresql.Insert | sqlite.Insert
    if dialect == "postgresql":
        on_postgres = postgresql.insert(model).values(**values)
        statement = on_postgres.on_conflict_do_update(index_elements=keys, set_=dict(update))
    elif dialect == "sqlite":
        on_sqlite = sqlite.insert(model).values(**values)
        statement = on_sqlite.on_conflict_do_update(index_elements=keys, set_=dict(update))
    else:
        raise NotImplementedError(f"no upsert for the {dialect} dialect (SQLite or Postgres)")
    row: RowT = session.scalars(
        statement.returning(model), execution_options={"populate_existing": True}
    ).one()
    return row


_STATEMENTS: dict[tuple[str, str, tuple[str, ...], tuple[str, ...]], Any] = {}


def upsert_rows(
    session: Session,
    model: type[Base],
    rows: Sequence[Mapping[str, Any]],
    *,
    replace: Sequence[str] = (),
    update: Mapping[str, Any] | None = None,
) -> None:
    """The hot path's :func:`upsert`: Core, no ``RETURNING``, no ORM row loaded.

    Each of ``rows`` (all with the same keys) is inserted or, when its primary key exists,
    the stored row gets the ``replace`` columns from the row given (``excluded``) and the
    ``update`` expressions, which may use ``bindparam``\\ s whose values each row carries
    besides its columns. The statement is built once per model, dialect and shape and sent
    as one executemany. ``update`` must be the same expressions on every call that names
    the same ``replace`` columns (the statement is cached on their names)."""
    if not rows:
        return
    table = model.__table__
    assert isinstance(table, Table)
    dialect = session.get_bind().dialect.name
    shape = (dialect, table.name, tuple(replace), tuple(update or ()))
    statement = _STATEMENTS.get(shape)
    if statement is None:
        keys = [column.name for column in table.primary_key]
        if dialect == "postgresql":
            insert: Any = postgresql.insert(table)
        elif dialect == "sqlite":
            insert = sqlite.insert(table)
        else:
            raise NotImplementedError(f"no upsert for the {dialect} dialect (SQLite or Postgres)")
        set_ = {name: insert.excluded[name] for name in replace} | dict(update or {})
        statement = _STATEMENTS.setdefault(
            shape, insert.on_conflict_do_update(index_elements=keys, set_=set_)
        )
    session.connection().execute(statement, [dict(row) for row in rows])
