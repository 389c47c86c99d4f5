"""A teacher's override rebuilds the learner's mastery by replaying their answers in order."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from tutor.corpus import Corpus, Item
from tutor.errors import BadRequestError, ConflictError
from tutor.learners import BKTParams, answer_item, mastery_report, override_attempt
from tutor.learners.bkt import update
from tutor.store import Database, LearnerRecord, create_learner, models, submit_attempt

T0 = datetime(2025, 2, 3, 10, 0, tzinfo=UTC)


def fixed(score: float) -> Any:
    async def grade(item: Item, answer: str) -> Mapping[str, Any]:
        return {"score": score, "verdict": "correct" if score >= 0.5 else "incorrect"}

    return grade


async def answer(
    database: Database, corpus: Corpus, learner_id: str, item_id: str, score: float, n: int
) -> str:
    outcome = await answer_item(
        database, corpus, learner_id, item_id, f"answer {n}", fixed(score),
        now=T0 + timedelta(minutes=n),
    )  # fmt: skip
    return outcome.attempt.id


def mastery(database: Database, corpus: Corpus, learner_id: str) -> dict[str, tuple[float, int]]:
    return {
        p.concept_id: (p.p_known, p.attempts)
        for p in mastery_report(database, corpus, learner_id)
        if p.attempts
    }


def rating_seen(database: Database, attempt_id: str) -> float:
    """The item rating the live update of this attempt used (stored with its first grade)."""
    with database.session() as session:
        attempt = session.get(models.Attempt, attempt_id)
        assert attempt is not None and attempt.item_rating is not None
        return attempt.item_rating


def ratings(database: Database) -> dict[str, tuple[float, int]]:
    with database.session() as session:
        return {
            r.item_id: (r.rating, r.attempts) for r in session.scalars(select(models.ItemStats))
        }


async def test_override_replays_the_answers_with_the_new_score(
    database: Database, graph_corpus: Corpus, learner: LearnerRecord
) -> None:
    first = await answer(database, graph_corpus, learner.id, "b-1", 0.0, 1)
    second = await answer(database, graph_corpus, learner.id, "b-2", 1.0, 2)
    await answer(database, graph_corpus, learner.id, "o-1", 1.0, 3)
    before = mastery(database, graph_corpus, learner.id)
    stored_ratings = ratings(database)

    outcome = override_attempt(
        database, graph_corpus, first, teacher_key_id=None, verdict="correct", score=1.0
    )

    after = mastery(database, graph_corpus, learner.id)
    params = BKTParams()  # nothing fitted: the defaults
    expected = params.prior
    for attempt_id in (first, second):  # both now right, at the difficulty each answer met
        expected = update(expected, 1.0, params, rating_seen(database, attempt_id))
    assert after["basics"] == (pytest.approx(expected), 2)
    assert after["basics"][0] > before["basics"][0]
    assert after["other"] == before["other"]  # other concepts keep their rows
    assert outcome.mastery is not None and outcome.mastery.answers == 3
    assert outcome.mastery.p_known == {
        "basics": (
            pytest.approx(before["basics"][0]),
            pytest.approx(after["basics"][0]),
        )
    }
    assert ratings(database) == stored_ratings  # item difficulty is left alone
    assert outcome.override.teacher_key_id is None and outcome.override.score == 1.0


async def test_a_confirmation_keeps_mastery_and_the_newest_override_wins(
    database: Database, graph_corpus: Corpus, learner: LearnerRecord
) -> None:
    first = await answer(database, graph_corpus, learner.id, "b-1", 1.0, 1)
    tracked = mastery(database, graph_corpus, learner.id)
    confirmed = override_attempt(
        database, graph_corpus, first, teacher_key_id=None, verdict="correct", score=1.0
    )
    assert confirmed.mastery is None  # the same score: nothing to correct
    assert mastery(database, graph_corpus, learner.id) == tracked

    override_attempt(
        database, graph_corpus, first, teacher_key_id=None, verdict="incorrect", score=0.0
    )
    low = mastery(database, graph_corpus, learner.id)["basics"][0]
    assert low < tracked["basics"][0]
    with database.session() as session:
        row = session.get(models.Mastery, (learner.id, "basics"))
        assert row is not None and row.streak == 0 and row.attempts == 1
    again = override_attempt(
        database, graph_corpus, first, teacher_key_id=None, verdict="correct", score=1.0
    )  # back to right: rebuilt from the priors, so no trace of the wrong verdict is left
    assert again.mastery is not None
    assert mastery(database, graph_corpus, learner.id)["basics"][0] > low


async def test_only_that_learners_mastery_is_rebuilt(
    database: Database, graph_corpus: Corpus, learner: LearnerRecord
) -> None:
    bob = create_learner(database, "Bob")
    mine = await answer(database, graph_corpus, learner.id, "b-1", 0.0, 1)
    await answer(database, graph_corpus, bob.id, "b-1", 0.0, 2)
    bobs = mastery(database, graph_corpus, bob.id)
    override_attempt(database, graph_corpus, mine, teacher_key_id=None, verdict="correct", score=1)
    assert mastery(database, graph_corpus, bob.id) == bobs


async def test_an_override_needs_a_graded_attempt_and_a_valid_grade(
    database: Database, graph_corpus: Corpus, learner: LearnerRecord
) -> None:
    pending = submit_attempt(database, learner.id, "b-1", "not graded yet")
    with pytest.raises(ConflictError):
        override_attempt(
            database, graph_corpus, pending.id, teacher_key_id=None, verdict="correct", score=1
        )
    graded = await answer(database, graph_corpus, learner.id, "b-2", 0.0, 1)
    before = mastery(database, graph_corpus, learner.id)
    with pytest.raises(BadRequestError):
        override_attempt(
            database, graph_corpus, graded, teacher_key_id=None, verdict="great", score=1
        )
    assert mastery(database, graph_corpus, learner.id) == before  # nothing half-written


async def test_a_replay_gives_back_the_live_estimate_after_others_moved_the_ratings(
    database: Database, graph_corpus: Corpus, learner: LearnerRecord
) -> None:
    first = await answer(database, graph_corpus, learner.id, "b-1", 0.0, 1)
    await answer(database, graph_corpus, learner.id, "b-2", 1.0, 2)
    live = mastery(database, graph_corpus, learner.id)
    others = [create_learner(database, f"other {i}").id for i in range(5)]
    for n, other in enumerate(others, start=10):  # everyone else moves both items' ratings
        await answer(database, graph_corpus, other, "b-1", 1.0, n)
        await answer(database, graph_corpus, other, "b-2", 0.0, n)
    moved = ratings(database)

    # overriding and then restoring the original score replays the learner twice
    override_attempt(database, graph_corpus, first, teacher_key_id=None, verdict="correct",
                     score=1.0)  # fmt: skip
    override_attempt(database, graph_corpus, first, teacher_key_id=None, verdict="incorrect",
                     score=0.0)  # fmt: skip

    assert mastery(database, graph_corpus, learner.id) == {
        c: (pytest.approx(p), n) for c, (p, n) in live.items()
    }
    assert ratings(database) == moved
