"""Honest mastery (issue 14): a concept the tutor calls mastered is one the learner knows."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tests.learners.conftest import make_item, make_lesson
from tutor.corpus import Corpus
from tutor.learners import BKTParams, Catalog, ConceptState, Knowledge, LearnerConfig, choose

NOW = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


def test_a_concept_is_mastered_only_after_a_short_check(graph_corpus: Corpus) -> None:
    config = LearnerConfig()
    assert config.mastery_check >= 2
    knowledge = Knowledge(Catalog.from_corpus(graph_corpus), config)
    knowledge.concepts["basics"] = ConceptState(0.97, attempts=4, streak=config.mastery_check - 1)
    assert not knowledge.mastered("basics")  # above the bar, but not checked yet
    chosen = choose(knowledge, NOW)
    assert chosen.concept_id == "basics" and chosen.reason.startswith("Checking 'Basics'")
    knowledge.observe(chosen.item_id, 1.0, NOW)
    assert knowledge.mastered("basics")
    knowledge.observe("b-2", 0.0, NOW)  # a wrong answer takes it back until checked again
    knowledge.concepts["basics"].p_known = 0.99
    assert not knowledge.mastered("basics")


@dataclass
class Simulated:
    known: dict[str, bool]
    learn: float
    guess: float
    slip: float


def test_simulated_learners_told_mastered_know_the_concept(graph_corpus: Corpus) -> None:
    """Learners whose hidden parameters lie anywhere inside the model's bounds, tracked with
    the default parameters: at most 5% of "mastered" declarations are wrong."""
    catalog = Catalog.from_corpus(graph_corpus)
    rng = random.Random(3)
    declared = wrong = 0
    for _ in range(300):
        truth = Simulated(
            known={c: rng.random() < 0.2 for c in catalog.concepts},
            learn=rng.uniform(0.05, 0.3),
            guess=rng.uniform(0.1, 0.3),
            slip=rng.uniform(0.02, 0.1),
        )
        knowledge = Knowledge(catalog, LearnerConfig())
        now = NOW
        for _ in range(60):
            if all(knowledge.mastered(c) for c in catalog.practicable()):
                break
            chosen = choose(knowledge, now)
            concept = chosen.concept_id
            was = knowledge.mastered(concept)
            right = rng.random() < (1 - truth.slip if truth.known[concept] else truth.guess)
            knowledge.observe(chosen.item_id, 1.0 if right else 0.0, now)
            truth.known[concept] = truth.known[concept] or rng.random() < truth.learn
            if knowledge.mastered(concept) and not was:
                declared += 1
                wrong += not truth.known[concept]
            now += timedelta(minutes=2)
    assert declared > 500
    assert wrong / declared <= 0.05, f"{wrong} of {declared} declarations were wrong"


def test_fitted_parameters_at_their_bounds_still_predict() -> None:
    # Found by the adaptivity benchmark with fitted parameters (issue 14): the mean of three
    # concepts' slip of 0.1 (the bound) is 0.10000000000000002, which BKTParams refused, so
    # choosing the next item crashed once `tutor fit` put slips at the bound.
    lesson = make_lesson(
        "three", {"a": [], "b": [], "c": []}, [make_item("abc", ["a", "b", "c"], "medium")]
    )
    at_bound = BKTParams(prior=0.1, learn=0.1, guess=0.3, slip=0.1)
    knowledge = Knowledge(
        Catalog.from_corpus(Corpus(lessons={lesson.id: lesson})),
        params={c: at_bound for c in "abc"},
    )
    assert 0 < knowledge.predict("abc") < 1
