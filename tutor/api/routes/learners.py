"""Learners: who am I, mastery per concept, the next item to practise, and past attempts.

A learner key reaches only its own learner (403 for any other id); teacher and admin keys
reach every learner. ``local`` in a path names the single-user learner, as on the command line.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from tutor.api.auth import PrincipalDep, TeacherDep
from tutor.api.deps import ServicesDep
from tutor.api.openapi import error_responses
from tutor.api.routes.grading import AttemptPublic, attempt_public
from tutor.api.routes.lessons import item_public
from tutor.api.schemas import ItemPublic
from tutor.errors import NotFoundError
from tutor.learners import choose_next, mastery_report
from tutor.store import (
    LearnerRecord,
    create_learner,
    get_attempt,
    get_learner,
    latest_overrides,
    learner_attempts,
    list_learners,
)
from tutor.store.accounts import LOCAL_ALIAS, resolve_learner_id

router = APIRouter(prefix="/v1", tags=["learners"])


async def _learner_id(
    learner_id: Annotated[
        str, Path(description="A learner id, or `local` for the single-user learner.")
    ],
    services: ServicesDep,
) -> str:
    if learner_id != LOCAL_ALIAS:
        return learner_id
    return await asyncio.to_thread(resolve_learner_id, services.database, learner_id)


LearnerId = Annotated[str, Depends(_learner_id)]


class _Public(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Me(_Public):
    role: str
    learner_id: str | None
    key_id: str | None
    local: bool = Field(description="True in single-user local mode (no API keys exist yet).")


class LearnerCreate(_Public):
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""


class LearnerPublic(_Public):
    id: str
    name: str
    created_at: datetime


class ConceptMastery(_Public):
    concept_id: str
    name: str
    lesson_id: str
    p_known: float = Field(
        description="P(the learner knows the concept), Bayesian Knowledge Tracing."
    )
    mastered: bool
    attempts: int
    last_practiced: datetime | None


class MasteryPublic(_Public):
    learner_id: str
    threshold: float = Field(description="p_known at which a concept counts as mastered.")
    mastered: int
    concepts: list[ConceptMastery]


class NextPublic(_Public):
    learner_id: str
    item: ItemPublic
    concept_id: str
    mode: str = Field(description="review, learn or stretch.")
    reason: str = Field(description="Why this item was chosen, in a sentence for the learner.")
    predicted_success: float


def learner_public(record: LearnerRecord) -> LearnerPublic:
    return LearnerPublic(id=record.id, name=record.name, created_at=record.created_at)


@router.get("/me")
def me(principal: PrincipalDep) -> Me:
    """The caller's role and learner; the page uses it to know whom it practises as."""
    return Me(
        role=principal.role.value,
        learner_id=principal.learner_id,
        key_id=principal.key_id,
        local=principal.local,
    )


@router.post("/learners", status_code=201)
def create(body: LearnerCreate, services: ServicesDep, _: TeacherDep) -> LearnerPublic:
    """A new learner (teachers and admins); give them a key with `POST /v1/keys`."""
    return learner_public(create_learner(services.database, body.name))


@router.get("/learners")
def list_all(services: ServicesDep, _: TeacherDep) -> list[LearnerPublic]:
    return [learner_public(r) for r in list_learners(services.database)]


@router.get("/learners/{learner_id}", responses=error_responses(404))
def get_one(learner_id: LearnerId, services: ServicesDep, principal: PrincipalDep) -> LearnerPublic:
    principal.require_learner(learner_id)
    return learner_public(get_learner(services.database, learner_id))


@router.get("/learners/{learner_id}/mastery", responses=error_responses(404))
async def mastery(
    learner_id: LearnerId, services: ServicesDep, principal: PrincipalDep
) -> MasteryPublic:
    """Every practicable concept, prerequisites first, with the learner's mastery."""
    principal.require_learner(learner_id)
    report = await asyncio.to_thread(
        mastery_report,
        services.database,
        services.catalog,
        learner_id,
        config=services.learner_config,
    )
    return MasteryPublic(
        learner_id=learner_id,
        threshold=services.learner_config.mastery_threshold,
        mastered=sum(p.mastered for p in report),
        concepts=[ConceptMastery(**vars(p)) for p in report],
    )


@router.get("/learners/{learner_id}/next", responses=error_responses(404))
async def next_item(
    learner_id: LearnerId, services: ServicesDep, principal: PrincipalDep
) -> NextPublic:
    """The item to practise now: a concept not yet mastered whose prerequisites are, at a
    difficulty the learner will likely (not surely) manage, or a due review; with the reason."""
    principal.require_learner(learner_id)
    chosen = await asyncio.to_thread(
        choose_next,
        learner_id,
        services.catalog,
        services.database,
        config=services.learner_config,
    )
    return NextPublic(
        learner_id=learner_id,
        item=item_public(*services.corpus.item(chosen.item_id)),
        concept_id=chosen.concept_id,
        mode=chosen.mode,
        reason=chosen.reason,
        predicted_success=chosen.predicted_success,
    )


@router.get("/learners/{learner_id}/attempts", responses=error_responses(404))
async def attempts(
    learner_id: LearnerId,
    services: ServicesDep,
    principal: PrincipalDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[AttemptPublic]:
    """The learner's attempts, newest first."""
    principal.require_learner(learner_id)
    get_learner(services.database, learner_id)
    found = await asyncio.to_thread(learner_attempts, services.database, learner_id, limit=limit)
    reviews = await asyncio.to_thread(latest_overrides, services.database, [a.id for a in found])
    return [attempt_public(a, review=reviews.get(a.id)) for a in found]


@router.get("/attempts/{attempt_id}", responses=error_responses(404))
async def attempt(attempt_id: str, services: ServicesDep, principal: PrincipalDep) -> AttemptPublic:
    """One attempt: the learner's own, or any for a teacher."""
    record = await asyncio.to_thread(get_attempt, services.database, attempt_id)
    if not principal.can_read(record.learner_id):
        raise NotFoundError(f"no attempt {attempt_id!r}")
    reviews = await asyncio.to_thread(latest_overrides, services.database, [attempt_id])
    return attempt_public(record, review=reviews.get(attempt_id))
