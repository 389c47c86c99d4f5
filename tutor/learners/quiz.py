"""Quizzes: "test this pattern" on a lesson page, ten questions that adapt as they go.

The first question is medium; after a correct answer (score ≥ 0.5) the next is one step harder,
after an incorrect one a step easier. The last questions are kept for any of easy, medium and
hard not asked yet, so every quiz samples all three. No item repeats within a quiz while the
lesson has one not asked yet (the nearest level with an unasked item is taken instead); only a
lesson with fewer items than questions repeats, the least-asked items first, and its summary
says so from the first question. The learner's least-practised items go first, then an order
shuffled per quiz. A quiz answer is an ordinary attempt (``answer_item`` grades it and updates
mastery); :func:`answer_quiz` then records it against the current question. The summary lists
strengths and gaps by concept and the misconceptions the grades reported.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tutor.corpus import Corpus, Difficulty, Lesson
from tutor.errors import BadRequestError, ConflictError, NotFoundError
from tutor.learners.knowledge import SUCCESS
from tutor.store import AttemptStatus, Database, models
from tutor.store.attempts import load_attempt

QUIZ_LENGTH = 10
LEVELS = (Difficulty.EASY, Difficulty.MEDIUM, Difficulty.HARD)
STRENGTH = 0.7  # a concept's mean quiz score at or above this is a strength
GAP = 0.5  # below this, a gap


@dataclass(frozen=True)
class QuizQuestion:
    number: int  # 1-based
    item_id: str
    difficulty: Difficulty
    attempt_id: str | None = None  # None: not answered yet
    score: float | None = None
    verdict: str | None = None
    misconceptions: tuple[str, ...] = ()


@dataclass(frozen=True)
class ConceptResult:
    concept_id: str
    name: str
    questions: int
    mean_score: float


@dataclass(frozen=True)
class QuizSummary:
    answered: int
    correct: int
    mean_score: float
    by_difficulty: dict[str, tuple[int, int]]  # level -> (asked, correct)
    strengths: list[ConceptResult]
    gaps: list[ConceptResult]
    misconceptions: list[tuple[str, int]]  # (misconception, times seen), most frequent first
    lesson_items: int  # practice items in the lesson
    repeats: int  # questions so far that repeat an earlier question's item
    note: str | None  # said when the lesson has fewer items than the quiz has questions


@dataclass(frozen=True)
class QuizView:
    id: str
    learner_id: str
    lesson_id: str
    status: str  # active | finished
    length: int
    questions: tuple[QuizQuestion, ...]
    current: QuizQuestion | None  # the question to answer now
    summary: QuizSummary  # of the questions answered so far (final once finished)
    created_at: datetime
    finished_at: datetime | None


def start_quiz(
    database: Database,
    corpus: Corpus,
    learner_id: str,
    lesson_id: str,
    *,
    length: int = QUIZ_LENGTH,
    now: datetime | None = None,
) -> QuizView:
    lesson = corpus.lesson(lesson_id)
    if not lesson.items:
        raise BadRequestError(f"lesson {lesson_id!r} has no practice items to quiz on")
    with database.session() as session:
        if session.get(models.Learner, learner_id) is None:
            raise NotFoundError(f"no learner {learner_id!r}")
        row = models.Quiz(
            learner_id=learner_id,
            lesson_id=lesson_id,
            status="active",
            length=length,
            questions=[],
            created_at=now or datetime.now(UTC),
        )
        session.add(row)
        session.flush()
        first = _next_question(session, row, lesson, [])
        row.questions = [_dump(first)]
        return _view(row, lesson)


def answer_quiz(
    database: Database,
    corpus: Corpus,
    quiz_id: str,
    attempt_id: str,
    *,
    now: datetime | None = None,
) -> QuizView:
    """Record a graded attempt as the answer to the current question and pick the next one."""
    with database.session() as session:
        row = _load(session, quiz_id)
        lesson = corpus.lesson(row.lesson_id)
        questions = [_load_question(q) for q in row.questions]
        if any(q.attempt_id == attempt_id for q in questions):
            return _view(row, lesson)  # already recorded: a retried request
        current = questions[-1] if questions and questions[-1].attempt_id is None else None
        if row.status != "active" or current is None:
            raise ConflictError(f"quiz {quiz_id} is finished")
        attempt = load_attempt(session, attempt_id)
        if attempt.learner_id != row.learner_id or attempt.item_id != current.item_id:
            raise ConflictError(
                f"attempt {attempt_id} does not answer question {current.number} "
                f"({current.item_id}) of quiz {quiz_id}"
            )
        if attempt.status != AttemptStatus.GRADED.value or attempt.score is None:
            raise ConflictError(f"attempt {attempt_id} is not graded yet; grade it, then retry")
        grade: dict[str, Any] = attempt.grade or {}
        found = grade.get("mistakes") or grade.get("misconceptions") or []  # Grade.mistakes
        answered = QuizQuestion(
            current.number, current.item_id, current.difficulty, attempt.id, attempt.score,
            attempt.verdict, tuple(str(m) for m in found if m),
        )  # fmt: skip
        questions[-1] = answered
        if len(questions) >= row.length:
            row.status = "finished"
            row.finished_at = now or datetime.now(UTC)
        else:
            questions.append(_next_question(session, row, lesson, questions))
        row.questions = [_dump(q) for q in questions]
        return _view(row, lesson)


def get_quiz(database: Database, corpus: Corpus, quiz_id: str) -> QuizView:
    with database.session() as session:
        row = _load(session, quiz_id)
        return _view(row, corpus.lesson(row.lesson_id))


def _load(session: Session, quiz_id: str) -> models.Quiz:
    row = session.get(models.Quiz, quiz_id, with_for_update=True)
    if row is None:
        raise NotFoundError(f"no quiz {quiz_id!r}")
    return row


def _next_question(
    session: Session, row: models.Quiz, lesson: Lesson, asked: list[QuizQuestion]
) -> QuizQuestion:
    level = _next_level(asked, row.length)
    seen = Counter(
        session.scalars(
            select(models.Attempt.item_id).where(models.Attempt.learner_id == row.learner_id)
        )
    )
    in_quiz = Counter(q.item_id for q in asked)
    shuffled = list(lesson.items)
    random.Random(row.id).shuffle(shuffled)
    position = {item.id: n for n, item in enumerate(shuffled)}

    # Items asked least often in this quiz first, so nothing repeats while the lesson has an
    # unasked item (even two levels away); then the wanted level, the least practised, shuffled.
    def rank(item_id: str, label: Difficulty) -> tuple[int, int, int, int]:
        distance = abs(LEVELS.index(label) - LEVELS.index(level))
        return in_quiz[item_id], distance, seen[item_id], position[item_id]

    item = min(lesson.items, key=lambda i: rank(i.id, i.difficulty))
    return QuizQuestion(len(asked) + 1, item.id, item.difficulty)


def _next_level(asked: list[QuizQuestion], length: int) -> Difficulty:
    if not asked:
        wanted = 1
    else:
        last = asked[-1]
        step = 1 if (last.score or 0) >= SUCCESS else -1
        wanted = min(max(LEVELS.index(last.difficulty) + step, 0), len(LEVELS) - 1)
    missing = [n for n, level in enumerate(LEVELS) if level not in {q.difficulty for q in asked}]
    if missing and length - len(asked) <= len(missing):
        wanted = min(missing, key=lambda n: abs(n - wanted))
    return LEVELS[wanted]


def _summary(questions: list[QuizQuestion], lesson: Lesson, length: int) -> QuizSummary:
    done = [q for q in questions if q.score is not None]
    scores = [q.score or 0.0 for q in done]
    by_level = {
        level.value: (
            sum(1 for q in done if q.difficulty is level),
            sum(1 for q in done if q.difficulty is level and (q.score or 0) >= SUCCESS),
        )
        for level in LEVELS
    }
    concept_scores: dict[str, list[float]] = {}
    items = {item.id: item for item in lesson.items}
    for q in done:
        for concept_id in items[q.item_id].concepts if q.item_id in items else ():
            concept_scores.setdefault(concept_id, []).append(q.score or 0.0)
    names = {c.id: c.name for c in lesson.concepts}
    results = [
        ConceptResult(cid, names.get(cid, cid), len(s), sum(s) / len(s))
        for cid, s in concept_scores.items()
    ]
    misconceptions = Counter(m for q in done for m in q.misconceptions)
    return QuizSummary(
        answered=len(done),
        correct=sum(1 for s in scores if s >= SUCCESS),
        mean_score=sum(scores) / len(scores) if scores else 0.0,
        by_difficulty=by_level,
        strengths=sorted(
            (r for r in results if r.mean_score >= STRENGTH), key=lambda r: -r.mean_score
        ),
        gaps=sorted((r for r in results if r.mean_score < GAP), key=lambda r: r.mean_score),
        misconceptions=misconceptions.most_common(),
        lesson_items=len(lesson.items),
        repeats=len(questions) - len({q.item_id for q in questions}),
        note=_too_few_items(lesson, length),
    )


def _too_few_items(lesson: Lesson, length: int) -> str | None:
    have = len(lesson.items)
    if have >= length:
        return None
    return (
        f"The lesson '{lesson.title}' has only {have} practice items for {length} questions, "
        f"so the last {length - have} question{'s' if length - have != 1 else ''} repeat "
        f"items already asked in this quiz."
    )


def _view(row: models.Quiz, lesson: Lesson) -> QuizView:
    questions = [_load_question(q) for q in row.questions]
    current = questions[-1] if questions and questions[-1].attempt_id is None else None
    return QuizView(
        row.id, row.learner_id, row.lesson_id, row.status, row.length, tuple(questions),
        current if row.status == "active" else None, _summary(questions, lesson, row.length),
        row.created_at, row.finished_at,
    )  # fmt: skip


def _dump(q: QuizQuestion) -> dict[str, Any]:
    return {
        "number": q.number,
        "item_id": q.item_id,
        "difficulty": q.difficulty.value,
        "attempt_id": q.attempt_id,
        "score": q.score,
        "verdict": q.verdict,
        "misconceptions": list(q.misconceptions),
    }


def _load_question(data: dict[str, Any]) -> QuizQuestion:
    return QuizQuestion(
        data["number"], data["item_id"], Difficulty(data["difficulty"]), data["attempt_id"],
        data["score"], data["verdict"], tuple(data["misconceptions"]),
    )  # fmt: skip
