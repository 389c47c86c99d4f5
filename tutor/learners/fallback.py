"""Grading again, with the model, the attempts the offline grader graded while it was down.

When the model cannot grade an answer, the offline grade stands in, marked ``llm_unavailable``
(:mod:`tutor.grading.service`). ``tutor regrade --fallback`` runs :func:`regrade_fallback` once
the model is back: each such attempt is graded again; a grade the model gave replaces the
stand-in on the attempt (what the learner sees), the stand-in is kept in ``replaced_grades``
(the history keeps both), and the learner's mastery of the item's concepts is replayed in
submission order, as a teacher's override is (:func:`tutor.learners.replay.rebuild_mastery`).
An attempt the model still cannot grade keeps its stand-in and is tried again next run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tutor.corpus import Corpus
from tutor.learners.config import LearnerConfig
from tutor.learners.replay import rebuild_mastery
from tutor.learners.stored import catalog_of
from tutor.learners.tracking import Grader
from tutor.store import AttemptStatus, Database, models
from tutor.store import attempts as store_attempts
from tutor.store.attempts import GradeFields
from tutor.store.locks import lock_learner

STAND_IN = "llm_unavailable"  # the flag of an offline grade standing in for the model's


@dataclass(frozen=True)
class FallbackReport:
    regraded: list[str] = field(default_factory=list)  # the model graded them
    still_offline: list[str] = field(default_factory=list)  # the model failed again
    failed: dict[str, str] = field(default_factory=dict)  # attempt id -> error


def is_stand_in(grade: object) -> bool:
    return isinstance(grade, dict) and STAND_IN in (grade.get("flags") or [])


def fallback_attempts(database: Database, *, limit: int | None = None) -> list[str]:
    """Ids of graded attempts whose grade is an offline stand-in, oldest first."""
    query = (
        select(models.Attempt.id, models.Attempt.grade)
        .where(
            models.Attempt.status == AttemptStatus.GRADED.value,
            models.Attempt.engine == "offline",
        )
        .order_by(models.Attempt.created_at, models.Attempt.id)
    )
    with database.session() as session:
        found = [attempt_id for attempt_id, grade in session.execute(query) if is_stand_in(grade)]
    return found[:limit] if limit is not None else found


def holds_stand_in(session: Session, row: models.Attempt) -> bool:
    """The attempt's grade is still an offline stand-in (not graded again meanwhile)."""
    return is_stand_in(row.grade)


def replace_grade(
    database: Database,
    corpus: Corpus,
    attempt_id: str,
    fields: GradeFields,
    *,
    config: LearnerConfig,
    now: datetime | None = None,
    holds: Callable[[Session, models.Attempt], bool] = holds_stand_in,
) -> bool:
    """Keep the attempt's grade in ``replaced_grades``, store the new one, replay the learner's
    mastery of the item's concepts; False when the graded attempt no longer ``holds`` what the
    new grade is to replace (by default a stand-in)."""
    catalog, now = catalog_of(corpus), now or datetime.now(UTC)

    def work(session: Session) -> bool:
        row = store_attempts.load_attempt(session, attempt_id)
        if row.status != AttemptStatus.GRADED.value or not holds(session, row):
            return False  # graded again meanwhile (another run, a replica, a teacher)
        assert row.grade is not None
        session.add(
            models.ReplacedGrade(
                attempt_id=row.id, grade=row.grade, score=row.score or 0.0, verdict=row.verdict,
                engine=row.engine, graded_at=row.graded_at, replaced_at=now,
            )
        )  # fmt: skip
        # graded_at stays when the learner model first saw the answer: the replay's clock
        store_attempts.mark_graded(session, row, fields, row.graded_at or now)
        if row.item_id in catalog.items:
            lock_learner(session, row.learner_id)
            concepts = catalog.items[row.item_id].concepts
            rebuild_mastery(session, catalog, row.learner_id, config, concepts=concepts)
        return True

    return database.transaction(work)


async def regrade_fallback(
    database: Database,
    corpus: Corpus,
    grader: Grader,
    *,
    config: LearnerConfig | None = None,
    limit: int | None = None,
) -> FallbackReport:
    """Grade every stand-in again with ``grader`` (the model's, falling back as usual)."""
    report, config = FallbackReport(), config or LearnerConfig()
    for attempt_id in await asyncio.to_thread(fallback_attempts, database, limit=limit):
        attempt = await asyncio.to_thread(store_attempts.get_attempt, database, attempt_id)
        try:
            _, item = corpus.item(attempt.item_id)
            fields = store_attempts.parse_grade(await grader(item, attempt.answer))
            if is_stand_in(fields.grade):
                report.still_offline.append(attempt_id)
                continue
            await asyncio.to_thread(
                replace_grade, database, corpus, attempt_id, fields, config=config
            )
        except Exception as exc:  # the stand-in stays; carry on with the others
            report.failed[attempt_id] = f"{type(exc).__name__}: {exc}"
        else:
            report.regraded.append(attempt_id)
    return report
