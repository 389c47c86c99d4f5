"""Many answers graded at once (threads standing in for replicas) never fail, and leave each
learner's mastery equal to a replay of their answers, on SQLite and on Postgres."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select

from tutor.corpus import Corpus
from tutor.learners import LearnerConfig, rebuild_mastery, record_outcome
from tutor.learners.catalog import Catalog
from tutor.store import Database, create_learner, models, submit_attempt

THREADS = 8


def _answer(database: Database, corpus: Corpus, learner_id: str, item: str, score: float) -> None:
    attempt = submit_attempt(database, learner_id, item, f"answer to {item}")
    record_outcome(database, corpus, attempt.id, {"score": score})


def test_concurrent_grades_for_one_learner_and_new_learners(
    database: Database, graph_corpus: Corpus
) -> None:
    rng = random.Random(7)
    items = list(Catalog.from_corpus(graph_corpus).items)
    busy = create_learner(database, "Busy").id  # many answers at once, some on one concept
    newcomers = [create_learner(database, f"New {n}").id for n in range(12)]  # first answers
    work = [(busy, rng.choice(items), rng.choice((0.0, 0.5, 1.0))) for _ in range(40)]
    work += [(learner, item, 1.0) for learner in newcomers for item in ("b-1", "b-2")]
    rng.shuffle(work)

    with ThreadPoolExecutor(THREADS) as pool:
        futures = [pool.submit(_answer, database, graph_corpus, *job) for job in work]
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
            rebuilt = rebuild_mastery(
                session, Catalog.from_corpus(graph_corpus), learner_id, LearnerConfig()
            )
            assert rebuilt.answers == sum(1 for job in work if job[0] == learner_id)
            for concept_id, (live, replayed) in rebuilt.p_known.items():
                assert abs(live - replayed) < 1e-9, (learner_id, concept_id, live, replayed)
        session.rollback()
