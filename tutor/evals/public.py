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
import re
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
        # Each kind of answer the examples name is a reference of its own, matched at its best
        # like Beetle's several references, not one blended text: each paragraph ("Synonyms
        # of deleterious, ...": kappa 0.084 -> 0.135), and each line and listed short answer
        # of one ("harmful", "really bad": 0.151 -> 0.253, 2026-12-06).
        refs = [item["criteria_for_scoring"], *_kinds(item["correct_answer_examples"])]
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


# "Synonyms of deleterious, e.g., harmful, damaging, bad, etc.", "a finite set of correct
# answers here: supervillains, notorious, sinister": a list of short answers after its lead-in
_LISTED = re.compile(r"(?:\be\.g\.,?|\bi\.e\.,?|:)\s*(?P<list>[^:]+?)\s*\.?$")
_LIST_WORDS = 4  # words of each listed answer at most
_BULLET = re.compile(r"^\s*-\s+")  # "- Part A", not "-4y = -4y"
# Words, not a formula: the grader reads text, and "x", "y^2" or "-4y = -4y" as an answer of
# its own made every algebra answer that shares a symbol correct (kappa 0.231 with them).
_WORDY = re.compile(r"[^\W\d_]{3,}")


def _item(listed: str) -> str:
    """A listed answer without the list's closing parenthesis ("... 2xy^4)")."""
    listed = listed.strip()
    return listed.rstrip(")") if "(" not in listed else listed


def _kinds(text: str) -> list[str]:
    """The kinds of answer a rubric's examples name: each paragraph, each line of a paragraph
    that names one per line ("Keep A constant and decrease B"), and each short answer a line
    lists after "e.g." or a colon ("harmful", "really bad"); formulas only in their paragraph."""
    kinds: list[str] = []
    for paragraph in _paragraphs(text):
        lines = [_BULLET.sub("", ln).strip() for ln in paragraph.splitlines()]
        lines = [ln for ln in lines if ln and not ln.endswith(":")]  # not "Part A:"
        kinds += [paragraph, *(ln for ln in lines if len(lines) > 1 and _WORDY.search(ln))]
        for line in lines:
            found = _LISTED.search(line)
            listed = [] if found is None else [_item(x) for x in found["list"].split(",")]
            listed = [x for x in listed if x and x.lower().rstrip(".") != "etc"]
            if len(listed) > 1 and all(len(x.split()) <= _LIST_WORDS for x in listed):
                kinds += [x for x in listed if _WORDY.search(x)]
    return list(dict.fromkeys(kinds))


def _csv(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        raise DatasetAbsent(f"{path} is absent")
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))
