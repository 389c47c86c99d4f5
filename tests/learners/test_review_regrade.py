"""``tutor regrade --review``: the answers waiting for review are graded again once a teacher has
graded answers to their item (those grades are the item's examples now); a grade that changes
replaces the old one, which the history keeps, and mastery is replayed; a sure one leaves the
queue. A teacher's own grade always wins."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from tutor.corpus import Corpus, Item
from tutor.learners import answer_item, mastery_report, override_attempt
from tutor.learners.review_queue import regrade_review
from tutor.offload import WorkerPool, offload, waiting_budget
from tutor.store import Database, create_learner, get_attempt, models, review_queue

T0 = datetime(2025, 2, 3, 10, 0, tzinfo=UTC)
UNSURE = {
    "score": 0.3, "verdict": "partially_correct", "engine": "offline", "flags": ["needs_review"]
}  # fmt: skip
SURE = {"score": 0.95, "verdict": "correct", "engine": "offline", "flags": []}


def grader(grade: Mapping[str, Any], asked: list[str] | None = None) -> Any:
    async def grade_with(item: Item, answer: str) -> Mapping[str, Any]:
        if asked is not None:
            asked.append(answer)
        return grade

    return grade_with


async def answer(database: Database, corpus: Corpus, learner_id: str, item_id: str, n: int) -> str:
    outcome = await answer_item(
        database, corpus, learner_id, item_id, f"answer {n}", grader(UNSURE),
        now=T0 + timedelta(minutes=n),
    )  # fmt: skip
    return outcome.attempt.id


def queued(database: Database) -> set[str]:
    return {entry.attempt.id for entry in review_queue(database)}


def p_known(database: Database, corpus: Corpus, learner_id: str) -> dict[str, float]:
    return {p.concept_id: p.p_known for p in mastery_report(database, corpus, learner_id)}


async def test_answers_to_an_item_a_teacher_graded_are_graded_again(
    database: Database, graph_corpus: Corpus
) -> None:
    ada = create_learner(database, "Ada").id
    taught = await answer(database, graph_corpus, ada, "b-1", 0)
    waiting_id = await answer(database, graph_corpus, ada, "b-1", 1)
    untaught = await answer(database, graph_corpus, ada, "o-1", 2)
    override_attempt(
        database, graph_corpus, taught, teacher_key_id=None, verdict="correct", score=1.0
    )
    assert queued(database) == {waiting_id, untaught}
    before = p_known(database, graph_corpus, ada)
    asked: list[str] = []

    report = await regrade_review(database, graph_corpus, grader(SURE, asked))

    # only the item a teacher graded answers of has anything new to learn from
    assert asked == ["answer 1"]
    assert (report.regraded, report.left_queue, report.failed) == ([waiting_id], [waiting_id], {})
    attempt = get_attempt(database, waiting_id)
    assert (attempt.verdict, attempt.score, attempt.grade) == ("correct", 0.95, SURE)
    with database.session() as session:  # the history keeps the grade it replaced
        (kept,) = session.scalars(select(models.ReplacedGrade)).all()
        assert (kept.attempt_id, kept.score, kept.grade) == (waiting_id, 0.3, UNSURE)
    assert queued(database) == {untaught}
    after = p_known(database, graph_corpus, ada)
    assert after["basics"] > before["basics"] and after["other"] == before["other"]

    # nothing left to learn from: a second run finds no answer to grade again
    again = await regrade_review(database, graph_corpus, grader(SURE))
    assert (again.regraded, again.unchanged) == ([], [])


async def test_a_grade_that_comes_out_the_same_is_left_and_items_narrow_the_run(
    database: Database, graph_corpus: Corpus
) -> None:
    ada = create_learner(database, "Ada").id
    ids = [await answer(database, graph_corpus, ada, item, n)
           for n, item in enumerate(["b-1", "b-1", "o-1", "o-1"])]  # fmt: skip
    for taught in (ids[0], ids[2]):
        override_attempt(
            database, graph_corpus, taught, teacher_key_id=None, verdict="incorrect", score=0.0
        )
    asked: list[str] = []

    report = await regrade_review(database, graph_corpus, grader(UNSURE, asked), items=["b-1"])

    assert asked == ["answer 1"] and report.unchanged == [ids[1]] and report.regraded == []
    with database.session() as session:
        assert session.scalars(select(models.ReplacedGrade)).all() == []
    assert queued(database) == {ids[1], ids[3]}


async def test_a_teachers_grade_given_meanwhile_wins(
    database: Database, graph_corpus: Corpus
) -> None:
    ada = create_learner(database, "Ada").id
    taught = await answer(database, graph_corpus, ada, "b-1", 0)
    waiting = await answer(database, graph_corpus, ada, "b-1", 1)
    override_attempt(
        database, graph_corpus, taught, teacher_key_id=None, verdict="correct", score=1.0
    )

    async def teacher_gets_there_first(item: Item, text: str) -> Mapping[str, Any]:
        override_attempt(
            database, graph_corpus, waiting, teacher_key_id=None, verdict="incorrect", score=0.0
        )
        return SURE

    report = await regrade_review(database, graph_corpus, teacher_gets_there_first)

    assert (report.skipped, report.regraded) == ([waiting], [])
    attempt = get_attempt(database, waiting)
    assert attempt.grade == UNSURE  # the grader's old grade; the teacher's override stands
    assert waiting not in queued(database)


async def test_a_long_run_does_not_spend_one_requests_waiting(
    database: Database, graph_corpus: Corpus
) -> None:
    """In the service a request's calls share TUTOR_QUEUE_TIMEOUT of waiting for a worker. A
    run grading many answers would use that up and see its later answers refused, so each
    answer waits on its own share, as an attempt would."""
    ada = create_learner(database, "Ada").id
    taught = await answer(database, graph_corpus, ada, "b-1", 0)
    waiting = [await answer(database, graph_corpus, ada, "b-1", n) for n in range(1, 21)]
    override_attempt(
        database, graph_corpus, taught, teacher_key_id=None, verdict="correct", score=1.0
    )

    async def busy_grader(item: Item, text: str) -> Mapping[str, Any]:
        await offload(time.sleep, 0.03)  # a worker's CPU work, one worker for all
        return SURE

    pool = WorkerPool(threads=1, queue_limit=64, queue_timeout=0.5)
    pool.install(asyncio.get_running_loop())
    try:
        waiting_budget()  # the request's, as the service opens one
        report = await regrade_review(database, graph_corpus, busy_grader)
    finally:
        pool.shutdown(wait=True)
    # 20 answers, 8 at a time, on one worker: ~2 s of waiting in all, under 0.3 s each
    assert report.failed == {} and sorted(report.regraded) == sorted(waiting)
