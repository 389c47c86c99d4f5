"""Log lines: plain text or one JSON object per line, each with the request it belongs to.

``TUTOR_LOG_FORMAT=json`` makes every line of ``tutor serve`` (tutor's own, uvicorn's) a JSON
object: ``time``, ``level``, ``logger``, ``message``, ``request_id`` and, for the access line
of each request, ``method``, ``route``, ``path``, ``status`` and ``duration_ms``; an exception
adds ``exception``. ``text`` (the default) is the same in one readable line.

The request id is a context variable set by the HTTP middleware (:mod:`tutor.api.observe`);
asyncio tasks and the worker threads of :mod:`tutor.offload` inherit it, so every line logged
while serving a request carries that request's id.

Secrets never reach a line: nothing logs headers, and as a second guard every line is scrubbed
of bearer credentials, tutor API keys and provider keys before it is written.
"""

from __future__ import annotations

import json
import logging
import logging.config
import re
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Literal

LogFormat = Literal["text", "json"]

REQUEST_ID: ContextVar[str | None] = ContextVar("tutor_request_id", default=None)

# the fields an access line carries beyond the message (passed as ``extra=``)
ACCESS_FIELDS = ("method", "route", "path", "status", "duration_ms")

_NAMED = r"(?i)\b(api[_-]?key|x-api-key|password)([\"']?\s*[=:]\s*[\"']?)"
_AUTHORIZATION = r"(?i)\b(authorization[\"']?\s*[=:]\s*[\"']?)([A-Za-z]+\s+)?"
_SECRETS = [
    (re.compile(r"(?i)\b(bearer)\s+[^\s,;\"']{8,}"), r"\1 [redacted]"),  # not "Bearer KEY"
    (re.compile(r"\btutor_[A-Za-z0-9_-]{16,}"), "tutor_[redacted]"),  # tutor's API keys
    (re.compile(r"\bsk-[A-Za-z0-9_-]{8,}"), "sk-[redacted]"),  # OpenAI-style provider keys
    (re.compile(_NAMED + r"[^\s,;\"'&}\\]+"), r"\1\2[redacted]"),  # api_key=..., "password": ...
    # an Authorization header of any scheme (Basic, Token, ...), whose credential has 8
    # characters or more
    (re.compile(_AUTHORIZATION + r"[^\s,;\"'&}\\]{8,}"), r"\1\2[redacted]"),
]


def redact(text: str) -> str:
    """``text`` without anything that looks like a credential."""
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


class RequestContext(logging.Filter):
    """Adds ``request_id`` (``-`` outside a request) to every record that passes."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get() or "-"
        return True


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        if not hasattr(record, "request_id"):
            record.request_id = REQUEST_ID.get() or "-"
        return redact(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": redact(record.getMessage()),
            "request_id": _request_id(record),
        }
        for name in ACCESS_FIELDS:
            if (value := getattr(record, name, None)) is not None:
                line[name] = redact(value) if isinstance(value, str) else value
        if record.exc_info:
            line["exception"] = redact(self.formatException(record.exc_info))
        # scrubbed field by field, before encoding: a pattern run over the encoded line could
        # take an escaping backslash with a secret and break the JSON
        return json.dumps(line, ensure_ascii=False, default=str)


def _request_id(record: logging.LogRecord) -> str | None:
    """The id the filter saw when the line was logged (null outside a request)."""
    rid = getattr(record, "request_id", None)
    return REQUEST_ID.get() if rid is None else (None if rid == "-" else str(rid))


def log_config(fmt: LogFormat = "text", level: str = "INFO") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for tutor's and uvicorn's loggers (``uvicorn.run``'s
    ``log_config``), writing to stderr. uvicorn's own access line is replaced by tutor's
    (``tutor.access``), which names the route and carries the request id."""
    formatter = {"()": JsonFormatter} if fmt == "json" else {"()": TextFormatter}
    handler = {
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stderr",
        "formatter": "line",
        "filters": ["request"],
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request": {"()": RequestContext}},
        "formatters": {"line": formatter},
        "handlers": {"stderr": handler},
        "loggers": {
            "tutor": {"handlers": ["stderr"], "level": level.upper(), "propagate": False},
            "uvicorn": {"handlers": ["stderr"], "level": level.upper(), "propagate": False},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        },
        "root": {"handlers": ["stderr"], "level": "WARNING"},  # libraries' warnings
    }


def configure_logging(fmt: LogFormat = "text", level: str = "INFO") -> None:
    logging.config.dictConfig(log_config(fmt, level))
