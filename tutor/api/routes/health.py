"""Liveness and what the service is running on."""

from __future__ import annotations

from fastapi import APIRouter

from tutor import __version__
from tutor.api.deps import ServicesDep
from tutor.api.schemas import Health
from tutor.offload import offload

router = APIRouter(tags=["health"])


@router.get("/health")
async def health(services: ServicesDep) -> Health:
    count = await offload(services.index.count)
    return Health(
        status="ok",
        version=__version__,
        engine=services.engine_name,
        lessons=len(services.corpus.lessons),
        indexed_passages=count,
    )
