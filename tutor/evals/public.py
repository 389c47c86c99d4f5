"""The public sets in ``../shared/data``, read in place (never copied into the repository).

Named datasets, for ``tutor eval grading NAME``:

- ``asag:scientsbank``, ``asag:beetle``: the SemEval-2013 *unseen answers* test files
  (2-way labels); the training answers to the same question are the graded examples, as in
  ``tutor/grading/evaluation.py``.
- ``asag:mohler``: Mohler's train file, 0-5 scores, two graders as raters (the offline grader
  is trained on it: agreement figures there are not a test).
- ``khan``: Khan Academy's 800 responses to 20 items, three human raters, majority as truth.

A missing folder raises :class:`DatasetAbsent`: an error, or a skip with ``--skip-missing``.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from tutor.config import PROJECT_ROOT
from tutor.errors import NotFoundError
from tutor.evals.cases import EvalCase
from tutor.grading.models import GradedExample

SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"
NAMES = ("asag:scientsbank", "asag:beetle", "asag:mohler", "khan")


class DatasetAbsent(NotFoundError):
    """A public set that is not on this machine (`tutor eval grading --skip-missing` skips it)."""


def is_public(name: str) -> bool:
    return name in NAMES


def load_public(name: str, root: Path = SHARED_DATA) -> list[EvalCase]:
    if name == "khan":
        return _khan(_folder(root / "khan-saq"))
    family = name.split(":", 1)[1]
    folder = _folder(root / "asag")
    if family == "mohler":
        return [_asag_case(raw, family, []) for raw in _jsonl(folder / "mohler-train.jsonl")]
    pool: dict[str, list[GradedExample]] = defaultdict(list)
    for raw in _jsonl(folder / f"{family}-train.jsonl"):
        score = 1.0 if raw["label"] == "correct" else 0.0
        pool[raw["question_id"]].append(GradedExample(answer=raw["student_answer"], score=score))
    test = _jsonl(folder / f"{family}-test-unseen-answers.jsonl")
    return [_asag_case(raw, family, pool[raw["question_id"]]) for raw in test]


def _folder(path: Path) -> Path:
    if not path.is_dir():
        raise DatasetAbsent(f"{path} is absent (the public sets live in ../shared/data)")
    return path


def _jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        raise DatasetAbsent(f"{path} is absent")
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _asag_case(raw: dict[str, Any], family: str, examples: list[GradedExample]) -> EvalCase:
    refs = [r["text"] for r in raw.get("reference_answers_all") or [] if r.get("text")]
    raters: dict[str, str | float | None] = {}
    if family == "mohler":
        raters = {"grader_a": raw["grader_a"], "grader_b": raw["grader_b"]}
    return EvalCase(
        id=f"{family}:{raw['id']}",
        question_id=f"{family}:{raw['question_id']}",
        question=raw["question"],
        references=list(dict.fromkeys(refs or [raw["reference_answer"]])),
        answer=raw["student_answer"],
        label=raw["label"],
        raters=raters,
        examples=examples,
    )


def _khan(folder: Path) -> list[EvalCase]:
    items = {row["item"]: row for row in _csv(folder / "items.csv")}
    cases = []
    for row in _csv(folder / "human_labels.csv"):
        item = items[row["item"]]
        # Each paragraph of the examples is one kind of answer ("Synonyms of deleterious, ...",
        # "Antonyms with not, ..."): a reference of its own, matched at its best like
        # Beetle's several references, not one blended text (kappa 0.084 -> 0.135).
        refs = [item["criteria_for_scoring"], *_paragraphs(item["correct_answer_examples"])]
        mistakes = _paragraphs(item["incorrect_answer_examples"])
        cases.append(
            EvalCase(
                id=f"khan:{row['response_id']}",
                question_id=f"khan:item{row['item']}",
                question=item["question"].strip(),
                references=[r.strip() for r in refs if r.strip()],
                answer=row["response"],
                label=row["human_avg"],
                raters={k: row[k] for k in ("human_1", "human_2", "human_3")},
                common_mistakes=mistakes,
            )
        )
    return cases


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.split("\n\n") if p.strip()]


def _csv(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        raise DatasetAbsent(f"{path} is absent")
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))
