"""Liveness (``/health``), readiness (``/ready``) and what the service is running on."""

from __future__ import annotations

import logging

from fastapi import APIRouter
from sqlalchemy import text

from tutor import __version__
from tutor.api.deps import ServicesDep
from tutor.api.openapi import error_responses
from tutor.api.schemas import Health, Readiness
from tutor.errors import OverloadedError, ServiceUnavailableError
from tutor.offload import offload

logger = logging.getLogger(__name__)

router = APIRouter(tags=["health"])


@router.get("/health", responses=error_responses(503))
async def health(services: ServicesDep) -> Health:
    count = await offload(services.index.count)
    return Health(
        status="ok",
        version=__version__,
        engine=services.engine_name,
        lessons=len(services.corpus.lessons),
        indexed_passages=count,
    )


@router.get("/ready", responses=error_responses(503))
async def ready(services: ServicesDep) -> Readiness:
    """200 when the database and the passage index both answer; 503 naming the one that does
    not (for a load balancer or an orchestrator's readiness probe, beside ``/health``)."""

    def database() -> None:
        with services.database.session() as session:
            session.execute(text("SELECT 1"))

    def index() -> None:
        services.index.count()

    down = []
    for name, probe in (("database", database), ("index", index)):
        try:
            await offload(probe)
        except OverloadedError:
            raise
        except Exception as exc:  # any failure means not ready; the log keeps the cause
            logger.warning("readiness: %s does not answer: %s", name, type(exc).__name__)
            down.append(name)
    if down:
        raise ServiceUnavailableError(f"not ready: the {' and the '.join(down)} did not answer")
    return Readiness(status="ready", database="ok", index="ok")
