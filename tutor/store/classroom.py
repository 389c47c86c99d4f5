"""What a teacher sees across learners: mastery per concept, frequent misconceptions, the
answers waiting for review, and the overrides already made (which become human labels).

Read-only queries, each in one short transaction, returning frozen records. Overrides are
written by :func:`tutor.store.attempts.add_override` (and the learner's mastery rebuilt by
:func:`tutor.learners.override_attempt`).

- *Mastery* reads the ``mastery`` rows: per concept, the learners who practised it, their mean
  P(known) and how many are at or above the mastery threshold, with one row per learner.
- *Misconceptions* are counted from the stored grades (``mistakes``, the item's common mistakes
  the grade found, and ``misconceptions`` for grades recorded in that shape), one count per
  attempt; an answer a teacher overrode to ``correct`` does not count.
- *Review*: graded attempts whose grade carries the ``needs_review`` flag and that no teacher
  has overridden (or confirmed) yet, oldest first.
- *Human labels*: the newest override of each attempt, as rows of an eval dataset (the item
  id, the answer and the teacher's verdict as ``label``), which ``tutor eval grading`` reads.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Text, cast, exists, select
from sqlalchemy.orm import Session

from tutor.store import models
from tutor.store.attempts import newest_overrides
from tutor.store.database import Database
from tutor.store.records import AttemptRecord, AttemptStatus, OverrideRecord

NEEDS_REVIEW = "needs_review"
LABEL_SOURCE = "teacher_override"


@dataclass(frozen=True)
class LearnerMastery:
    learner_id: str
    learner_name: str
    p_known: float
    attempts: int
    streak: int
    mastered: bool
    last_practiced: datetime


@dataclass(frozen=True)
class ConceptSummary:
    concept_id: str
    learners: int  # learners who practised it
    mean_p_known: float
    mastered: int  # learners at or above the threshold
    rows: tuple[LearnerMastery, ...]  # weakest first


@dataclass(frozen=True)
class MisconceptionExample:
    attempt_id: str
    learner_id: str
    item_id: str
    answer: str


@dataclass(frozen=True)
class MisconceptionCount:
    text: str
    count: int  # attempts whose grade named it
    learners: int
    items: tuple[str, ...]  # item ids, most frequent first
    example: MisconceptionExample  # the newest attempt that showed it


@dataclass(frozen=True)
class ReviewEntry:
    attempt: AttemptRecord
    learner_name: str


@dataclass(frozen=True)
class OverrideEntry:
    override: OverrideRecord
    attempt: AttemptRecord  # with the grader's original grade


@dataclass(frozen=True)
class LabelExport:
    rows: list[dict[str, Any]]  # eval dataset rows, oldest label first
    skipped: list[str]  # attempt ids whose item is not in the corpus (e.g. variants)

    def jsonl(self) -> str:
        return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in self.rows)


def class_mastery(database: Database, *, threshold: float, check: int = 0) -> list[ConceptSummary]:
    """Every concept someone practised (by id), with a row per learner, weakest first.

    Mastered as the learner model says (``Knowledge.mastered``): P(known) at the threshold and
    the last ``check`` answers right.
    """
    query = (
        select(models.Mastery, models.Learner.name)
        .join(models.Learner, models.Learner.id == models.Mastery.learner_id)
        .where(models.Mastery.attempts > 0)
        .order_by(models.Mastery.concept_id, models.Mastery.p_known, models.Mastery.learner_id)
    )
    by_concept: dict[str, list[LearnerMastery]] = defaultdict(list)
    with database.session() as session:
        for row, name in session.execute(query):
            by_concept[row.concept_id].append(
                LearnerMastery(
                    row.learner_id, name, row.p_known, row.attempts, row.streak,
                    row.p_known >= threshold and row.streak >= check, row.updated_at,
                )
            )  # fmt: skip
    return [
        ConceptSummary(
            concept_id,
            len(rows),
            sum(r.p_known for r in rows) / len(rows),
            sum(r.mastered for r in rows),
            tuple(rows),
        )
        for concept_id, rows in by_concept.items()
    ]


def misconception_counts(
    database: Database, *, limit: int | None = None
) -> list[MisconceptionCount]:
    """Misconceptions named by grades, most frequent first (ties: alphabetical)."""
    query = (
        select(models.Attempt)
        .where(models.Attempt.status == AttemptStatus.GRADED.value)
        .order_by(models.Attempt.created_at, models.Attempt.id)
    )
    seen: dict[str, list[models.Attempt]] = defaultdict(list)
    with database.session() as session:
        cleared = _overridden_correct(session)
        for row in session.scalars(query):
            if row.id in cleared:
                continue
            for text in _misconceptions(row.grade):
                seen[text].append(row)
        out = [_count(text, rows) for text, rows in seen.items()]
    out.sort(key=lambda m: (-m.count, m.text))
    return out[:limit] if limit is not None else out


def review_queue(
    database: Database, *, limit: int | None = None, items: Collection[str] | None = None
) -> list[ReviewEntry]:
    """Graded answers flagged ``needs_review`` that no teacher has overridden yet, oldest first;
    ``items``: only answers to these items."""
    overridden = exists().where(models.GradeOverride.attempt_id == models.Attempt.id)
    query = (
        select(models.Attempt, models.Learner.name)
        .join(models.Learner, models.Learner.id == models.Attempt.learner_id)
        .where(
            models.Attempt.status == AttemptStatus.GRADED.value,
            ~overridden,
            cast(models.Attempt.grade, Text).like(f"%{NEEDS_REVIEW}%"),  # narrows; checked below
        )
        .order_by(models.Attempt.graded_at, models.Attempt.id)
    )
    if items is not None:
        query = query.where(models.Attempt.item_id.in_(list(items)))
    found = []
    with database.session() as session:
        for row, name in session.execute(query):
            if needs_review(row.grade):
                found.append(ReviewEntry(AttemptRecord.of(row), name))
                if limit is not None and len(found) >= limit:
                    break
    return found


def overridden_items(database: Database) -> set[str]:
    """The items with at least one answer a teacher graded (overrode or confirmed)."""
    query = (
        select(models.Attempt.item_id)
        .join(models.GradeOverride, models.GradeOverride.attempt_id == models.Attempt.id)
        .distinct()
    )
    with database.session() as session:
        return set(session.scalars(query))


def is_overridden(session: Session, attempt_id: str) -> bool:
    """A teacher has graded (overridden or confirmed) this attempt."""
    query = select(exists().where(models.GradeOverride.attempt_id == attempt_id))
    return bool(session.scalar(query))


def override_history(
    database: Database, *, attempt_id: str | None = None, limit: int | None = None
) -> list[OverrideEntry]:
    """Overrides with their attempts, newest first (all of them, not only the newest per
    attempt)."""
    query = (
        select(models.GradeOverride, models.Attempt)
        .join(models.Attempt, models.Attempt.id == models.GradeOverride.attempt_id)
        .order_by(models.GradeOverride.id.desc())
        .limit(limit)
    )
    if attempt_id is not None:
        query = query.where(models.GradeOverride.attempt_id == attempt_id)
    with database.session() as session:
        return [
            OverrideEntry(OverrideRecord.of(o), AttemptRecord.of(a))
            for o, a in session.execute(query)
        ]


def latest_overrides(database: Database, attempt_ids: Collection[str]) -> dict[str, OverrideRecord]:
    """The newest override of each of these attempts that has one."""
    if not attempt_ids:
        return {}
    query = select(models.GradeOverride).where(
        models.GradeOverride.attempt_id.in_(list(attempt_ids)),
        models.GradeOverride.id.in_(newest_overrides()),
    )
    with database.session() as session:
        return {row.attempt_id: OverrideRecord.of(row) for row in session.scalars(query)}


def export_labels(database: Database, *, items: Collection[str] | None = None) -> LabelExport:
    """The newest override of every attempt as an eval dataset row, oldest first.

    Rows name the corpus ``item`` (the eval loader fills in its question, canonical answer,
    common mistakes and solution steps) and carry the answer and the teacher's verdict as
    ``label``; the other keys are provenance the loader ignores. With ``items``, attempts at
    other items (variants, removed items) are skipped and listed.
    """
    query = (
        select(models.GradeOverride, models.Attempt)
        .join(models.Attempt, models.Attempt.id == models.GradeOverride.attempt_id)
        .where(models.GradeOverride.id.in_(newest_overrides()))
        .order_by(models.GradeOverride.created_at, models.GradeOverride.id)
    )
    rows, skipped = [], []
    with database.session() as session:
        for override, attempt in session.execute(query):
            if items is not None and attempt.item_id not in items:
                skipped.append(attempt.id)
                continue
            rows.append(_label_row(override, attempt))
    return LabelExport(rows, skipped)


def needs_review(grade: dict[str, Any] | None) -> bool:
    if not grade:
        return False
    flags = grade.get("flags") or []
    return NEEDS_REVIEW in flags or grade.get("verdict") == NEEDS_REVIEW


def _label_row(override: models.GradeOverride, attempt: models.Attempt) -> dict[str, Any]:
    return {
        "id": f"override-{attempt.id}",
        "item": attempt.item_id,
        "answer": attempt.answer,
        "label": override.verdict,
        "label_scheme": "verdict",
        "score": override.score,
        "source": LABEL_SOURCE,
        "attempt_id": attempt.id,
        "grader_verdict": attempt.verdict,
        "grader_score": attempt.score,
        "grader_engine": attempt.engine,
        "note": override.note,
        "labelled_at": override.created_at.isoformat(),
    }


def _misconceptions(grade: dict[str, Any] | None) -> list[str]:
    if not grade:
        return []
    found: Iterable[Any] = [*(grade.get("mistakes") or []), *(grade.get("misconceptions") or [])]
    return list(dict.fromkeys(str(m).strip() for m in found if str(m).strip()))


def _overridden_correct(session: Session) -> set[str]:
    """Attempts whose newest override says ``correct``."""
    query = select(models.GradeOverride.attempt_id).where(
        models.GradeOverride.id.in_(newest_overrides()), models.GradeOverride.verdict == "correct"
    )
    return set(session.scalars(query))


def _count(text: str, rows: list[models.Attempt]) -> MisconceptionCount:
    items: dict[str, int] = defaultdict(int)
    for row in rows:
        items[row.item_id] += 1
    last = rows[-1]
    return MisconceptionCount(
        text,
        len(rows),
        len({r.learner_id for r in rows}),
        tuple(sorted(items, key=lambda i: (-items[i], i))),
        MisconceptionExample(last.id, last.learner_id, last.item_id, last.answer),
    )
