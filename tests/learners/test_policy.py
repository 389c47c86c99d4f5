"""The next-item policy: prerequisites, the success target, no repeats, spaced review."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.learners.conftest import ladder, make_lesson
from tutor.corpus import Corpus
from tutor.learners import Catalog, ConceptState, Knowledge, LearnerConfig, choose
from tutor.learners.config import MAX_REVIEW_INTERVAL

NOW = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


def knowledge_for(corpus: Corpus, **config: object) -> Knowledge:
    return Knowledge(Catalog.from_corpus(corpus), LearnerConfig(**config))  # type: ignore[arg-type]


def master(knowledge: Knowledge, concept: str, *, when: datetime = NOW, streak: int = 3) -> None:
    knowledge.concepts[concept] = ConceptState(0.99, attempts=5, streak=streak, last_practiced=when)


def test_concepts_wait_for_their_prerequisites(graph_corpus: Corpus) -> None:
    knowledge = knowledge_for(graph_corpus)
    for _ in range(6):  # a learner who gets everything wrong never reaches "advanced"
        chosen = choose(knowledge, NOW)
        assert chosen.concept_id != "advanced" and chosen.mode == "learn"
        knowledge.observe(chosen.item_id, 0.0, NOW)
    master(knowledge, "basics")
    master(knowledge, "other")
    chosen = choose(knowledge, NOW)
    assert chosen.concept_id == "advanced"
    assert "prerequisites ('Basics') are mastered" in chosen.reason


def test_the_item_aims_at_about_seventy_percent_success(graph_corpus: Corpus) -> None:
    knowledge = knowledge_for(graph_corpus)
    beginner = choose(knowledge, NOW)
    assert beginner.item_id == "b-1"  # easy: the only one a beginner is likely to get right
    predictions = {i: knowledge.predict(i) for i in ("b-1", "b-2", "b-3")}
    assert beginner.predicted_success == max(predictions.values())
    knowledge.concepts["basics"] = ConceptState(0.85)
    knowledge.concepts["other"] = ConceptState(0.1)
    strong = choose(knowledge, NOW)
    assert strong.item_id == "b-3"  # hard now lands closest to the target
    assert abs(strong.predicted_success - 0.7) < 0.1
    assert all(
        abs(strong.predicted_success - 0.7) <= abs(knowledge.predict(i) - 0.7)
        for i in ("b-1", "b-2", "b-3")
    )
    assert "70%" in strong.reason and "hard" in strong.reason


def test_the_last_items_are_not_repeated(graph_corpus: Corpus) -> None:
    knowledge = knowledge_for(graph_corpus, recent_items=2)
    chosen_ids = []
    for _ in range(8):
        chosen = choose(knowledge, NOW)
        assert chosen.item_id not in knowledge.history[-2:]
        chosen_ids.append(chosen.item_id)
        knowledge.observe(chosen.item_id, 0.0, NOW)
    assert len(set(chosen_ids)) >= 3


def test_a_concept_whose_items_were_all_just_seen_gives_way(graph_corpus: Corpus) -> None:
    knowledge = knowledge_for(graph_corpus, recent_items=3)
    knowledge.concepts["basics"] = ConceptState(0.6)  # basics would go first ...
    knowledge.history = ["b-1", "b-2", "b-3"]  # ... but all its items were just answered
    assert choose(knowledge, NOW).concept_id == "other"


def test_mastered_concepts_come_back_for_review_at_growing_intervals(graph_corpus: Corpus) -> None:
    config = LearnerConfig()
    assert [config.review_interval(s) for s in (2, 3, 4)] == [  # mastered after 2 right
        timedelta(hours=24),
        timedelta(hours=48),
        timedelta(hours=96),
    ]
    knowledge = knowledge_for(graph_corpus)
    master(knowledge, "basics", when=NOW - timedelta(hours=30), streak=2)  # due after 24 h
    master(knowledge, "other", when=NOW - timedelta(hours=30), streak=4)  # due after 96 h
    chosen = choose(knowledge, NOW)
    assert (chosen.mode, chosen.concept_id) == ("review", "basics")
    assert chosen.reason.startswith("Review: 'Basics' is mastered and was last practised 1 day ago")
    master(knowledge, "basics", when=NOW - timedelta(hours=30), streak=3)  # now due after 48 h
    assert choose(knowledge, NOW).mode == "learn"  # back to learning "advanced"


def test_with_everything_mastered_the_soonest_review_comes_early(graph_corpus: Corpus) -> None:
    knowledge = knowledge_for(graph_corpus)
    for concept, hours in (("basics", 1), ("advanced", 10), ("other", 5)):
        master(knowledge, concept, when=NOW - timedelta(hours=hours), streak=2)
    chosen = choose(knowledge, NOW)
    assert (chosen.mode, chosen.concept_id) == ("review", "advanced")
    assert "'Advanced' is the next review due (in 14 hours)" in chosen.reason


def test_a_prerequisite_cycle_still_yields_an_item() -> None:
    lesson = make_lesson("loop", {"a": ["b"], "b": ["a"]}, [*ladder("a", "a"), *ladder("b", "b")])
    chosen = choose(knowledge_for(Corpus(lessons={lesson.id: lesson})), NOW)
    assert chosen.mode == "stretch" and "prerequisites" in chosen.reason


def test_a_long_streak_of_successes_keeps_the_review_interval_at_its_cap(
    graph_corpus: Corpus,
) -> None:
    # Found by the adaptivity benchmark (issue 14): 31 successes in a row on a concept made
    # the interval 2^30 days, which timedelta cannot hold, so choosing the next item crashed.
    config = LearnerConfig()
    assert config.review_interval(31) == config.review_interval(3000) == MAX_REVIEW_INTERVAL
    knowledge = knowledge_for(graph_corpus)
    for concept in ("basics", "advanced", "other"):
        master(knowledge, concept, when=NOW - timedelta(hours=1), streak=40)
    assert choose(knowledge, NOW).mode == "review"
