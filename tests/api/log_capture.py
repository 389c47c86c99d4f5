"""tutor's log lines, as ``TUTOR_LOG_FORMAT=json`` writes them, captured for a test."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tutor.logs import JsonFormatter, RequestContext


@contextmanager
def json_lines() -> Iterator[list[dict[str, Any]]]:
    """The JSON lines tutor's loggers write during the block (parsed once it ends): the
    formatter and filter of ``tutor serve``'s log configuration, on an in-memory stream."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestContext())
    logger = logging.getLogger("tutor")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    lines: list[dict[str, Any]] = []
    try:
        yield lines
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        lines.extend(json.loads(line) for line in stream.getvalue().splitlines())
