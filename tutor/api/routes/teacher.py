"""The teacher view: mastery across learners, frequent misconceptions, the review queue (and
grading it again with the teacher's grades as examples), and overrides (which rebuild the
learner's mastery and become human labels for the evals).

Every route needs a teacher or admin key (or single-user local mode). The page at ``/teacher``
is a client of these routes. The work is in :mod:`tutor.store.classroom` and
:func:`tutor.learners.override_attempt`; ``tutor eval export-overrides`` writes the same
export as ``GET /v1/overrides/export``.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from tutor.api.auth import TeacherDep, teacher
from tutor.api.deps import ServicesDep
from tutor.api.openapi import error_responses
from tutor.api.routes.grading import (
    AttemptPublic,
    GradingDep,
    MasteryChange,
    attempt_public,
    mastery_changes,
)
from tutor.api.routes.lessons import item_public
from tutor.api.schemas import ItemPublic
from tutor.api.services import Services
from tutor.errors import NotFoundError
from tutor.learners import override_attempt
from tutor.learners.review_queue import regrade_review
from tutor.store import (
    ConceptSummary,
    OverrideRecord,
    class_mastery,
    export_labels,
    misconception_counts,
    override_history,
    review_queue,
)

router = APIRouter(prefix="/v1", tags=["teacher"], dependencies=[Depends(teacher)])
Limit = Annotated[int, Query(ge=1, le=1000)]
JSONL = "application/x-ndjson"


class _Public(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LearnerRow(_Public):
    learner_id: str
    name: str
    p_known: float
    mastered: bool
    attempts: int
    last_practiced: datetime


class ConceptRow(_Public):
    concept_id: str
    name: str
    lesson_id: str | None = Field(description="None for a concept no longer in the corpus.")
    learners: int = Field(description="Learners who practised the concept.")
    mean_p_known: float | None = Field(description="Their mean P(known); None if nobody did.")
    mastered: int = Field(description="Learners at or above the mastery threshold.")
    rows: list[LearnerRow] = Field(description="One per learner who practised it, weakest first.")


class ClassMastery(_Public):
    threshold: float
    concepts: list[ConceptRow]


class ExamplePublic(_Public):
    attempt_id: str
    learner_id: str
    item_id: str
    answer: str


class MisconceptionPublic(_Public):
    text: str
    count: int = Field(description="Graded answers that showed it.")
    learners: int
    items: list[str] = Field(description="Item ids, most frequent first.")
    example: ExamplePublic = Field(description="The newest answer that showed it.")


class ReviewPublic(_Public):
    attempt: AttemptPublic = Field(description="The learner's answer and the grader's grade.")
    learner_name: str
    answer: str
    item: ItemPublic | None = Field(description="None for an item not in the corpus.")
    canonical_answer: str | None


class RegradeBody(_Public):
    items: list[str] | None = Field(
        default=None,
        max_length=1000,
        description="These items' answers, whether or not a teacher graded answers to them "
        "(their lesson file may have new graded answers). Default: the items a teacher has "
        "graded answers of.",
    )
    limit: int = Field(
        default=200, ge=1, le=1000, strict=True, description="At most this many answers."
    )


class RegradeReport(_Public):
    regraded: list[str] = Field(description="Attempts whose grade changed and was replaced.")
    left_queue: list[str] = Field(description="Of those, the ones no longer needing review.")
    unchanged: int = Field(description="Answers graded the same again.")
    skipped: int = Field(description="Answers a teacher or another run graded meanwhile.")
    failed: dict[str, str] = Field(description="Attempt id -> why it could not be graded.")


class OverrideBody(_Public):
    verdict: Literal["correct", "partially_correct", "incorrect"]
    score: float = Field(ge=0, le=1, strict=True)
    note: str = Field(default="", max_length=2000)


class OverridePublic(_Public):
    id: int
    attempt_id: str
    teacher_key_id: str | None = Field(description="None: the local user of single-user mode.")
    verdict: str
    score: float
    note: str
    created_at: datetime
    mastery: list[MasteryChange] | None = Field(
        default=None,
        description="How the rebuilt mastery moved (only in the reply that made it; None when "
        "the score did not change).",
    )


class OverrideHistory(OverridePublic):
    item_id: str
    learner_id: str
    answer: str
    grader_verdict: str | None
    grader_score: float | None


@router.get("/class/mastery")
async def mastery(services: ServicesDep) -> ClassMastery:
    """Every practicable concept, prerequisites first, with the class's mastery of it."""
    config = services.learner_config
    threshold = config.mastery_threshold
    found = await asyncio.to_thread(
        class_mastery, services.database, threshold=threshold, check=config.mastery_check
    )
    return ClassMastery(threshold=threshold, concepts=_concept_rows(services, found))


@router.get("/class/misconceptions")
async def misconceptions(services: ServicesDep, limit: Limit = 20) -> list[MisconceptionPublic]:
    """The misconceptions grades named most often (answers a teacher called correct aside)."""
    found = await asyncio.to_thread(misconception_counts, services.database, limit=limit)
    return [
        MisconceptionPublic(
            text=m.text, count=m.count, learners=m.learners, items=list(m.items),
            example=ExamplePublic(**vars(m.example)),
        )
        for m in found
    ]  # fmt: skip


@router.get("/review")
async def review(
    services: ServicesDep, limit: Limit = 100, item_id: str | None = None
) -> list[ReviewPublic]:
    """Graded answers flagged needs_review that no teacher has overridden or confirmed yet,
    oldest first; `item_id`: only the answers to that item."""
    items = None if item_id is None else [item_id]
    found = await asyncio.to_thread(review_queue, services.database, limit=limit, items=items)
    out = []
    for entry in found:
        item, canonical = None, None
        try:
            lesson, corpus_item = services.corpus.item(entry.attempt.item_id)
            item, canonical = item_public(lesson, corpus_item), corpus_item.answer
        except NotFoundError:
            pass
        out.append(
            ReviewPublic(
                attempt=attempt_public(entry.attempt), learner_name=entry.learner_name,
                answer=entry.attempt.answer, item=item, canonical_answer=canonical,
            )
        )  # fmt: skip
    return out


@router.post("/review/regrade", responses=error_responses(404))
async def regrade_queue(
    body: RegradeBody, services: ServicesDep, grading: GradingDep
) -> RegradeReport:
    """Grade again the answers waiting for review to items a teacher has graded answers of:
    those grades are the item's graded examples now, and with examples the grader is surer, so
    some answers get a grade sure enough to leave the queue. A changed grade replaces the old
    one (kept in the attempt's history) and the learner's mastery is rebuilt."""
    report = await regrade_review(  # 404 for an item named that is not in the corpus
        services.database, services.corpus, grading.item_grader, items=body.items,
        config=services.learner_config, limit=body.limit,
    )  # fmt: skip
    return RegradeReport(
        regraded=report.regraded, left_queue=report.left_queue, unchanged=len(report.unchanged),
        skipped=len(report.skipped), failed=report.failed,
    )  # fmt: skip


@router.post(
    "/attempts/{attempt_id}/override", status_code=201, responses=error_responses(404, 409)
)
async def override(
    attempt_id: str, body: OverrideBody, services: ServicesDep, principal: TeacherDep
) -> OverridePublic:
    """Replace the grade of a graded answer (send the same verdict and score to confirm it).
    The learner's mastery is rebuilt with the new score; the newest override is the label
    `GET /v1/overrides/export` gives the evals."""
    outcome = await asyncio.to_thread(
        override_attempt,
        services.database,
        services.catalog,
        attempt_id,
        teacher_key_id=principal.key_id,
        verdict=body.verdict,
        score=body.score,
        note=body.note,
        config=services.learner_config,
    )
    rebuilt = outcome.mastery
    changes = None if rebuilt is None else mastery_changes(rebuilt.p_known)
    return OverridePublic(**_override_fields(outcome.override), mastery=changes)


@router.get("/overrides")
async def overrides(
    services: ServicesDep, attempt_id: str | None = None, limit: Limit = 100
) -> list[OverrideHistory]:
    """Every override, newest first (several per attempt when a teacher changed their mind)."""
    found = await asyncio.to_thread(
        override_history, services.database, attempt_id=attempt_id, limit=limit
    )
    return [
        OverrideHistory(
            **_override_fields(e.override), item_id=e.attempt.item_id,
            learner_id=e.attempt.learner_id, answer=e.attempt.answer,
            grader_verdict=e.attempt.verdict, grader_score=e.attempt.score,
        )
        for e in found
    ]  # fmt: skip


@router.get(
    "/overrides/export",
    response_class=Response,
    responses={200: {"content": {JSONL: {}}, "description": "One eval case a line."}},
)
async def export(services: ServicesDep) -> Response:
    """The newest override of each answer as an eval dataset (JSONL, one case a line):
    `tutor eval grading overrides.jsonl` measures the grader against these human labels."""
    items = services.catalog.items.keys()
    exported = await asyncio.to_thread(export_labels, services.database, items=items)
    return Response(
        exported.jsonl(),
        media_type=JSONL,
        headers={
            "content-disposition": 'attachment; filename="overrides.jsonl"',
            "x-skipped-attempts": str(len(exported.skipped)),
        },
    )


def _override_fields(record: OverrideRecord) -> dict[str, Any]:
    return {
        "id": record.id, "attempt_id": record.attempt_id, "teacher_key_id": record.teacher_key_id,
        "verdict": record.verdict, "score": record.score, "note": record.note,
        "created_at": record.created_at,
    }  # fmt: skip


def _concept_rows(services: Services, found: list[ConceptSummary]) -> list[ConceptRow]:
    catalog = services.catalog
    by_id = {c.concept_id: c for c in found}
    ordered = catalog.practicable() + sorted(set(by_id) - set(catalog.practicable()))
    out = []
    for cid in ordered:
        summary, concept = by_id.get(cid), catalog.concepts.get(cid)
        rows = [
            LearnerRow(
                learner_id=r.learner_id, name=r.learner_name, p_known=r.p_known,
                mastered=r.mastered, attempts=r.attempts, last_practiced=r.last_practiced,
            )
            for r in (summary.rows if summary else ())
        ]  # fmt: skip
        out.append(
            ConceptRow(
                concept_id=cid, name=catalog.name(cid),
                lesson_id=concept.lesson_id if concept else None,
                learners=summary.learners if summary else 0,
                mean_p_known=summary.mean_p_known if summary else None,
                mastered=summary.mastered if summary else 0, rows=rows,
            )
        )  # fmt: skip
    return out
