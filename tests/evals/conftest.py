"""Scripted graders (no model, no network) and a tiny labelled dataset for the harness logic.

The dataset's answers carry marker words: an answer with "alpha" deserves ``correct``, with
"beta" ``partially_correct``, otherwise ``incorrect``. ``marker_rule`` grades by those words
(case-insensitively), so it is right, invariant to rewrites and immune to attacks; the other
graders break it in one known way each.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest
import yaml

from tutor.evals.graders import OfflineAdapter
from tutor.grading import artifact
from tutor.grading.models import Feedback, Flag, Grade, GradeRequest, Verdict

Rule = Callable[[GradeRequest, int], tuple[Verdict, float]]
ARTIFACT_MISSING = not (artifact.MODEL_DIR / artifact.ARRAYS_FILE).is_file()
SCORES = {Verdict.CORRECT: 0.9, Verdict.PARTIALLY_CORRECT: 0.5, Verdict.INCORRECT: 0.1}


def grade(verdict: Verdict, score: float | None = None, flags: Sequence[Flag] = ()) -> Grade:
    return Grade(
        verdict=verdict,
        score=SCORES[verdict] if score is None else score,
        feedback=Feedback(next_step="Keep going.", text="Scripted feedback."),
        confidence=0.9,
        flags=list(flags),
        engine="scripted",
        prompt="scripted@1",
    )


def marker_rule(request: GradeRequest, repeat: int = 0) -> tuple[Verdict, float]:
    text = request.answer.lower()
    if "alpha" in text:
        return Verdict.CORRECT, 0.9
    if "beta" in text:
        return Verdict.PARTIALLY_CORRECT, 0.5
    return Verdict.INCORRECT, 0.1


class ScriptedGrader:
    """Implements the Grader protocol with a rule; remembers every (answer, repeat) graded."""

    name = "scripted"
    version = "scripted@1"

    def __init__(self, rule: Rule = marker_rule, batch_size: int = 4) -> None:
        self.rule, self.batch_size = rule, batch_size
        self.calls: list[tuple[str, int]] = []

    async def grade(self, requests: Sequence[GradeRequest], *, repeat: int = 0) -> list[Grade]:
        self.calls += [(r.answer, repeat) for r in requests]
        return [grade(*self.rule(r, repeat)) for r in requests]


CASES = [
    # question 1: two references, two common mistakes (so the rubric order can change)
    ("q1-a", "q1", "The alpha effect explains it because the examples show the format.", "correct"),
    ("q1-b", "q1", "It is the alpha effect, since examples demonstrate the format.", "correct"),
    ("q1-c", "q1", "Partly the beta effect: the examples help somewhat.", "partially_correct"),
    ("q1-d", "q1", "Because longer prompts make the model respond faster.", "incorrect"),
    ("q1-e", "q1", "The model gets retrained on the examples every time.", "incorrect"),
    # question 2
    ("q2-a", "q2", "Alpha: it sets the role and the rules for the whole conversation.", "correct"),
    ("q2-b", "q2", "Beta only: it sets a role.", "partially_correct"),
    ("q2-c", "q2", "It stores the chat history in a database.", "incorrect"),
    ("q2-d", "q2", "It encrypts the user's messages.", "incorrect"),
    ("q2-e", "q2", "Some beta idea about tone.", "incorrect"),  # the grader says partial
]


def dataset_rows() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for case_id, question, answer, label in CASES:
        rows.append(
            {
                "id": case_id,
                "question_id": question,
                "question": f"Question {question}: why does it work?",
                "references": [f"Reference one for {question}.", f"Reference two for {question}."],
                "common_mistakes": ["m1: longer prompts are faster", "m2: it retrains the model"],
                "answer": answer,
                "label": label,
            }
        )
    return rows


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.yaml"
    groups = [
        {
            "id": "g1",
            "question": "Question q1: why does it work?",
            "question_id": "q1",
            "reference": "Reference one for q1.",
            "label": "correct",
            "answers": ["Alpha, as shown.", "It is alpha.", "Surely the gamma thing."],
        }
    ]
    path.write_text(yaml.safe_dump({"cases": dataset_rows(), "groups": groups}), encoding="utf-8")
    return path


@pytest.fixture
def scripted() -> ScriptedGrader:
    return ScriptedGrader()


@pytest.fixture
def use_grader(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[ScriptedGrader], None]]:
    """Make ``tutor eval grading --engine offline`` use a scripted grader."""

    def install(grader: ScriptedGrader) -> None:
        monkeypatch.setattr("tutor.evals.graders.offline_grader", lambda: grader)

    yield install


@pytest.fixture(scope="session")
def offline() -> OfflineAdapter:
    """The shipped offline grader (slow to load: once per session)."""
    if ARTIFACT_MISSING:
        pytest.skip("the offline grader artifact tutor/grading/model/grader.npz is not there yet")
    from tutor.evals.graders import offline_grader

    return offline_grader()
