"""What an eval case is: one learner answer with its question, references and human label(s).

Labels come in three schemes, detected from the data (or forced):

- ``verdict``: ``incorrect`` / ``partially_correct`` / ``correct``, ordinal 0, 1, 2;
- ``binary``: ``incorrect`` / ``correct`` or 0 / 1; a grade counts as correct when its
  *verdict* is ``correct``, which is what the learner is shown (``partially_correct`` counts as
  not correct, as in SemEval's 2-way labels). The score-threshold figure (``score >= 0.5``) is
  reported beside it by the agreement module, never instead;
- ``score``: numbers from 0 to ``scale`` (Mohler's 0-5), compared with ``Grade.score``.

Every figure is computed on *values*: class indices for ``verdict`` and ``binary``, a 0-1
number for ``score`` (binned into ``scale + 1`` levels for kappa).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tutor.errors import BadRequestError
from tutor.grading.models import Grade, GradedExample, GradeRequest, Verdict

Label = str | float
SchemeKind = Literal["verdict", "binary", "score"]
VERDICT_ORDER = (Verdict.INCORRECT, Verdict.PARTIALLY_CORRECT, Verdict.CORRECT)
_ALIASES = {
    "partial": "partially_correct",
    "partially correct": "partially_correct",
    "partially-correct": "partially_correct",
    "wrong": "incorrect",
    "right": "correct",
}


class EvalCase(BaseModel):
    """One graded answer. ``label`` is the truth; without it, the raters' majority is."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    question_id: str
    question: str
    references: list[str] = Field(min_length=1)
    answer: str
    label: Label | None = None
    raters: dict[str, Label | None] = Field(default_factory=dict)
    group: str | None = None  # cases of one group are meaning-preserving rewrites
    kind: str = "answer"  # "answer", or "clean": benign text that mentions grader words
    common_mistakes: list[str] = Field(default_factory=list)
    solution_steps: list[str] = Field(default_factory=list)
    examples: list[GradedExample] = Field(default_factory=list)

    def request(
        self, answer: str | None = None, rubric: Mapping[str, list[str]] | None = None
    ) -> GradeRequest:
        """The grade request, with another answer or reordered rubric lists if given."""
        fields: dict[str, object] = {
            "question": self.question,
            "references": self.references,
            "answer": self.answer if answer is None else answer,
            "examples": self.examples,
            "common_mistakes": self.common_mistakes,
            "solution_steps": self.solution_steps,
        }
        return GradeRequest.model_validate({**fields, **(rubric or {})})


def normalise(label: Label | None) -> Label | None:
    """Labels as read from files: numbers from numeric strings, verdict names lower-cased."""
    if label is None or (isinstance(label, float) and math.isnan(label)):
        return None
    if isinstance(label, bool):
        return float(label)
    if isinstance(label, int | float):
        return float(label)
    text = label.strip().lower()
    if text in ("", "na", "n/a", "nan", "none", "null"):
        return None
    try:
        return float(text)
    except ValueError:
        return _ALIASES.get(text, text.replace(" ", "_"))


@dataclass(frozen=True)
class Scheme:
    kind: SchemeKind
    scale: float = 1.0  # the top of the score range (score scheme only)

    @property
    def levels(self) -> int:
        return {"verdict": 3, "binary": 2}.get(self.kind, round(self.scale) + 1)

    @property
    def names(self) -> list[str]:
        if self.kind == "verdict":
            return [v.value for v in VERDICT_ORDER]
        if self.kind == "binary":
            return ["incorrect", "correct"]
        return [f"{i:g}" for i in range(self.levels)]

    def value(self, label: Label | None) -> float | None:
        """A label as a number: a class index (verdict, binary) or 0-1 (score)."""
        label = normalise(label)
        if label is None:
            return None
        if self.kind == "score":
            if isinstance(label, str):
                raise BadRequestError(f"label {label!r} is not a number (score labels)")
            return min(1.0, max(0.0, label / self.scale))
        names = self.names
        if isinstance(label, str):
            if label not in names:
                raise BadRequestError(f"label {label!r} is not one of {names}")
            return float(names.index(label))
        if label not in range(len(names)):
            raise BadRequestError(f"label {label:g} is not one of 0..{len(names) - 1}")
        return label

    def predict(self, grade: Grade) -> float:
        if self.kind == "verdict":
            return float(VERDICT_ORDER.index(grade.verdict))
        if self.kind == "binary":
            return float(grade.verdict is Verdict.CORRECT)
        return grade.score

    def level(self, value: float) -> int:
        """The class (or score level, halves rounded up) of a value, for kappa."""
        return math.floor(value * self.scale + 0.5) if self.kind == "score" else int(value)

    def is_correct(self, value: float) -> bool:
        return value >= 0.5 if self.kind == "score" else value == self.levels - 1

    def is_wrong(self, value: float) -> bool:
        return value < 0.5 if self.kind == "score" else value == 0


def detect(
    labels: Iterable[Label | None], forced: SchemeKind | None = None, scale: float | None = None
) -> Scheme:
    seen = [x for x in (normalise(label) for label in labels) if x is not None]
    numbers = [x for x in seen if not isinstance(x, str)]
    words = {x for x in seen if isinstance(x, str)}
    if words and numbers:
        raise BadRequestError("labels mix numbers and names; use one kind per dataset")
    if forced == "score" or (forced is None and numbers and not set(numbers) <= {0.0, 1.0}):
        top = scale if scale is not None else max([*numbers, 1.0])
        return Scheme("score", float(math.ceil(top)))
    if forced is not None:
        return Scheme(forced)
    if words - {v.value for v in VERDICT_ORDER}:
        raise BadRequestError(
            f"unknown labels {sorted(words)}: use correct/partially_correct/"
            "incorrect, 0/1 or numeric scores"
        )
    return Scheme("verdict" if "partially_correct" in words else "binary")


def truth(case: EvalCase, scheme: Scheme) -> float | None:
    """The case's label, else the raters' majority (the median on a tie)."""
    if case.label is not None:
        return scheme.value(case.label)
    values = [v for v in (scheme.value(r) for r in case.raters.values()) if v is not None]
    if not values:
        return None
    if scheme.kind == "score":
        return sum(values) / len(values)
    counts = Counter(values).most_common()
    if len(counts) > 1 and counts[0][1] == counts[1][1]:
        return sorted(values)[len(values) // 2]
    return counts[0][0]


def all_labels(cases: Sequence[EvalCase]) -> list[Label | None]:
    return [x for c in cases for x in (c.label, *c.raters.values())]
