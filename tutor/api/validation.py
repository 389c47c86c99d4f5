"""Refuse text the store cannot keep, with a 422 naming the field, on every backend.

A NUL character (JSON ``\\u0000``) or a lone surrogate (``\\ud800``) in an answer, a message
or an id is refused by Postgres (:mod:`tutor.store.text`); SQLite would keep the NUL. So the
API refuses both before any route runs, in the request body (however nested, including the
OpenAI-compatible messages), the path and the query, exactly as a schema's field validation
error: ``422 invalid_request`` with ``body.answer: ...`` (a 400 in the OpenAI wire format).

One dependency on every signed-in router rather than a validator on each of the request
models: every body, path id and query parameter is covered, including ones added later. The
body's JSON is parsed a second time only when its bytes hold such an escape at all.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError

from tutor.store.text import unstorable

Loc = tuple[str | int, ...]
# \u0000 or a surrogate escape \ud800-\udfff in JSON (a raw NUL byte is invalid JSON anyway)
_SUSPECT = re.compile(rb"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})")


async def refuse_unstorable_text(request: Request) -> None:
    """A dependency: 422 when a path, query or body value holds text that cannot be stored."""
    errors = [
        _error(("path", name), reason)
        for name, value in request.path_params.items()
        if isinstance(value, str) and (reason := unstorable(value))
    ]
    errors += [
        _error(("query", name), reason)
        for name, value in request.query_params.multi_items()
        if (reason := unstorable(value)) or (reason := unstorable(name))
    ]
    if request.method in ("POST", "PUT", "PATCH"):
        body = await request.body()  # FastAPI has read it already; this is its cached copy
        if _SUSPECT.search(body):
            try:
                data = json.loads(body)
            except ValueError:  # not JSON: the body's own validation says so
                data = None
            errors += [_error(loc, reason) for loc, reason in _unstorable_in(data, ("body",))]
    if errors:
        raise RequestValidationError(errors)


def _error(loc: Loc, reason: str) -> dict[str, Any]:
    return {"type": "value_error", "loc": loc, "msg": f"text {reason}"}


def _unstorable_in(data: Any, loc: Loc) -> Iterator[tuple[Loc, str]]:
    if isinstance(data, str):
        if reason := unstorable(data):
            yield loc, reason
    elif isinstance(data, list):
        for n, value in enumerate(data):
            yield from _unstorable_in(value, (*loc, n))
    elif isinstance(data, dict):
        for key, value in data.items():
            if reason := unstorable(key):
                yield (*loc, key.encode("unicode_escape").decode()), f"(a key) {reason}"
            yield from _unstorable_in(value, (*loc, key))
