"""The Grade shape is strict: unknown fields and out-of-range numbers are refused."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tutor.grading import Feedback, Flag, Grade, GradedExample, GradeRequest, Verdict


def _grade(**changes: object) -> dict[str, object]:
    fields: dict[str, object] = {
        "verdict": "correct",
        "score": 0.9,
        "feedback": {"correct": ["x"], "missing": [], "next_step": "go on", "text": "Good."},
        "confidence": 0.8,
        "flags": ["needs_review"],
        "engine": "offline",
        "prompt": "offline-grader@1.abc",
    }
    return {**fields, **changes}


def test_grade_round_trips_through_json() -> None:
    grade = Grade.model_validate(_grade())
    assert grade.verdict is Verdict.CORRECT and grade.flags == [Flag.NEEDS_REVIEW]
    assert isinstance(grade.feedback, Feedback)
    assert Grade.model_validate_json(grade.model_dump_json()) == grade


@pytest.mark.parametrize(
    "changes",
    [{"score": 1.2}, {"confidence": -0.1}, {"verdict": "great"}, {"flags": ["odd"]}, {"x": 1}],
)
def test_grade_refuses_bad_fields(changes: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        Grade.model_validate(_grade(**changes))


def test_graded_example_and_request_are_checked() -> None:
    with pytest.raises(ValidationError):
        GradedExample(answer="a", score=2.0)
    with pytest.raises(ValidationError):
        GradeRequest(question="q", references=[], answer="a")
    request = GradeRequest(
        question="q", references=["r"], answer="a", examples=[GradedExample(answer="b", score=1)]
    )
    assert request.examples[0].score == 1.0
