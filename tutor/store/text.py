"""Text the store cannot keep: a NUL character, or a lone surrogate (not Unicode text).

Postgres refuses both in ``text`` and ``varchar`` columns (SQLite would keep a NUL, and fails
on a surrogate like Postgres), so a learner's answer with ``\\u0000`` in it must be refused at
the door on every backend, not fail as a server error on one. The API checks request bodies,
paths and queries with :func:`unstorable` (``tutor.api.deps``); as a net under everything
else (the CLI, jobs), :func:`refuse_unstorable_parameters` runs before every statement and
turns such a value into a :class:`BadRequestError` before it reaches the database.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from tutor.errors import BadRequestError

_BIND_SUFFIX = re.compile(r"_\d+$")


def unstorable(text: str) -> str | None:
    """Why ``text`` cannot be stored, or None when it can."""
    if "\x00" in text:
        return "contains a NUL character (\\u0000), which cannot be stored"
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return "contains an unpaired surrogate, which is not Unicode text"
    return None


def refuse_unstorable_parameters(
    _connection: Any,
    _cursor: Any,
    _statement: str,
    parameters: Any,
    context: Any,
    executemany: bool,
) -> None:
    """A ``before_cursor_execute`` listener: refuse a statement that would store bad text."""
    rows = parameters if executemany else [parameters]
    compiled = getattr(context, "compiled", None)
    positions = list(getattr(compiled, "positiontup", None) or [])  # SQLite's ? parameters
    for row in rows:
        for name, value in _values(row, positions):
            if isinstance(value, str) and (reason := unstorable(value)):
                field = _BIND_SUFFIX.sub("", name) if name else "a text value"
                raise BadRequestError(f"{field} {reason}")


def _values(row: Any, positions: list[str]) -> Iterator[tuple[str | None, Any]]:
    if isinstance(row, Mapping):
        yield from ((str(k), v) for k, v in row.items())
    elif isinstance(row, Sequence) and not isinstance(row, str | bytes):
        names = positions if len(positions) == len(row) else [None] * len(row)
        yield from zip(names, row, strict=True)
