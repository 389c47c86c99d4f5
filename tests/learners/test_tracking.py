"""The learner model over the store: grading updates mastery once, crashes lose nothing."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from tests.learners.conftest import make_item, make_lesson, simulate
from tutor.corpus import Corpus, Item
from tutor.errors import NotFoundError
from tutor.learners import (
    BKTParams,
    answer_item,
    choose_next,
    fit_params,
    grade_attempt,
    load_params,
    mastery_report,
    regrade_pending,
)
from tutor.learners.bkt import update
from tutor.store import (
    AttemptStatus,
    Database,
    LearnerRecord,
    create_learner,
    get_attempt,
    models,
    pending_attempts,
)

NOW = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


def grader(score: float, **extra: Any) -> Any:
    async def grade(item: Item, answer: str) -> Mapping[str, Any]:
        return {"score": score, "verdict": "correct" if score >= 0.5 else "incorrect",
                "engine": "offline", **extra}  # fmt: skip

    return grade


async def broken(item: Item, answer: str) -> Mapping[str, Any]:
    raise RuntimeError("the model is down")


def p_known(database: Database, corpus: Corpus, learner_id: str) -> dict[str, float]:
    return {p.concept_id: p.p_known for p in mastery_report(database, corpus, learner_id)}


async def test_a_graded_answer_updates_mastery_and_item_difficulty(
    database: Database, graph_corpus: Corpus, learner: LearnerRecord
) -> None:
    outcome = await answer_item(
        database, graph_corpus, learner.id, "b-2", "answer", grader(1.0), idempotency_key="k1"
    )
    assert outcome.attempt.status is AttemptStatus.GRADED and outcome.attempt.engine == "offline"
    assert outcome.observation is not None
    before, after = outcome.observation.p_known["basics"]
    assert before == pytest.approx(0.2) and after == pytest.approx(0.604651, abs=1e-6)
    assert p_known(database, graph_corpus, learner.id)["basics"] == pytest.approx(after)
    report = {p.concept_id: p for p in mastery_report(database, graph_corpus, learner.id)}
    assert report["basics"].attempts == 1 and report["advanced"].attempts == 0
    nxt = choose_next(learner.id, graph_corpus, database, now=NOW)
    assert nxt.item_id != "b-2"  # just answered
    # the replayed request returns the stored attempt and does not count twice
    replay = await answer_item(
        database, graph_corpus, learner.id, "b-2", "answer", grader(0.0), idempotency_key="k1"
    )
    assert replay.attempt.id == outcome.attempt.id and replay.observation is None
    assert p_known(database, graph_corpus, learner.id)["basics"] == pytest.approx(after)


async def test_a_grader_failure_keeps_the_attempt_for_regrading(
    database: Database, graph_corpus: Corpus, learner: LearnerRecord
) -> None:
    with pytest.raises(RuntimeError, match="down"):
        await answer_item(database, graph_corpus, learner.id, "b-1", "my answer", broken)
    (failed,) = pending_attempts(database)
    assert failed.status is AttemptStatus.FAILED and "the model is down" in (failed.error or "")
    assert p_known(database, graph_corpus, learner.id)["basics"] == pytest.approx(0.2)

    report = await regrade_pending(database, graph_corpus, grader(1.0))
    assert report.graded == [failed.id] and report.failed == {}
    assert get_attempt(database, failed.id).status is AttemptStatus.GRADED
    easy_success = update(0.2, 1.0, BKTParams(), difficulty=-1.0)  # b-1 is an easy item
    assert p_known(database, graph_corpus, learner.id)["basics"] == pytest.approx(easy_success)
    assert pending_attempts(database) == []


async def test_a_crash_while_grading_leaves_the_attempt_pending(
    db_url_database: tuple[str, Database], graph_corpus: Corpus
) -> None:
    """The process dies inside the grader (not an ordinary exception): nothing is lost."""
    url, database = db_url_database
    learner = create_learner(database)

    async def crash(item: Item, answer: str) -> Mapping[str, Any]:
        raise KeyboardInterrupt  # stands in for a kill: no except-Exception handler runs

    with pytest.raises(KeyboardInterrupt):
        await answer_item(database, graph_corpus, learner.id, "o-1", "mine", crash)
    database.dispose()
    with Database(url) as reopened:
        (pending,) = pending_attempts(reopened)
        assert (pending.answer, pending.status) == ("mine", AttemptStatus.PENDING)
        outcome = await grade_attempt(reopened, graph_corpus, pending.id, grader(1.0))
        assert outcome.observation is not None


async def test_unknown_items_are_refused_before_anything_is_stored(
    database: Database, graph_corpus: Corpus, learner: LearnerRecord
) -> None:
    with pytest.raises(NotFoundError):
        await answer_item(database, graph_corpus, learner.id, "zz-9", "x", grader(1.0))
    assert pending_attempts(database) == []


def test_choose_next_reads_the_store(
    database: Database, graph_corpus: Corpus, learner: LearnerRecord
) -> None:
    first = choose_next(learner.id, graph_corpus, database, now=NOW)
    assert first.concept_id in {"basics", "other"} and first.reason


def test_fitted_parameters_are_stored_and_used(database: Database) -> None:
    """Graded attempts from simulated learners; fitting recovers the generating parameters."""
    true = BKTParams(prior=0.3, learn=0.2, guess=0.15, slip=0.05)
    lesson = make_lesson("solo", {"solo": []}, [make_item("s-1", ["solo"], "medium")])
    corpus = Corpus(lessons={lesson.id: lesson})
    when = NOW
    sequences = simulate(true, learners=150, length=12, seed=5)
    with database.session() as session:  # one transaction: 1,800 graded attempts
        session.add_all(models.Learner(id=f"sim{n}", name="") for n in range(len(sequences)))
        session.flush()  # learners before their attempts (the models declare no relationships)
        for n, scores in enumerate(sequences):
            for score in scores:
                when += timedelta(seconds=1)
                session.add(
                    models.Attempt(
                        learner_id=f"sim{n}", item_id="s-1", answer="a", status="graded",
                        score=score, created_at=when, graded_at=when,
                    )
                )  # fmt: skip
    fits = fit_params(database, corpus)
    assert set(fits) == {"solo"} and fits["solo"].observations == 1800
    with database.session() as session:
        stored = load_params(session)["solo"]
    assert stored == fits["solo"].params
    assert stored.learn == pytest.approx(0.2, abs=0.07)
    assert stored.slip == pytest.approx(0.05, abs=0.04)
    fresh = create_learner(database)
    report = mastery_report(database, corpus, fresh.id)
    assert report[0].p_known == pytest.approx(stored.prior)  # new learners start at the fit


async def test_a_late_grade_counts_where_the_answer_was_given(
    database: Database, graph_corpus: Corpus, learner: LearnerRecord
) -> None:
    """A failed attempt graded after later answers is replayed in submission order: a wrong
    first try followed by a right answer leaves the learner where that order leads, not where
    "right, then wrong" would."""
    with pytest.raises(RuntimeError):
        await answer_item(database, graph_corpus, learner.id, "b-1", "first try", broken,
                          now=NOW)  # fmt: skip
    later = await answer_item(database, graph_corpus, learner.id, "b-2", "second", grader(1.0),
                              now=NOW + timedelta(minutes=1))  # fmt: skip
    assert later.observation is not None
    after_right = later.observation.p_known["basics"][1]

    await regrade_pending(database, graph_corpus, grader(0.0))

    as_newest = update(after_right, 0.0, BKTParams(), difficulty=-1.0)
    in_order = p_known(database, graph_corpus, learner.id)["basics"]
    assert as_newest < in_order < after_right  # the right answer came last
    with database.session() as session:  # each at the difficulty its live update used
        seen = {a.item_id: a.item_rating for a in session.scalars(select(models.Attempt))}
    assert seen["b-1"] is not None and seen["b-2"] is not None
    wrong_first = update(BKTParams().prior, 0.0, BKTParams(), difficulty=seen["b-1"])
    expected = update(wrong_first, 1.0, BKTParams(), difficulty=seen["b-2"])
    assert in_order == pytest.approx(expected)
    report = {p.concept_id: p for p in mastery_report(database, graph_corpus, learner.id)}
    assert report["basics"].attempts == 2
