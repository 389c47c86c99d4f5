"""Alembic environment: always run programmatically with a connection from ``tutor.store``.

``tutor.store.migrate`` puts an open connection in ``config.attributes["connection"]``; there is
no ``alembic.ini`` and no offline (SQL script) mode.
"""

from __future__ import annotations

from typing import Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.engine import Connection

from tutor.store.models import Base, UTCDateTime

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError("run migrations through tutor.store.upgrade_to_head(database)")


def _render_item(kind: str, obj: object, _context: AutogenContext) -> str | Literal[False]:
    """Revisions name plain SQLAlchemy types, so they never import the models."""
    if kind == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # ALTER TABLE via copy-and-move
    compare_type=True,
    render_item=_render_item,
)
with context.begin_transaction():
    context.run_migrations()
