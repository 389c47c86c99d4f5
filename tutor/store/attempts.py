"""The attempt lifecycle: stored before grading, so nothing a learner submits is ever lost.

    submit_attempt ──▶ pending ──record_grade──▶ graded
                          │   ▲
             record_failure   └── regrade (``tutor regrade --pending``)
                          ▼   │
                        failed

``submit_attempt`` commits before anyone grades. If the process dies while grading, the attempt
stays ``pending``; if grading raises, it becomes ``failed`` with the error. Both are listed by
:func:`pending_attempts` and can be graded again. A grade is a JSON object with ``score`` in
0..1; ``verdict`` and ``engine`` are read from it when present, and the whole object is kept.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, NamedTuple, cast

from pydantic import BaseModel
from sqlalchemy import Integer, Select, String, Table, bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tutor.errors import BadRequestError, ConflictError, NotFoundError
from tutor.store import models
from tutor.store.database import Database
from tutor.store.records import AttemptRecord, AttemptStatus, OverrideRecord

GradePayload = Mapping[str, Any] | BaseModel
UNFINISHED = (AttemptStatus.PENDING.value, AttemptStatus.FAILED.value)
_ATTEMPTS = cast(Table, models.Attempt.__table__)
_LEARNERS = cast(Table, models.Learner.__table__)
# the learner's id (None: no such learner) and the attempt stored under the key (None: none)
_LEARNER_AND_KEYED = (
    select(_LEARNERS.c.id.label("learner"), *_ATTEMPTS.c)
    .select_from(_LEARNERS)
    .outerjoin(
        _ATTEMPTS,
        (_ATTEMPTS.c.learner_id == _LEARNERS.c.id)
        & (_ATTEMPTS.c.idempotency_key == bindparam("key", type_=String)),
    )
    .where(_LEARNERS.c.id == bindparam("learner"))
)
# item_rating stays NULL until the first grade, as the ORM insert left it
_INSERTED = ("id", "learner_id", "item_id", "answer", "idempotency_key", "status", "created_at")
_INSERT_ATTEMPT = insert(_ATTEMPTS)


@dataclass(frozen=True)
class GradeFields:
    grade: dict[str, Any]
    score: float
    verdict: str | None
    engine: str | None


def parse_grade(grade: GradePayload, engine: str | None = None) -> GradeFields:
    """The stored fields of a grade; a grade without a usable score is refused, never guessed."""
    data = grade.model_dump(mode="json") if isinstance(grade, BaseModel) else dict(grade)
    score = data.get("score")
    if isinstance(score, bool) or not isinstance(score, int | float) or math.isnan(score):
        raise ValueError(f"a grade needs a numeric score in 0..1, got {score!r}")
    if not 0 <= score <= 1:
        raise ValueError(f"grade score {score} is outside 0..1")
    verdict = data.get("verdict")
    engine = engine or data.get("engine")
    return GradeFields(
        data, float(score), None if verdict is None else str(verdict), engine and str(engine)
    )


def submit_attempt(
    database: Database,
    learner_id: str,
    item_id: str,
    answer: str,
    *,
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> AttemptRecord:
    """Store the answer as ``pending`` and commit, before any grading.

    A key this learner already used returns the attempt stored under it (in whatever state it
    is now); reusing a key for a different item or answer is a ``ConflictError``.
    """
    try:
        return _submit(database, learner_id, item_id, answer, idempotency_key, now)
    except IntegrityError:  # a concurrent request with the same key won the race (Postgres)
        if idempotency_key is None:
            raise
        return _submit(database, learner_id, item_id, answer, idempotency_key, now)


def _submit(
    database: Database,
    learner_id: str,
    item_id: str,
    answer: str,
    key: str | None,
    now: datetime | None,
) -> AttemptRecord:
    """Two Core statements in one transaction: the learner with the attempt already stored
    under ``key`` (if any), then the new attempt's insert."""
    with database.writes() as connection:
        found = connection.execute(
            _LEARNER_AND_KEYED, {"learner": learner_id, "key": key}
        ).first()  # fmt: skip
        if found is None:
            raise NotFoundError(f"no learner {learner_id!r}")
        if found.id is not None:  # the key was used: that attempt, if it is the same answer
            existing = AttemptRecord.from_row(found._mapping)
            if existing.item_id != item_id or existing.answer != answer:
                raise ConflictError(
                    f"idempotency key {key!r} was already used for another answer "
                    f"(attempt {existing.id}); send a new key for a new answer"
                )
            return existing
        values: dict[str, Any] = {
            "id": models.new_id(), "learner_id": learner_id, "item_id": item_id,
            "answer": answer, "idempotency_key": key, "status": AttemptStatus.PENDING.value,
            "verdict": None, "score": None, "grade": None, "engine": None, "error": None,
            "created_at": now or models.utcnow(), "graded_at": None,
        }  # fmt: skip
        connection.execute(_INSERT_ATTEMPT, {k: values[k] for k in _INSERTED})
        return AttemptRecord.from_row(values)


def load_attempt(session: Session, attempt_id: str) -> models.Attempt:
    """The row, locked for update where the database supports it (within ``session``)."""
    row = session.get(models.Attempt, attempt_id, with_for_update=True)
    if row is None:
        raise NotFoundError(f"no attempt {attempt_id!r}")
    return row


def mark_graded(
    session: Session, row: models.Attempt, fields: GradeFields, now: datetime | None = None
) -> bool:
    """Store the grade on ``row``; True when this is its first grade (it was not graded)."""
    first = row.status != AttemptStatus.GRADED.value
    row.status = AttemptStatus.GRADED.value
    row.grade = fields.grade
    row.score = fields.score
    row.verdict = fields.verdict
    row.engine = fields.engine
    row.error = None
    row.graded_at = now or models.utcnow()
    return first


_FOR_GRADE = select(_ATTEMPTS).where(_ATTEMPTS.c.id == bindparam("attempt")).with_for_update()
_GRADED = ("status", "grade", "score", "verdict", "engine", "error", "graded_at")
_STORE_GRADE = (  # bound as "set_<column>": a column's own name is reserved for its SET
    update(_ATTEMPTS)
    .where(_ATTEMPTS.c.id == bindparam("attempt"))
    .values({name: bindparam(f"set_{name}", type_=_ATTEMPTS.c[name].type) for name in _GRADED})
)
_STORE_GRADE_RATED = _STORE_GRADE.values(
    item_rating=bindparam("set_item_rating", type_=_ATTEMPTS.c.item_rating.type)
)


def attempt_for_grade(session: Session, attempt_id: str) -> AttemptRecord:
    """Within ``session``: the attempt, locked for update where the database supports it, as
    :func:`load_attempt` but one Core statement and no ORM row (the grading hot path)."""
    row = session.connection().execute(_FOR_GRADE, {"attempt": attempt_id}).first()
    if row is None:
        raise NotFoundError(f"no attempt {attempt_id!r}")
    return AttemptRecord.from_row(row._mapping)


def store_grade(
    session: Session,
    attempt: AttemptRecord,
    fields: GradeFields,
    now: datetime,
    *,
    item_rating: float | None = None,
) -> AttemptRecord:
    """Within ``session``: what :func:`mark_graded` stores, as one ``UPDATE`` (plus the item's
    rating the learner model used, when given); the attempt as stored now."""
    values = {
        "attempt": attempt.id, "set_status": AttemptStatus.GRADED.value,
        "set_grade": fields.grade, "set_score": fields.score, "set_verdict": fields.verdict,
        "set_engine": fields.engine, "set_error": None, "set_graded_at": now,
    }  # fmt: skip
    if item_rating is None:
        session.connection().execute(_STORE_GRADE, values)
    else:
        session.connection().execute(_STORE_GRADE_RATED, values | {"set_item_rating": item_rating})
    return replace(
        attempt, status=AttemptStatus.GRADED, grade=dict(fields.grade), score=fields.score,
        verdict=fields.verdict, engine=fields.engine, error=None, graded_at=now,
    )  # fmt: skip


def record_grade(
    database: Database,
    attempt_id: str,
    grade: GradePayload,
    *,
    engine: str | None = None,
    now: datetime | None = None,
) -> AttemptRecord:
    """Mark the attempt graded (a re-grade replaces the previous grade)."""
    fields = parse_grade(grade, engine)
    with database.session() as session:
        row = load_attempt(session, attempt_id)
        mark_graded(session, row, fields, now)
        return AttemptRecord.of(row)


def record_failure(database: Database, attempt_id: str, error: str) -> AttemptRecord:
    """Grading raised: a pending attempt becomes ``failed``; a graded one keeps its grade."""
    with database.session() as session:
        row = load_attempt(session, attempt_id)
        if row.status != AttemptStatus.GRADED.value:
            row.status = AttemptStatus.FAILED.value
            row.error = error[:2000]
        return AttemptRecord.of(row)


def get_attempt(database: Database, attempt_id: str) -> AttemptRecord:
    with database.session() as session:
        return AttemptRecord.of(load_attempt(session, attempt_id))


def pending_attempts(database: Database, *, limit: int | None = None) -> list[AttemptRecord]:
    """Every attempt not graded yet (``pending`` or ``failed``), oldest first."""
    query = (
        select(models.Attempt)
        .where(models.Attempt.status.in_(UNFINISHED))
        .order_by(models.Attempt.created_at, models.Attempt.id)
        .limit(limit)
    )
    with database.session() as session:
        return [AttemptRecord.of(row) for row in session.scalars(query)]


def learner_attempts(
    database: Database, learner_id: str, *, limit: int | None = None
) -> list[AttemptRecord]:
    """The learner's attempts, newest first."""
    query = (
        select(models.Attempt)
        .where(models.Attempt.learner_id == learner_id)
        .order_by(models.Attempt.created_at.desc(), models.Attempt.id.desc())
        .limit(limit)
    )
    with database.session() as session:
        return [AttemptRecord.of(row) for row in session.scalars(query)]


VERDICTS = ("correct", "partially_correct", "incorrect")


def add_override(
    session: Session,
    attempt_id: str,
    *,
    teacher_key_id: str | None,
    verdict: str,
    score: float,
    note: str = "",
    now: datetime | None = None,
) -> models.GradeOverride:
    """Within ``session``: store a teacher's grade for the attempt (validated first).

    ``teacher_key_id`` is None for the local user of single-user mode (no keys exist then).
    """
    if verdict not in VERDICTS:
        raise BadRequestError(f"verdict {verdict!r} is not one of {', '.join(VERDICTS)}")
    if isinstance(score, bool) or not 0 <= score <= 1:
        raise BadRequestError(f"score {score} is outside 0..1")
    load_attempt(session, attempt_id)
    if teacher_key_id is not None and session.get(models.ApiKey, teacher_key_id) is None:
        raise NotFoundError(f"no API key {teacher_key_id!r}")
    row = models.GradeOverride(
        attempt_id=attempt_id,
        teacher_key_id=teacher_key_id,
        verdict=verdict,
        score=float(score),
        note=note,
        created_at=now or models.utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def override_grade(
    database: Database,
    attempt_id: str,
    *,
    teacher_key_id: str | None,
    verdict: str,
    score: float,
    note: str = "",
    now: datetime | None = None,
) -> OverrideRecord:
    """A teacher's correction; the newest override is the attempt's effective score.

    This stores the row only; :func:`tutor.learners.override_attempt` also rebuilds the
    learner's mastery from it (what the API and the page call).
    """
    with database.session() as session:
        row = add_override(
            session, attempt_id, teacher_key_id=teacher_key_id, verdict=verdict, score=score,
            note=note, now=now,
        )  # fmt: skip
        return OverrideRecord.of(row)


def newest_overrides() -> Select[Any]:
    """The ids of each attempt's newest override, the one that counts (for ``id.in_(...)``)."""
    return select(func.max(models.GradeOverride.id)).group_by(models.GradeOverride.attempt_id)


class EffectiveScore(NamedTuple):
    learner_id: str
    item_id: str
    score: float  # the newest override's, else the grade's
    graded_at: datetime  # when the learner model saw it
    item_rating: float | None = None  # the item's rating then (None: graded before r0003)


def effective_scores(session: Session, learner_id: str | None = None) -> list[EffectiveScore]:
    """Every graded attempt (of one learner, or all) in order, overrides applied: what the
    learner model is fitted on and rebuilt from."""
    latest = select(models.GradeOverride.attempt_id, models.GradeOverride.score).where(
        models.GradeOverride.id.in_(newest_overrides())
    )
    query = select(models.Attempt).where(models.Attempt.status == AttemptStatus.GRADED.value)
    if learner_id is not None:
        latest = latest.join(models.Attempt).where(models.Attempt.learner_id == learner_id)
        query = query.where(models.Attempt.learner_id == learner_id)
    overrides: dict[str, float] = {a: s for a, s in session.execute(latest)}
    query = query.order_by(models.Attempt.created_at, models.Attempt.id)
    return [
        EffectiveScore(
            row.learner_id, row.item_id, overrides.get(row.id, row.score or 0.0),
            row.graded_at or row.created_at, row.item_rating,
        )
        for row in session.scalars(query)
    ]  # fmt: skip


_OVERRIDES = cast(Table, models.GradeOverride.__table__)
_NEWER = _OVERRIDES.alias("newer")
_TEACHER_GRADED = (
    select(_ATTEMPTS.c.answer, _OVERRIDES.c.score)
    .join(_OVERRIDES, _OVERRIDES.c.attempt_id == _ATTEMPTS.c.id)
    .where(
        _ATTEMPTS.c.item_id == bindparam("item"),
        ~select(_NEWER.c.id)  # each attempt's newest override only
        .where(_NEWER.c.attempt_id == _OVERRIDES.c.attempt_id, _NEWER.c.id > _OVERRIDES.c.id)
        .exists(),
    )
    .order_by(_OVERRIDES.c.id.desc())
)
_TEACHER_GRADED_FIRST = _TEACHER_GRADED.limit(bindparam("limit", type_=Integer))


def teacher_graded_answers(
    database: Database, item_id: str, *, limit: int | None = None
) -> list[tuple[str, float]]:
    """``(answer, score)`` of the attempts at ``item_id`` whose grade a teacher overrode.

    Each attempt's newest override gives its score; the most recently overridden come first.
    These are graded examples for grading other answers to the item. One prepared Core
    statement over the item's attempts (read once per graded answer, outside a transaction:
    no write lock).
    """
    params: dict[str, Any] = {"item": item_id}
    if limit is None:
        query = _TEACHER_GRADED
    else:
        query, params["limit"] = _TEACHER_GRADED_FIRST, limit
    with database.reads() as connection:
        return [(answer, float(score)) for answer, score in connection.execute(query, params)]
