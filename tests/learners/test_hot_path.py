"""The grade's hot path reads less than the whole learner model and must still agree with it."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from tests.learners.conftest import make_item, make_lesson
from tutor.corpus import Corpus
from tutor.learners import LearnerConfig
from tutor.learners.stored import catalog_of, load_knowledge
from tutor.learners.tracking import record_outcome
from tutor.store import Database, LearnerRecord, create_learner, models, submit_attempt

NOW = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


def test_the_catalogue_is_kept_until_the_lessons_change(graph_corpus: Corpus) -> None:
    first = catalog_of(graph_corpus)
    assert catalog_of(graph_corpus) is first

    extra = make_lesson("extra", {"more": []}, [make_item("m-1", ["more"], "easy")])
    graph_corpus.lessons = {**graph_corpus.lessons, extra.id: extra}  # as published variants do
    second = catalog_of(graph_corpus)
    assert second is not first and "m-1" in second.items and "more" in second.concepts
    assert "m-1" not in first.items


def test_each_grade_observes_what_the_whole_learner_model_would(
    database: Database, learner: LearnerRecord
) -> None:
    """Multi-concept items, two learners, fitted parameters for one concept: before each grade
    the learner's whole Knowledge is loaded and observes the answer; the stored grade must give
    the same observation and leave the same mastery rows."""
    lesson = make_lesson(
        "mixed",
        {"x": [], "y": ["x"], "z": []},
        [make_item("xy-1", ["x", "y"], "medium"), make_item("x-1", ["x"], "easy"),
         make_item("z-1", ["z"], "hard"), make_item("yz-1", ["y", "z"], "hard")],
    )  # fmt: skip
    corpus = Corpus(lessons={lesson.id: lesson})
    catalog, config = catalog_of(corpus), LearnerConfig()
    with database.session() as session:
        session.add(models.BKTParamsRow(
            concept_id="y", prior=0.2, learn=0.15, guess=0.2, slip=0.1, sequences=5,
            observations=60, log_likelihood=-30.0,
        ))  # fmt: skip
    other = create_learner(database, "Grace")
    rng = random.Random(7)
    for n in range(24):
        who = rng.choice([learner.id, other.id])
        item = rng.choice(list(catalog.items))
        score, when = rng.choice([0.0, 0.5, 1.0]), NOW + timedelta(minutes=n)
        attempt = submit_attempt(database, who, item, f"answer {n}", now=when)
        with database.session() as session:
            expected = load_knowledge(session, catalog, who, config).observe(item, score, when)
        outcome = record_outcome(database, corpus, attempt.id, {"score": score}, now=when)
        assert outcome.observation == expected
        assert outcome.attempt.score == score and outcome.attempt.graded_at == when
        with database.session() as session:
            stored = load_knowledge(session, catalog, who, config)
        for concept, (_, after) in expected.p_known.items():
            assert stored.state(concept).p_known == after
        assert stored.ratings[item].rating == pytest.approx(expected.rating[1])  # moved by a sum
