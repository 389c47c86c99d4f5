"""What every request leaves behind: its id, its latency in the metrics, one access line.

(Also what it carries: the id in the log lines, and its budget for waiting on worker threads,
:func:`tutor.offload.waiting_budget`.)

The request id comes from the ``X-Request-ID`` header when that is a sane id (1-128 letters,
digits, ``.``, ``_``, ``:``, ``-``: what nginx, load balancers and tracing tools send), else a
new one is made; it goes back in the response's ``X-Request-ID`` and is in every log line of
the request (:data:`tutor.logs.REQUEST_ID`). A header that is not a sane id is not an error:
the request is served under a new id.

Latency is measured to the last byte of the response (a whole server-sent event stream for the
streaming endpoints) and labelled with the route's template, so that ``/v1/items/{item_id}``
is one series however many items there are; a path that matches no route is ``unmatched``.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tutor.logs import REQUEST_ID
from tutor.metrics import HTTP_REQUESTS, HTTP_SECONDS
from tutor.offload import waiting_budget

HEADER = "x-request-id"
VALID_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"
# what load balancers, healthchecks and scrapers call every few seconds: their access lines are
# debug, unless they fail
PROBES = frozenset({"/health", "/ready", "/metrics"})

access = logging.getLogger("tutor.access")


def request_id(scope: Scope) -> str:
    """The caller's id when it is a sane one, else a new one."""
    for name, value in scope["headers"]:
        if name == HEADER.encode():
            text: str = value.decode("latin-1")
            if VALID_ID.fullmatch(text):
                return text
            break
    return uuid.uuid4().hex


def route_of(scope: Scope) -> str:
    """The template of the route that answered (set by the router), never the raw path."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) and path else UNMATCHED


class Observe:
    """Pure ASGI middleware (a streamed response passes through untouched)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = request_id(scope)
        # Not reset afterwards: each request runs in its own task (its own context), and the
        # 500 handler outside this middleware logs an unexpected error under the id too.
        REQUEST_ID.set(rid)
        waiting_budget()  # the request's calls share TUTOR_QUEUE_TIMEOUT of waiting for workers
        started = time.perf_counter()
        status = 500  # unless the app answers: an exception escaping it becomes a 500
        recorded = False

        def record() -> None:
            nonlocal recorded
            if recorded:
                return
            recorded = True
            seconds = time.perf_counter() - started
            method = scope["method"] if scope["method"] in METHODS else "other"
            route = route_of(scope)
            HTTP_SECONDS.labels(method, route).observe(seconds)
            HTTP_REQUESTS.labels(method, route, str(status)).inc()
            millis = round(seconds * 1000)
            level = logging.DEBUG if route in PROBES and status < 400 else logging.INFO
            access.log(
                level, "%s %s %d %d ms", method, scope["path"], status, millis,
                extra={"method": method, "route": route, "path": scope["path"],
                       "status": status, "duration_ms": millis},
            )  # fmt: skip

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message).append(HEADER, rid)
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                # Recorded as the last byte leaves, not after the app returns: a client that
                # has read the whole reply and then scrapes /metrics must find it counted.
                record()
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            record()
