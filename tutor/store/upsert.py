"""``INSERT ... ON CONFLICT DO UPDATE`` for the rows many transactions create at once.

Two replicas grading a new learner's first answers (or two learners' first answers to an item)
would both find no row and both insert it; one then fails on the primary key. An upsert lets
the database decide: the row is inserted, or the existing one is updated, in one statement.
SQLite and Postgres spell it the same way in SQLAlchemy, through their dialect's ``insert``.

The statement returns the ORM row with ``populate_existing``, so a row the session had already
loaded shows the stored values afterwards rather than the ones it read before.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from sqlalchemy import inspect
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
