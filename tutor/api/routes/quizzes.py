"""Quizzes: "test this pattern" — ten questions on one lesson, adapting as they go.

A quiz belongs to the learner whose key started it; answers go through the same grading and
mastery update as any attempt (``POST /v1/items/{id}/attempts``).
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from tutor.api.auth import Principal, PrincipalDep
from tutor.api.deps import ServicesDep
from tutor.api.openapi import BACKEND, error_responses
from tutor.api.routes.grading import AttemptCreate, AttemptPublic, GradingDep, attempt_public
from tutor.api.routes.lessons import item_public
from tutor.api.schemas import ItemPublic, LessonId
from tutor.api.services import Services
from tutor.errors import ConflictError, NotFoundError
from tutor.learners import QuizView, answer_item, answer_quiz, get_quiz, start_quiz
from tutor.store import AttemptRecord, get_attempt

router = APIRouter(prefix="/v1/quizzes", tags=["learners"])


class _Public(BaseModel):
    model_config = ConfigDict(extra="forbid")


class QuizCreate(_Public):
    lesson: LessonId


class QuestionPublic(_Public):
    number: int
    item_id: str
    difficulty: str
    attempt_id: str | None
    score: float | None
    verdict: str | None
    misconceptions: list[str]


class ConceptResultPublic(_Public):
    concept_id: str
    name: str
    questions: int
    mean_score: float


class LevelResult(_Public):
    asked: int
    correct: int


class MisconceptionCount(_Public):
    misconception: str
    times: int


class SummaryPublic(_Public):
    answered: int
    correct: int
    mean_score: float
    by_difficulty: dict[str, LevelResult]
    strengths: list[ConceptResultPublic]
    gaps: list[ConceptResultPublic]
    misconceptions: list[MisconceptionCount] = Field(description="Most frequent first.")
    lesson_items: int = Field(description="Practice items in the lesson.")
    repeats: int = Field(description="Questions so far that repeat an item asked before.")
    note: str | None = Field(
        description="Says when the lesson has fewer items than the quiz has questions (some "
        "questions then repeat; none does while an item has not been asked)."
    )


class QuizPublic(_Public):
    id: str
    learner_id: str
    lesson_id: str
    status: str = Field(description="active or finished.")
    length: int
    questions: list[QuestionPublic]
    current: ItemPublic | None = Field(description="The item to answer now; none when finished.")
    summary: SummaryPublic = Field(description="Of the answers so far; final once finished.")
    created_at: datetime
    finished_at: datetime | None


class QuizAnswer(_Public):
    quiz: QuizPublic
    attempt: AttemptPublic


def quiz_public(view: QuizView, services: Services) -> QuizPublic:
    summary = view.summary
    return QuizPublic(
        id=view.id,
        learner_id=view.learner_id,
        lesson_id=view.lesson_id,
        status=view.status,
        length=view.length,
        questions=[
            QuestionPublic(
                number=q.number,
                item_id=q.item_id,
                difficulty=q.difficulty.value,
                attempt_id=q.attempt_id,
                score=q.score,
                verdict=q.verdict,
                misconceptions=list(q.misconceptions),
            )
            for q in view.questions
        ],
        current=item_public(*services.corpus.item(view.current.item_id)) if view.current else None,
        summary=SummaryPublic(
            answered=summary.answered,
            correct=summary.correct,
            mean_score=summary.mean_score,
            by_difficulty={
                level: LevelResult(asked=asked, correct=correct)
                for level, (asked, correct) in summary.by_difficulty.items()
            },
            strengths=[ConceptResultPublic(**vars(r)) for r in summary.strengths],
            gaps=[ConceptResultPublic(**vars(r)) for r in summary.gaps],
            misconceptions=[
                MisconceptionCount(misconception=m, times=n) for m, n in summary.misconceptions
            ],
            lesson_items=summary.lesson_items,
            repeats=summary.repeats,
            note=summary.note,
        ),
        created_at=view.created_at,
        finished_at=view.finished_at,
    )


async def _readable(services: Services, principal: Principal, quiz_id: str) -> QuizView:
    view = await asyncio.to_thread(get_quiz, services.database, services.corpus, quiz_id)
    if not principal.can_read(view.learner_id):
        raise NotFoundError(f"no quiz {quiz_id!r}")
    return view


@router.post("", status_code=201, responses=error_responses(400, 404))
async def start(body: QuizCreate, services: ServicesDep, principal: PrincipalDep) -> QuizPublic:
    """Start a quiz on a lesson for the caller's learner; the reply holds the first question."""
    learner_id = principal.acting_learner()
    view = await asyncio.to_thread(
        start_quiz, services.database, services.corpus, learner_id, body.lesson
    )
    return quiz_public(view, services)


@router.get("/{quiz_id}", responses=error_responses(404))
async def show(quiz_id: str, services: ServicesDep, principal: PrincipalDep) -> QuizPublic:
    return quiz_public(await _readable(services, principal, quiz_id), services)


@router.post("/{quiz_id}/answers", responses=error_responses(404, 409, *BACKEND))
async def answer(
    quiz_id: str,
    body: AttemptCreate,
    services: ServicesDep,
    grading: GradingDep,
    principal: PrincipalDep,
) -> QuizAnswer:
    """Answer the current question: it is graded like any attempt, then the quiz moves on (a
    step harder after a correct answer, easier after a wrong one)."""
    view = await _readable(services, principal, quiz_id)
    if view.learner_id != principal.learner_id:
        raise NotFoundError(f"no quiz {quiz_id!r}")  # teachers read quizzes, never answer them
    if body.idempotency_key is not None:
        key = f"quiz:{quiz_id}:{body.idempotency_key}"
        replayed = await asyncio.to_thread(_answered_with, services, view, key)
        if replayed is not None:  # a retry of an answer already recorded
            return QuizAnswer(quiz=quiz_public(view, services), attempt=attempt_public(replayed))
    if view.current is None:
        raise ConflictError(f"quiz {quiz_id!r} is finished; start a new one")
    if body.idempotency_key is None:
        key = f"quiz:{quiz_id}:question-{view.current.number}"
    outcome = await answer_item(
        services.database,
        services.corpus,
        view.learner_id,
        view.current.item_id,
        body.answer,
        grading.item_grader,
        idempotency_key=key,
        config=services.learner_config,
    )
    after = await asyncio.to_thread(
        answer_quiz, services.database, services.corpus, quiz_id, outcome.attempt.id
    )
    return QuizAnswer(
        quiz=quiz_public(after, services),
        attempt=attempt_public(outcome.attempt, outcome.observation),
    )


def _answered_with(services: Services, view: QuizView, key: str) -> AttemptRecord | None:
    for question in view.questions:
        if question.attempt_id is not None:
            attempt = get_attempt(services.database, question.attempt_id)
            if attempt.idempotency_key == key:
                return attempt
    return None
