"""Graded examples from files: answers someone already graded, matched to rows by question.

An example row has the fields of an answer row plus ``label``: a verdict word (``correct``,
``partially_correct``, ``incorrect``, or SemEval's ``contradictory``, ``irrelevant``, ...) or a
number, read on the scale of ``label_scheme`` (``2way``: 0-1, ``score_0_5_...``: 0-5) or of
``--label-max``. Examples join rows with the same ``question_id``, else the same question text;
an example never joins the row with its own id.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from pydantic import StrictFloat, StrictInt, StrictStr

from tutor.errors import BadRequestError
from tutor.grading.batch.rows import AnswerRow, read_rows
from tutor.grading.models import GradedExample

VERDICT_SCORES = {
    "correct": 1.0,
    "partially_correct": 0.5,
    "partially_correct_incomplete": 0.5,
    "incorrect": 0.0,
    "contradictory": 0.0,
    "irrelevant": 0.0,
    "non_domain": 0.0,
}
_SCORE_SCHEME = re.compile(r"^score_(\d+(?:\.\d+)?)_(\d+(?:\.\d+)?)")


class ExampleRow(AnswerRow):
    label: StrictStr | StrictInt | StrictFloat
    label_scheme: str | None = None


def label_scale(scheme: str | None, label_max: float | None) -> float | None:
    if label_max is not None:
        return label_max
    if scheme and (match := _SCORE_SCHEME.match(scheme)):
        return float(match[2])
    return 1.0 if scheme in ("2way", "3way", "5way") else None


def label_score(row: ExampleRow, label_max: float | None = None) -> float:
    """The label as a score in 0..1 (``ValueError`` saying what is wrong with it)."""
    label = row.label
    if isinstance(label, str):
        word = re.sub(r"[\s\-]+", "_", label.strip().lower())
        if word in VERDICT_SCORES:
            return VERDICT_SCORES[word]
        try:
            label = float(label)
        except ValueError:
            words = ", ".join(VERDICT_SCORES)
            raise ValueError(
                f"label {row.label!r} is neither a number nor one of {words}"
            ) from None
    top = label_scale(row.label_scheme, label_max)
    if top is None:
        raise ValueError(
            f"label {label} is a number but label_scheme is {row.label_scheme!r}: give "
            "label_scheme (e.g. score_0_5_mean_of_two_graders) or --label-max"
        )
    if top <= 0 or not 0 <= label <= top:
        raise ValueError(f"label {label} is outside 0..{top}")
    return round(label / top, 4)


def _question_key(text: str) -> str:
    return " ".join(text.casefold().split())


class ExampleBank:
    """Graded examples by question id and by question text; call it with a row."""

    def __init__(self) -> None:
        self._by_id: dict[str, list[tuple[str, GradedExample]]] = defaultdict(list)
        self._by_text: dict[str, list[tuple[str, GradedExample]]] = defaultdict(list)
        self.size = 0

    def add(self, row: AnswerRow, score: float) -> None:
        entry = (row.id, GradedExample(answer=row.student_answer, score=score))
        if row.question_id is not None:
            self._by_id[row.question_id].append(entry)
        self._by_text[_question_key(row.question)].append(entry)
        self.size += 1

    def __call__(self, row: AnswerRow) -> list[GradedExample]:
        if row.question_id is not None and row.question_id in self._by_id:
            found = self._by_id[row.question_id]
        else:
            found = self._by_text.get(_question_key(row.question), [])
        return [example for example_id, example in found if example_id != row.id]


def load_examples(paths: Sequence[Path], label_max: float | None = None) -> ExampleBank:
    bank = ExampleBank()
    for path in paths:
        for number, row in read_rows(path, ExampleRow):
            try:
                bank.add(row, label_score(row, label_max))
            except ValueError as exc:
                raise BadRequestError(f"{path}:{number}: {exc}") from None
    return bank
