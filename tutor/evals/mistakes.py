"""Does the grader name the common mistake that an answer states? (``tutor eval mistakes``)

    answers = load_answers(Path("evals/mistakes.yaml"), corpus)
    report = await measure(answers, corpus, grader)
    report.figures()["precision"], report.figures()["recall"]

Each answer names a corpus item and lists, by 0-based index, the item's common mistakes it
states. Every answer is graded as the grading service grades an answer to an item (the item's
stem, canonical answer, common mistakes, solution steps and graded answers as examples), all
in one call of the grader: for the offline grader, one ``grade_many``. The grade's
``mistakes`` (texts) are matched back to indices. Figures are micro precision, recall and F1
over (answer, mistake) pairs, per item and per kind; answers that name a mistake only to
reject it (``kind: rejects``) are the contrast set, and their false positives are counted
on their own.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from tutor.config import PROJECT_ROOT
from tutor.corpus import Corpus, Item, ItemType
from tutor.errors import BadRequestError, NotFoundError
from tutor.evals.gates import Gate, Outcome, figure
from tutor.evals.graders import Grader
from tutor.grading.rubric import merge_examples, request_for, written_examples

DEFAULT_FILE = PROJECT_ROOT / "evals" / "mistakes.yaml"
Kind = Literal["mistake", "right", "other", "rejects"]
GATES = {
    "--min-precision": Gate("--min-precision", ("precision",), "min", "mistake precision",
                            "the grader named no mistake"),
    "--min-recall": Gate("--min-recall", ("recall",), "min", "mistake recall",
                         "no answer is labelled with a mistake"),
}  # fmt: skip


class MistakeAnswer(BaseModel):
    """One labelled answer; ``mistakes`` and ``rejects`` index the item's common mistakes."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    id: str = Field(min_length=1)
    item: str = Field(min_length=1)
    kind: Kind
    answer: str = Field(min_length=1)
    mistakes: list[int]
    rejects: list[int] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if (self.kind == "mistake") != bool(self.mistakes):
            raise ValueError("mistakes must be non-empty exactly when kind is 'mistake'")
        if (self.kind == "rejects") != bool(self.rejects):
            raise ValueError("rejects must be non-empty exactly when kind is 'rejects'")
        if len(set(self.mistakes)) != len(self.mistakes):
            raise ValueError("mistakes lists an index twice")
        return self


class MistakeFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    answers: list[MistakeAnswer] = Field(min_length=1)


def load_answers(path: Path, corpus: Corpus) -> list[MistakeAnswer]:
    """The file's answers, checked against the corpus; every problem in one ``BadRequestError``."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        data = MistakeFile.model_validate(raw)
    except OSError as exc:
        raise BadRequestError(f"cannot read {path}: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise BadRequestError(f"{path} is not valid YAML: {exc}") from None
    except ValidationError as exc:
        raise BadRequestError(f"{path}: " + "; ".join(_where(raw, e["loc"]) + e["msg"]
                                                      for e in exc.errors())) from None  # fmt: skip
    problems: list[str] = []
    seen: set[str] = set()
    for a in data.answers:
        if a.id in seen:
            problems.append(f"{a.id}: the id is used twice")
        seen.add(a.id)
        try:
            item = corpus.item(a.item)[1]
        except NotFoundError:
            problems.append(f"{a.id}: no item {a.item!r} in the corpus")
            continue
        if item.type is not ItemType.FREE_TEXT:
            problems.append(f"{a.id}: item {a.item!r} is not a free-text item")
        n = len(item.common_mistakes)
        for index in [*a.mistakes, *a.rejects]:
            if not 0 <= index < n:
                problems.append(f"{a.id}: mistake index {index} is out of range: item {a.item!r} "
                                f"has {n} common mistakes (0..{n - 1})")  # fmt: skip
    if problems:
        raise BadRequestError(f"{path}: " + "; ".join(problems))
    return data.answers


def _where(raw: Any, loc: tuple[int | str, ...]) -> str:
    """``answers[3] (ctx-02-m1).mistakes: `` for an error's location in the file."""
    if len(loc) < 2 or loc[0] != "answers" or not isinstance(loc[1], int):
        return ".".join(map(str, loc)) + ": " if loc else ""
    row = raw["answers"][loc[1]]
    name = f" ({row['id']})" if isinstance(row, dict) and "id" in row else ""
    return f"answers[{loc[1]}]{name}" + "".join(f".{p}" for p in loc[2:]) + ": "


@dataclass(frozen=True)
class Scored:
    answer: MistakeAnswer
    detected: tuple[int, ...]  # indices of the mistakes the grade names (-1: not in the list)
    verdict: str

    def counts(self) -> tuple[int, int, int]:
        """True positives, false positives, false negatives."""
        said, named = set(self.answer.mistakes), set(self.detected)
        return len(said & named), len(named - said), len(said - named)


def _indices(names: list[str], item: Item) -> tuple[int, ...]:
    listed = {text: i for i, text in enumerate(item.common_mistakes)}
    return tuple(sorted({listed.get(name, -1) for name in names}))


async def measure(answers: list[MistakeAnswer], corpus: Corpus, grader: Grader) -> list[Scored]:
    """Grades every answer in one call, as the service grades an item without a database."""
    items = [corpus.item(a.item)[1] for a in answers]
    requests = [request_for(item, a.answer, merge_examples(written_examples(item)))
                for a, item in zip(answers, items, strict=True)]  # fmt: skip
    grades = await grader.grade(requests)
    return [Scored(a, _indices(g.mistakes, item), g.verdict.value)
            for a, item, g in zip(answers, items, grades, strict=True)]  # fmt: skip


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def _tally(scored: list[Scored]) -> dict[str, Any]:
    counts = [s.counts() for s in scored]
    tp, fp, fn = (sum(c[k] for c in counts) for k in range(3))
    return {"answers": len(scored), "labelled": tp + fn, "detected": tp + fp,
            "tp": tp, "fp": fp, "fn": fn,
            "answers_with_fp": sum(1 for c in counts if c[1])}  # fmt: skip


def figures(scored: list[Scored]) -> dict[str, Any]:
    """Micro precision, recall and F1 (None when undefined), per kind, per item, contrast."""
    overall = _tally(scored)
    p = _ratio(overall["tp"], overall["detected"])
    r = _ratio(overall["tp"], overall["labelled"])
    f1 = _ratio(2 * overall["tp"], overall["labelled"] + overall["detected"])
    groups: dict[str, dict[str, list[Scored]]] = {"kind": defaultdict(list),
                                                  "item": defaultdict(list)}  # fmt: skip
    for s in scored:
        groups["kind"][s.answer.kind].append(s)
        groups["item"][s.answer.item].append(s)
    contrast = [s for s in scored if s.answer.kind == "rejects"]
    rejected = sum(1 for s in contrast if set(s.answer.rejects) & set(s.detected))
    return {
        **overall, "items": len(groups["item"]), "precision": p, "recall": r, "f1": f1,
        "contrast": {**_tally(contrast), "named_the_rejected_mistake": rejected},
        "by_kind": {k: _tally(v) for k, v in sorted(groups["kind"].items())},
        "by_item": {k: _tally(v) for k, v in sorted(groups["item"].items())},
        "results": [{"id": s.answer.id, "item": s.answer.item, "kind": s.answer.kind,
                     "labelled": s.answer.mistakes, "detected": list(s.detected),
                     "verdict": s.verdict} for s in scored],
    }  # fmt: skip


def check(figures: Mapping[str, Any], limits: Mapping[str, float | None]) -> list[Outcome]:
    """One outcome per gate given (``--min-precision``, ``--min-recall``); undefined fails."""
    out = []
    for option, limit in limits.items():
        if limit is not None:
            value = figure(figures, GATES[option].path)
            out.append(Outcome(GATES[option], limit, value, value is not None and value >= limit))
    return out
