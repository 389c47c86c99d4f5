"""Contrast cases: answers that sit next to a right one in wording but not in meaning.

    cases = load_contrast(Path("evals/contrast.yaml"), corpus)
    result = await run_contrast(cases, corpus, grader, examples=True)
    figures(result), check(result, Limits(max_wrong_correct=0))  # contrast_report

Every case names a free-text corpus item and is graded as the grading service grades an answer
to it: ``request_for`` the item, with its graded answers as examples (``examples=False``: none,
as for a new question). All requests go to the grader in one call, which for the offline
grader is one ``OfflineGrader.grade_many`` batch; a padding case adds its base sentence graded
alone, and the lift (padded score minus base score) is what padding bought.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from tutor.corpus import Corpus, ItemType
from tutor.errors import BadRequestError, NotFoundError
from tutor.evals.graders import Grader
from tutor.grading.models import Flag, Grade, GradeRequest, Verdict
from tutor.grading.rubric import merge_examples, request_for, written_examples
from tutor.grading.service import MAX_ANSWER_CHARS

Kind = Literal["negated", "swapped", "salad", "padding", "false_claim", "wrong_figure",
               "off_topic", "other_language", "gibberish", "paraphrase"]  # fmt: skip
Expect = Literal["not_correct", "correct", "needs_review"]
KINDS: tuple[Kind, ...] = get_args(Kind)
RIGHT_KINDS = ("paraphrase", "other_language")  # right answers; every other kind is wrong
REVIEW_KINDS = ("other_language", "gibberish")  # a person should look
EXPECTS = {"paraphrase": {"correct"}, "other_language": {"needs_review"},
           "gibberish": {"needs_review", "not_correct"}}  # fmt: skip
PADDED_CHARS = (1_000, MAX_ANSWER_CHARS)


class ContrastCase(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    item: str = Field(min_length=1)
    kind: Kind
    expect: Expect
    answer: str | None = Field(default=None, min_length=1)
    base: str | None = Field(default=None, min_length=1)  # padding: the sentence padded
    repeat: int | None = Field(default=None, ge=2)  # padding: the answer is the base N times

    @model_validator(mode="after")
    def _shape(self) -> ContrastCase:
        if self.expect not in EXPECTS.get(self.kind, {"not_correct"}):
            allowed = " or ".join(sorted(EXPECTS.get(self.kind, {"not_correct"})))
            raise ValueError(f"a {self.kind} case expects {allowed}, not {self.expect}")
        if self.kind != "padding":
            if self.answer is None or self.base is not None or self.repeat is not None:
                raise ValueError("give `answer` (only padding cases have `base` and `repeat`)")
            return self
        if self.base is None or (self.answer is None) == (self.repeat is None):
            raise ValueError("a padding case gives `base` and either `repeat` or `answer`")
        if self.base not in self.text:
            raise ValueError("the padded `answer` must contain the `base` sentence")
        if not PADDED_CHARS[0] <= len(self.text) <= PADDED_CHARS[1]:
            raise ValueError(f"the padded answer has {len(self.text):,} characters, not "
                             f"{PADDED_CHARS[0]:,} to {PADDED_CHARS[1]:,}")  # fmt: skip
        return self

    @property
    def text(self) -> str:
        """The answer as graded (a padding case with ``repeat``: the base N times)."""
        if self.answer is not None:
            return self.answer
        return " ".join([self.base or ""] * (self.repeat or 1))


def load_contrast(path: Path, corpus: Corpus) -> list[ContrastCase]:
    """The cases of ``path``; a bad case is a ``BadRequestError`` naming it."""
    if not path.is_file():
        raise NotFoundError(f"no contrast cases at {path}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise BadRequestError(f"{path} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict) or set(data) != {"cases"} or not isinstance(data["cases"], list):
        raise BadRequestError(f"{path}: write one key, `cases:`, holding a list of cases")
    cases: list[ContrastCase] = []
    for n, row in enumerate(data["cases"], 1):
        name = row.get("id") if isinstance(row, dict) else None
        where = f"{path}: case {n}" + (f" ({name})" if name else "")
        try:
            case = ContrastCase.model_validate(row)
            _, item = corpus.item(case.item)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'case'}: {e['msg']}"
                                 for e in exc.errors())  # fmt: skip
            raise BadRequestError(f"{where}: {problems}") from exc
        except NotFoundError as exc:
            raise BadRequestError(f"{where}: {exc.message} in the corpus") from exc
        if item.type is not ItemType.FREE_TEXT:
            raise BadRequestError(f"{where}: item {item.id!r} is not a free-text item")
        cases.append(case)
    if dupes := sorted({c.id for c in cases if sum(d.id == c.id for d in cases) > 1}):
        raise BadRequestError(f"{path}: case ids repeat: {dupes[:5]}")
    return cases


@dataclass(frozen=True)
class Graded:
    case: ContrastCase
    grade: Grade
    base: Grade | None = None  # padding: the base sentence graded alone

    @property
    def correct(self) -> bool:
        return self.grade.verdict is Verdict.CORRECT

    @property
    def reviewed(self) -> bool:
        return Flag.NEEDS_REVIEW in self.grade.flags  # the grader's own review threshold

    @property
    def wrong_correct(self) -> bool:
        return self.correct and self.case.kind not in RIGHT_KINDS

    @property
    def met(self) -> bool:
        if self.case.expect == "needs_review":
            return self.reviewed and not self.wrong_correct
        return self.correct == (self.case.expect == "correct")

    @property
    def lift(self) -> float | None:
        return None if self.base is None else round(self.grade.score - self.base.score, 4)


def _rate(hits: list[bool]) -> float | None:
    return round(sum(hits) / len(hits), 4) if hits else None


@dataclass(frozen=True)
class ContrastResult:
    examples: bool  # graded with the items' graded answers as examples
    graded: tuple[Graded, ...]
    right_only: bool = False  # ... only those scored 1 (an item written with model answers)

    def of(self, kind: str) -> list[Graded]:
        return [g for g in self.graded if g.case.kind == kind]

    @property
    def wrong_correct(self) -> list[Graded]:
        return [g for g in self.graded if g.wrong_correct]

    @property
    def paraphrase_recall(self) -> float | None:
        return _rate([g.correct for g in self.of("paraphrase")])

    def review_rate(self, kind: str) -> float | None:
        return _rate([g.reviewed for g in self.of(kind)])

    @property
    def lifts(self) -> list[float]:
        return [g.lift for g in self.graded if g.lift is not None]

    @property
    def verbosity_inflation(self) -> float | None:
        """The mean positive lift of padding (a padded answer scoring lower counts as 0)."""
        lifts = self.lifts
        return round(sum(max(0.0, x) for x in lifts) / len(lifts), 4) if lifts else None


async def run_contrast(
    cases: list[ContrastCase],
    corpus: Corpus,
    grader: Grader,
    *,
    examples: bool = True,
    right_only: bool = False,
) -> ContrastResult:
    """Grades every case (and every padding base) in one call of ``grader``: with the items'
    graded answers as examples, only those of them scored 1 (``right_only``: an item written
    with model answers alone), or none (``examples`` False)."""
    requests: list[GradeRequest] = []
    plan: list[tuple[ContrastCase, int, int | None]] = []  # case, its request, its base's
    for case in cases:
        _, item = corpus.item(case.item)
        written = written_examples(item)
        if right_only:
            written = [e for e in written if e.score >= 1.0]
        shown = merge_examples(written) if examples else []
        plan.append((case, len(requests), len(requests) + 1 if case.base is not None else None))
        requests.append(request_for(item, case.text, shown))
        if case.base is not None:
            requests.append(request_for(item, case.base, shown))
    grades = await grader.grade(requests)
    graded = (Graded(c, grades[i], None if b is None else grades[b]) for c, i, b in plan)
    return ContrastResult(examples, tuple(graded), right_only=examples and right_only)
