"""``GET /metrics``: the service's Prometheus metrics (:mod:`tutor.metrics`).

Like ``/health`` and ``/ready`` it needs no API key, so a scraper needs no learner's or
teacher's key; the figures name routes, models and prompts, never a learner or a request.
``TUTOR_METRICS_TOKEN`` makes it answer only ``Authorization: Bearer <token>`` (Prometheus'
``authorization`` scrape setting), and ``TUTOR_METRICS=false`` leaves the route out (404).
Behind the docker-compose nginx it is not reachable from outside at all (``deploy/nginx.conf``):
Prometheus scrapes each replica directly.
"""

from __future__ import annotations

import asyncio
import hmac
from concurrent.futures import ThreadPoolExecutor

from fastapi import APIRouter, Request, Response

from tutor.api.openapi import error_responses
from tutor.errors import UnauthorizedError
from tutor.metrics import exposition

router = APIRouter(tags=["health"])

# Scrapes run in a thread of their own, one at a time, not in the worker pool: the figures
# must still come when the pool is full (which is when they matter), and a scrape is no reason
# to refuse a learner's call with a 503.
_SCRAPES = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tutor-metrics")

TEXT_FORMAT = {"text/plain": {"schema": {"type": "string"}}}


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {"description": "Prometheus' text exposition format.", "content": TEXT_FORMAT},
        **error_responses(401),
    },
)
async def metrics(request: Request) -> Response:
    """Request latency per route, LLM calls, tokens and cost, cache hits and misses, grades
    per engine and the worker queue, for Prometheus to scrape."""
    token: str | None = request.app.state.services.settings.metrics_token
    if token is not None:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip(), token):
            raise UnauthorizedError("the metrics need `Authorization: Bearer <metrics token>`")
    # reads every worker's file when there are several
    body, content_type = await asyncio.get_running_loop().run_in_executor(_SCRAPES, exposition)
    return Response(body, media_type=content_type)
