"""Passage search."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter

from tutor.api.deps import IndexDep
from tutor.api.openapi import BACKEND, error_responses
from tutor.api.schemas import SearchHit, SearchRequest
from tutor.offload import offload

router = APIRouter(prefix="/v1", tags=["retrieval"])


@router.post("/search", responses=error_responses(*BACKEND))
async def search(body: SearchRequest, index: IndexDep) -> list[SearchHit]:
    hits = await offload(
        index.search, body.query, body.k, lesson=body.lesson, concept=body.concept, kind=body.kind
    )
    return [SearchHit(**{**asdict(h), "concepts": list(h.concepts)}) for h in hits]
