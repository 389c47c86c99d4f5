"""Grading the review queue again with what teachers have graded since.

A new item has no graded answers, so most of its answers reach the teacher's review queue.
Each answer a teacher grades becomes one of the item's graded examples
(:func:`tutor.store.attempts.teacher_graded_answers`), and with examples the grader is surer:
on new questions (held-out SciEntsBank and Beetle questions, ``docs/design/grading.md``) it
grades 0.70 of their answers right without examples and 0.75-0.80 with 3-12, and the verdicts
it gives without review are 90% right at every number of examples (each has its threshold).

:func:`regrade_review` grades again every answer still in the queue to the items a teacher has
graded answers of (only those have anything new to learn from), with the grader the service
uses (its examples include the teacher's grades). Items named by the caller are graded again
whether or not a teacher graded answers to them: their lesson file may have new graded
answers, or the grader may be new. A grade that changes replaces the old one, which
``replaced_grades`` keeps, and the learner's mastery of the item's concepts is replayed, as
for a teacher's override; an answer whose new grade is sure leaves the queue. An answer a
teacher graded meanwhile, or graded again by another run, is left as it is.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from tutor.corpus import Corpus, Item
from tutor.errors import NotFoundError
from tutor.learners.config import LearnerConfig
from tutor.learners.fallback import replace_grade
from tutor.learners.tracking import Grader
from tutor.offload import waiting_budget
from tutor.store import Database, models, overridden_items, review_queue
from tutor.store import attempts as store_attempts
from tutor.store.attempts import GradeFields
from tutor.store.classroom import NEEDS_REVIEW, is_overridden

# What a changed grade is: the learner sees the verdict and score, the teacher the flags
_COMPARED = ("verdict", "score", "flags", "mistakes")
CONCURRENCY = 8  # answers graded at once (a model call each, or one offline pass for them all)


@dataclass(frozen=True)
class ReviewRegradeReport:
    regraded: list[str] = field(default_factory=list)  # the grade changed and was replaced
    left_queue: list[str] = field(default_factory=list)  # of those, no longer needs_review
    unchanged: list[str] = field(default_factory=list)  # graded the same again
    skipped: list[str] = field(default_factory=list)  # a teacher or another run got there first
    failed: dict[str, str] = field(default_factory=dict)  # attempt id -> error


async def regrade_review(
    database: Database,
    corpus: Corpus,
    grader: Grader,
    *,
    items: Collection[str] | None = None,
    config: LearnerConfig | None = None,
    limit: int | None = None,
) -> ReviewRegradeReport:
    """Grade again, oldest first, the answers in the review queue to items a teacher has graded
    answers of, or (``items``) to these items whoever graded what (a content team that added
    graded answers to a lesson file names its items); ``limit``: at most this many answers.
    Up to :data:`CONCURRENCY` are graded at once; the grades are written one by one. An item
    named that the corpus does not hold is a :class:`NotFoundError` before anything is graded."""
    report, config = ReviewRegradeReport(), config or LearnerConfig()
    if items is None:
        items = await asyncio.to_thread(overridden_items, database)
    else:
        for item_id in items:
            corpus.item(item_id)  # NotFoundError: an error, not an empty report
    if not items:
        return report
    queued = await asyncio.to_thread(review_queue, database, items=items, limit=limit)
    entries = [(e.attempt, item) for e in queued if (item := _item(corpus, e.attempt.item_id))]
    limit_calls = asyncio.Semaphore(CONCURRENCY)

    async def graded(item: Item, answer: str) -> GradeFields | Exception:
        async with limit_calls:
            # each answer waits for workers as one attempt would, not out of the whole run's
            # share (in the service a request's calls share TUTOR_QUEUE_TIMEOUT of waiting)
            waiting_budget()  # this task's own context
            try:
                return store_attempts.parse_grade(await grader(item, answer))
            except Exception as exc:  # the old grade stays; the others go on
                return exc

    grades = await asyncio.gather(*(graded(item, attempt.answer) for attempt, item in entries))
    for (attempt, _), fields in zip(entries, grades, strict=True):
        if isinstance(fields, Exception):
            report.failed[attempt.id] = f"{type(fields).__name__}: {fields}"
            continue
        if _same(attempt.grade, fields.grade):
            report.unchanged.append(attempt.id)
            continue

        def holds(session: Session, row: models.Attempt, old: Any = attempt.grade) -> bool:
            return row.grade == old and not is_overridden(session, row.id)

        try:
            waiting_budget()  # the write's own share of waiting, as above
            replaced = await asyncio.to_thread(
                replace_grade, database, corpus, attempt.id, fields, config=config, holds=holds
            )
        except Exception as exc:
            report.failed[attempt.id] = f"{type(exc).__name__}: {exc}"
            continue
        if not replaced:
            report.skipped.append(attempt.id)
            continue
        report.regraded.append(attempt.id)
        if NEEDS_REVIEW not in (fields.grade.get("flags") or []):
            report.left_queue.append(attempt.id)
    return report


def _item(corpus: Corpus, item_id: str) -> Item | None:
    """The corpus item, or None for one no longer in it (nothing to grade against)."""
    try:
        return corpus.item(item_id)[1]
    except NotFoundError:
        return None


def _same(old: object, new: dict[str, Any]) -> bool:
    return isinstance(old, dict) and all(old.get(k) == new.get(k) for k in _COMPARED)
