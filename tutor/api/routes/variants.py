"""Variant questions: generate validated drafts of an item, list the review queue, publish.

Routes stay thin so that a teacher-only dependency can be added to each; the work is in
:class:`tutor.variants.VariantService`, the same service ``tutor variants`` uses.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from tutor.api.auth import teacher
from tutor.api.deps import ServicesDep
from tutor.api.openapi import BACKEND, error_responses
from tutor.store import VariantRecord, VariantStatus
from tutor.variants import VariantService

router = APIRouter(prefix="/v1", dependencies=[Depends(teacher)], tags=["variants"])


class VariantCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    n: int = Field(default=5, ge=1, le=10, strict=True, description="How many variants to keep.")


class VariantPublic(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    parent_item_id: str
    status: VariantStatus
    item: dict[str, Any] = Field(description="The variant as a corpus item.")
    provenance: dict[str, Any] = Field(
        description="Parent, prompt name@version, engine/model and validation scores."
    )
    created_at: datetime


class VariantsGenerated(BaseModel):
    model_config = ConfigDict(extra="forbid")

    accepted: list[VariantPublic] = Field(description="Stored as drafts for review.")
    rejected: dict[str, int] = Field(description="Candidates turned away, by reason.")


async def get_variant_service(request: Request, services: ServicesDep) -> VariantService:
    """One service per app (it caches embeddings of known questions), built on first use."""
    service: VariantService | None = getattr(request.app.state, "variants", None)
    if service is None or service.corpus is not services.corpus:  # new, or a reloaded corpus
        service = VariantService.from_settings(
            services.settings,
            corpus=services.corpus,
            index=services.index,
            database=services.database,
        )
        request.app.state.variants = service
    return service


VariantsDep = Annotated[VariantService, Depends(get_variant_service)]


def variant_public(record: VariantRecord) -> VariantPublic:
    return VariantPublic(
        id=record.id,
        parent_item_id=record.parent_item_id,
        status=record.status,
        item=record.item,
        provenance=record.provenance,
        created_at=record.created_at,
    )


@router.post("/items/{item_id}/variants", status_code=201, responses=error_responses(404, *BACKEND))
async def generate(item_id: str, body: VariantCreate, variants: VariantsDep) -> VariantsGenerated:
    """Generate variants of a practice item; those that pass validation are stored as drafts."""
    outcome = await variants.generate(item_id, body.n)
    return VariantsGenerated(
        accepted=[variant_public(r) for r in outcome.records], rejected=outcome.report.rejected
    )


@router.get("/variants")
def list_variants(
    variants: VariantsDep, status: VariantStatus | None = None
) -> list[VariantPublic]:
    """The review queue, oldest first; `status` filters to draft, published or rejected."""
    return [variant_public(r) for r in variants.queue(status)]


@router.post("/variants/{variant_id}/publish", responses=error_responses(404, 409))
def publish(variant_id: str, variants: VariantsDep, services: ServicesDep) -> VariantPublic:
    """Publish a draft: from now on it is a practice item of its parent's lesson."""
    published = variant_public(variants.publish(variant_id))
    services.sync_practice()
    return published


@router.post("/variants/{variant_id}/reject", responses=error_responses(404))
def reject(variant_id: str, variants: VariantsDep) -> VariantPublic:
    return variant_public(variants.reject(variant_id))
