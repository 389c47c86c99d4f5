"""Many answers graded at once (threads standing in for replicas) never fail, and leave each
learner's mastery equal to a replay of their answers, on SQLite and on Postgres."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from tests.learners.conftest import make_item, make_lesson
from tutor.corpus import Corpus
from tutor.learners import LearnerConfig, rebuild_mastery, record_outcome
from tutor.learners.catalog import Catalog
from tutor.store import Database, create_learner, models, submit_attempt

THREADS = 8


def _shared_concepts() -> Corpus:
    """Items that share concepts: an answer's update of one concept uses the others'."""
    items = [make_item("cd", ["c", "d"], "easy"), make_item("de", ["d", "e"], "medium")]
    items.append(make_item("e", ["e"], "hard"))
    lesson = make_lesson("shared", {"c": [], "d": [], "e": []}, items)
    return Corpus(lessons={lesson.id: lesson})


def _assert_mastery_is_a_replay(database: Database, corpus: Corpus, learner_id: str) -> None:
    with database.session() as session:
        rebuilt = rebuild_mastery(session, Catalog.from_corpus(corpus), learner_id, LearnerConfig())
        for concept_id, (live, replayed) in rebuilt.p_known.items():
            assert abs(live - replayed) < 1e-9, (learner_id, concept_id, live, replayed)
        session.rollback()


def test_an_answer_graded_late_replays_the_concepts_later_answers_touched(
    database: Database,
) -> None:
    corpus = _shared_concepts()
    learner = create_learner(database, "Ada").id
    first = submit_attempt(database, learner, "cd", "first")
    second = submit_attempt(database, learner, "de", "second")
    record_outcome(database, corpus, second.id, {"score": 1.0})  # the second replica was faster
    record_outcome(database, corpus, first.id, {"score": 0.0})
    _assert_mastery_is_a_replay(database, corpus, learner)  # e too: its update used d


def _answer(database: Database, corpus: Corpus, learner_id: str, item: str, score: float) -> None:
    attempt = submit_attempt(database, learner_id, item, f"answer to {item}")
    record_outcome(database, corpus, attempt.id, {"score": score})


@pytest.mark.parametrize("shape", ["prerequisites", "shared concepts"])
def test_concurrent_grades_for_one_learner_and_new_learners(
    database: Database, graph_corpus: Corpus, shape: str
) -> None:
    corpus = graph_corpus if shape == "prerequisites" else _shared_concepts()
    rng = random.Random(7)
    items = list(Catalog.from_corpus(corpus).items)
    busy = create_learner(database, "Busy").id  # many answers at once, some on one concept
    newcomers = [create_learner(database, f"New {n}").id for n in range(12)]  # first answers
    work = [(busy, rng.choice(items), rng.choice((0.0, 0.5, 1.0))) for _ in range(40)]
    work += [(learner, item, 1.0) for learner in newcomers for item in items[:2]]
    rng.shuffle(work)

    with ThreadPoolExecutor(THREADS) as pool:
        futures = [pool.submit(_answer, database, corpus, *job) for job in work]
        errors = [f.exception() for f in futures if f.exception() is not None]
    assert errors == []

    with database.session() as session:
        graded = session.scalars(
            select(models.Attempt.id).where(models.Attempt.status == "graded")
        ).all()
        assert len(graded) == len(work)
        stats = {s.item_id: s.attempts for s in session.scalars(select(models.ItemStats))}
        assert sum(stats.values()) == len(work)  # every grade moved its item once
    for learner_id in [busy, *newcomers]:
        _assert_mastery_is_a_replay(database, corpus, learner_id)
