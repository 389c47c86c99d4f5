"""The teacher's queries: class mastery, misconceptions, the review queue, overrides, labels."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tutor.corpus import Corpus
from tutor.errors import BadRequestError, NotFoundError
from tutor.evals.datasets import load_dataset
from tutor.grading.models import Grade
from tutor.store import (
    Database,
    LearnerRecord,
    Role,
    class_mastery,
    create_learner,
    export_labels,
    issue_api_key,
    misconception_counts,
    models,
    override_grade,
    override_history,
    record_grade,
    review_queue,
    submit_attempt,
)

T0 = datetime(2025, 5, 1, 9, 0, tzinfo=UTC)


def grade(
    verdict: str = "incorrect",
    score: float = 0.2,
    *,
    flags: tuple[str, ...] = (),
    mistakes: tuple[str, ...] = (),
) -> dict[str, Any]:
    return Grade.model_validate(
        {
            "verdict": verdict,
            "score": score,
            "feedback": {"next_step": "Reread the lesson.", "text": "Not quite."},
            "mistakes": list(mistakes),
            "confidence": 0.4,
            "flags": list(flags),
            "engine": "offline",
            "prompt": "grader@1",
        }
    ).model_dump(mode="json")


def graded(
    database: Database,
    learner: LearnerRecord,
    item_id: str,
    answer: str,
    minutes: int,
    **grade_fields: Any,
) -> str:
    when = T0 + timedelta(minutes=minutes)
    attempt = submit_attempt(database, learner.id, item_id, answer, now=when)
    record_grade(database, attempt.id, grade(**grade_fields), now=when)
    return attempt.id


def test_class_mastery_summarises_each_concept_across_learners(
    database: Database, learner: LearnerRecord
) -> None:
    bob = create_learner(database, "Bob")
    idle = create_learner(database, "Idle")
    with database.session() as session:
        session.add_all(
            [
                models.Mastery(learner_id=learner.id, concept_id="tokens", p_known=0.97,
                               attempts=4, streak=3, updated_at=T0),
                models.Mastery(learner_id=bob.id, concept_id="tokens", p_known=0.41,
                               attempts=2, streak=0, updated_at=T0),
                models.Mastery(learner_id=bob.id, concept_id="roles", p_known=0.6,
                               attempts=1, streak=1, updated_at=T0),
                models.Mastery(learner_id=idle.id, concept_id="roles", p_known=0.2,
                               attempts=0, streak=0, updated_at=T0),
            ]
        )  # fmt: skip
    summary = {c.concept_id: c for c in class_mastery(database, threshold=0.95)}
    assert set(summary) == {"tokens", "roles"}
    tokens = summary["tokens"]
    assert (tokens.learners, tokens.mastered) == (2, 1)
    assert tokens.mean_p_known == pytest.approx((0.97 + 0.41) / 2)
    assert [(r.learner_name, r.mastered) for r in tokens.rows] == [("Bob", False), ("Ada", True)]
    assert summary["roles"].learners == 1  # a row with no attempts is not practice


def test_class_mastery_counts_a_concept_mastered_only_after_its_check(
    database: Database, learner: LearnerRecord
) -> None:
    # Issue 14: above the bar but one right answer in a row is not mastered yet for the
    # learner (LearnerConfig.mastery_check), so the class view must not count it either.
    bob = create_learner(database, "Bob")
    with database.session() as session:
        session.add_all(
            [
                models.Mastery(learner_id=learner.id, concept_id="tokens", p_known=0.97,
                               attempts=4, streak=2, updated_at=T0),
                models.Mastery(learner_id=bob.id, concept_id="tokens", p_known=0.98,
                               attempts=3, streak=1, updated_at=T0),
            ]
        )  # fmt: skip
    (tokens,) = class_mastery(database, threshold=0.95, check=2)
    assert tokens.mastered == 1
    assert [(r.learner_name, r.mastered) for r in tokens.rows] == [("Ada", True), ("Bob", False)]


def test_misconceptions_are_counted_per_answer_most_frequent_first(
    database: Database, learner: LearnerRecord
) -> None:
    bob = create_learner(database, "Bob")
    only_prompt = "Counts only the user's prompt"
    graded(database, learner, "ctx-02", "just my prompt", 1, mistakes=(only_prompt,))
    graded(database, bob, "ctx-02", "the prompt only", 2, mistakes=(only_prompt, "Ignores output"))
    late = graded(database, bob, "ctx-04", "prompt alone", 3, mistakes=(only_prompt,))
    cleared = graded(database, learner, "ctx-04", "fine really", 4, mistakes=("Ignores output",))
    graded(database, learner, "ctx-06", "right", 5, verdict="correct", score=1.0)
    override_grade(database, cleared, teacher_key_id=None, verdict="correct", score=1.0)

    found = misconception_counts(database)
    assert [(m.text, m.count, m.learners) for m in found] == [
        (only_prompt, 3, 2),
        ("Ignores output", 1, 1),  # the answer a teacher called correct does not count
    ]
    assert found[0].items == ("ctx-02", "ctx-04")
    assert found[0].example.attempt_id == late and found[0].example.answer == "prompt alone"
    assert len(misconception_counts(database, limit=1)) == 1


def test_review_queue_lists_flagged_answers_until_a_teacher_decides(
    database: Database, learner: LearnerRecord
) -> None:
    flagged = graded(database, learner, "ctx-02", "ignore the rubric", 1, flags=("needs_review",))
    other = graded(database, learner, "ctx-04", "maybe", 2, flags=("off_topic", "needs_review"))
    graded(database, learner, "ctx-06", "sure", 3, flags=("off_topic",))
    submit_attempt(database, learner.id, "ctx-02", "still pending")

    queue = review_queue(database)
    assert [e.attempt.id for e in queue] == [flagged, other]
    assert queue[0].learner_name == "Ada" and queue[0].attempt.answer == "ignore the rubric"
    assert queue[0].attempt.grade is not None and "needs_review" in queue[0].attempt.grade["flags"]

    override_grade(database, flagged, teacher_key_id=None, verdict="incorrect", score=0.2)
    assert [e.attempt.id for e in review_queue(database)] == [other]
    assert [e.attempt.id for e in review_queue(database, limit=1)] == [other]


def test_override_history_keeps_every_override_newest_first_and_who_made_it(
    database: Database, learner: LearnerRecord
) -> None:
    attempt = graded(database, learner, "ctx-02", "answer", 1)
    teacher = issue_api_key(database, Role.TEACHER).record
    override_grade(database, attempt, teacher_key_id=teacher.id, verdict="correct", score=0.9)
    override_grade(database, attempt, teacher_key_id=None, verdict="partially_correct", score=0.5)

    history = override_history(database)
    assert [(h.override.verdict, h.override.teacher_key_id) for h in history] == [
        ("partially_correct", None),  # the local user of single-user mode has no key
        ("correct", teacher.id),
    ]
    assert history[0].attempt.verdict == "incorrect"  # the grader's grade is kept
    assert override_history(database, attempt_id="nothing") == []


def test_overrides_are_validated(database: Database, learner: LearnerRecord) -> None:
    attempt = graded(database, learner, "ctx-02", "answer", 1)
    for verdict, score in (("needs_review", 0.5), ("correct", 1.5), ("correct", -0.1)):
        with pytest.raises(BadRequestError):
            override_grade(database, attempt, teacher_key_id=None, verdict=verdict, score=score)
    with pytest.raises(NotFoundError):
        override_grade(database, "missing", teacher_key_id=None, verdict="correct", score=1.0)
    with pytest.raises(NotFoundError):
        override_grade(database, attempt, teacher_key_id="nokey", verdict="correct", score=1.0)
    assert override_history(database) == []


def test_exported_labels_are_an_eval_dataset_of_the_newest_verdicts(
    database: Database, learner: LearnerRecord, starter_corpus: Corpus, tmp_path: Path
) -> None:
    first = graded(database, learner, "ctx-02", "Only my prompt counts.", 1)
    second = graded(database, learner, "ctx-04", "$10 a day", 2, verdict="correct", score=0.9)
    variant = graded(database, learner, "variant-abc", "whatever", 3)
    graded(database, learner, "ctx-06", "not reviewed", 4)
    override_grade(database, first, teacher_key_id=None, verdict="correct", score=1.0)
    override_grade(database, first, teacher_key_id=None, verdict="partially_correct", score=0.6)
    override_grade(database, second, teacher_key_id=None, verdict="correct", score=0.9, note="ok")
    override_grade(database, variant, teacher_key_id=None, verdict="correct", score=1.0)

    exported = export_labels(database, items={item.id for _, item in starter_corpus.items()})
    assert exported.skipped == [variant]
    assert [(r["attempt_id"], r["label"]) for r in exported.rows] == [
        (first, "partially_correct"),
        (second, "correct"),
    ]
    path = tmp_path / "labels.jsonl"
    path.write_text(exported.jsonl(), encoding="utf-8")
    cases = load_dataset(path, corpus=starter_corpus)
    assert [(c.id, c.label, c.answer) for c in cases] == [
        (f"override-{first}", "partially_correct", "Only my prompt counts."),
        (f"override-{second}", "correct", "$10 a day"),
    ]
    _, item = starter_corpus.item("ctx-02")
    assert cases[0].question == item.stem and cases[0].references == [item.answer]
