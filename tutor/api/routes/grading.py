"""Grading: an ad-hoc answer (``POST /v1/grade``) or an attempt at a corpus item.

An attempt is stored (committed, ``pending``) before it is graded, then graded and tracked by
:func:`tutor.learners.answer_item`; if grading fails it stays ``failed`` and ``tutor regrade
--pending`` finishes it. The learner comes from the caller's key (or is the local learner of
single-user mode). The work is in :class:`tutor.grading.service.GradingService`, the same
service ``tutor grade`` uses.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from tutor.api.auth import PrincipalDep
from tutor.api.deps import ServicesDep
from tutor.api.openapi import BACKEND, error_responses
from tutor.api.services import Services
from tutor.errors import TutorError
from tutor.grading.models import Grade, GradedExample, GradeRequest
from tutor.grading.service import MAX_ANSWER_CHARS, GradingService
from tutor.learners import Observation, answer_item
from tutor.offload import offload
from tutor.retrieval.embedder import Embedder
from tutor.store import AttemptRecord, AttemptStatus, OverrideRecord

router = APIRouter(prefix="/v1", tags=["grading"])

Answer = Annotated[str, Field(max_length=MAX_ANSWER_CHARS, description="The learner's answer.")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]
Question = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ExampleBody(_Body):
    answer: Answer
    score: float = Field(ge=0, le=1, strict=True, description="The grade a person gave it, 0 to 1.")


class GradeBody(_Body):
    """An answer to any question: give ``reference`` or ``references`` (not both)."""

    question: Question
    reference: Text | None = None
    references: list[Text] | None = Field(default=None, min_length=1, max_length=10)
    answer: Answer
    examples: list[ExampleBody] = Field(
        default_factory=list, max_length=50, description="Graded answers to the same question."
    )
    common_mistakes: list[Text] = Field(default_factory=list, max_length=20)
    solution_steps: list[Text] = Field(default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _one_reference_field(self) -> GradeBody:
        if (self.reference is None) == (self.references is None):
            raise ValueError("give either reference or references")
        return self

    def request(self) -> GradeRequest:
        return GradeRequest(
            question=self.question,
            references=self.references or [str(self.reference)],
            answer=self.answer,
            examples=[GradedExample(answer=e.answer, score=e.score) for e in self.examples],
            common_mistakes=self.common_mistakes,
            solution_steps=self.solution_steps,
        )


class AttemptCreate(_Body):
    answer: Answer
    idempotency_key: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Send the same key to retry safely: the stored attempt comes back.",
    )


class MasteryChange(_Body):
    concept_id: str
    before: float
    after: float


class TeacherReview(_Body):
    """A teacher's correction of the grade: it counts instead of the grader's."""

    verdict: str
    score: float
    note: str
    created_at: datetime


class AttemptPublic(_Body):
    id: str
    item_id: str
    learner_id: str
    status: AttemptStatus
    grade: Grade | None
    error: str | None
    created_at: datetime
    graded_at: datetime | None
    mastery: list[MasteryChange] | None = Field(
        default=None,
        description="How this answer moved the learner's P(known) per concept (only in the "
        "reply that graded it).",
    )
    review: TeacherReview | None = Field(
        default=None, description="A teacher's override of the grade, if any (the newest)."
    )


def mastery_changes(p_known: Mapping[str, tuple[float, float]]) -> list[MasteryChange]:
    """``concept id -> (before, after)`` as the API shows it."""
    return [
        MasteryChange(concept_id=c, before=before, after=after)
        for c, (before, after) in p_known.items()
    ]


def attempt_public(
    record: AttemptRecord, seen: Observation | None = None, review: OverrideRecord | None = None
) -> AttemptPublic:
    return AttemptPublic(
        mastery=None if seen is None else mastery_changes(seen.p_known),
        review=None
        if review is None
        else TeacherReview(
            verdict=review.verdict,
            score=review.score,
            note=review.note,
            created_at=review.created_at,
        ),
        id=record.id,
        item_id=record.item_id,
        learner_id=record.learner_id,
        status=record.status,
        grade=_grade(record.grade),
        error=record.error,
        created_at=record.created_at,
        graded_at=record.graded_at,
    )


def _grade(stored: dict[str, Any] | None) -> Grade | None:
    """The stored grade; None for one recorded in another shape (its score is on the attempt)."""
    try:
        return None if stored is None else Grade.model_validate(stored)
    except ValidationError:
        return None


async def get_grading(request: Request, services: ServicesDep) -> GradingService:
    """One grading service per app, built on first use (off the event loop: it loads models)."""
    state = request.app.state
    if not hasattr(state, "grading_lock"):
        state.grading_lock = asyncio.Lock()
    async with state.grading_lock:
        if getattr(state, "grading", None) is None:
            embedder = await offload(_shared_embedder, services)  # may open the index
            state.grading = await offload(
                GradingService.from_settings,
                services.settings,
                embedder=embedder,
                database=services.database,  # teacher-graded answers guide the grader
            )
    service: GradingService = state.grading
    return service


def _shared_embedder(services: Services) -> Embedder | None:
    try:
        return services.index.embedder
    except TutorError:  # no vector store: the grader brings its own embedder
        return None


GradingDep = Annotated[GradingService, Depends(get_grading)]


@router.post("/grade", responses=error_responses(*BACKEND))
async def grade(body: GradeBody, grading: GradingDep) -> Grade:
    """Grade an answer to any question against its reference answer(s); graded examples of
    the same question, if given, guide the grader. Nothing is stored."""
    return await grading.grade(body.request())


@router.post("/items/{item_id}/attempts", responses=error_responses(404, 409, *BACKEND))
async def submit_attempt(
    item_id: str,
    body: AttemptCreate,
    services: ServicesDep,
    grading: GradingDep,
    principal: PrincipalDep,
) -> AttemptPublic:
    """Store an answer to a practice item, grade it and update the learner's mastery. A
    reused `idempotency_key` returns the attempt stored under it instead of grading again."""
    database = services.database
    learner_id = principal.acting_learner()
    outcome = await answer_item(
        database,
        services.corpus,
        learner_id,
        item_id,
        body.answer,
        grading.item_grader,
        idempotency_key=body.idempotency_key,
        config=services.learner_config,
    )
    return attempt_public(outcome.attempt, outcome.observation)
