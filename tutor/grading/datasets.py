"""Reading the public short-answer grading sets (``shared/data/asag/*.jsonl``).

Each row becomes an :class:`AsagRow` with a target in 0-1: 2-way labels give 0 or 1, Mohler's
0-5 mean of two graders is divided by 5.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from tutor.errors import NotFoundError
from tutor.grading.features import GradingCase

TRAIN_FILES = ("scientsbank-train", "beetle-train", "mohler-train")


@dataclass(frozen=True)
class AsagRow:
    dataset: str  # file stem, e.g. "scientsbank-train"
    question_id: str  # prefixed with the dataset family, unique across files
    question: str
    references: tuple[str, ...]
    answer: str
    target: float  # 0-1

    def case(self, examples: Iterable[tuple[str, float]] = ()) -> GradingCase:
        return GradingCase(self.question, self.references, self.answer, tuple(examples))


def load(path: Path) -> list[AsagRow]:
    """One file; raises ``NotFoundError`` when it is missing."""
    if not path.is_file():
        raise NotFoundError(f"{path} does not exist (the ASAG sets live in shared/data/asag)")
    family = path.stem.split("-")[0]
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        raw = json.loads(line)
        refs = [r["text"] for r in raw.get("reference_answers_all") or [] if r.get("text")]
        label = raw["label"]
        target = (
            float(label) / 5.0
            if raw["label_scheme"].startswith("score")
            else float(label == "correct")
        )
        rows.append(
            AsagRow(
                dataset=path.stem,
                question_id=f"{family}:{raw['question_id']}",
                question=raw["question"],
                references=tuple(dict.fromkeys(refs or [raw["reference_answer"]])),
                answer=raw["student_answer"],
                target=target,
            )
        )
    return rows


def load_many(directory: Path, names: Sequence[str] = TRAIN_FILES) -> list[AsagRow]:
    return [row for name in names for row in load(directory / f"{name}.jsonl")]


def by_question(rows: Sequence[AsagRow]) -> dict[str, list[int]]:
    groups: dict[str, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        groups[row.question_id].append(i)
    return dict(groups)


def corpus_rows(corpus_dir: Path) -> list[AsagRow]:
    """Our free-text items' graded answers, and their common mistakes as wrong answers."""
    from tutor.corpus import load_corpus

    rows = []
    for lesson in load_corpus(corpus_dir).lessons.values():
        for item in lesson.items:
            if item.type.value != "free_text":
                continue
            qid, refs = f"corpus:{item.id}", (item.answer,)
            rows += [AsagRow("corpus", qid, item.stem, refs, g.answer, g.score)
                     for g in item.graded_answers]  # fmt: skip
            rows += [AsagRow("corpus", qid, item.stem, refs, m, 0.0) for m in item.common_mistakes]
    return rows


def question_folds(rows: Sequence[AsagRow], folds: int, seed: int) -> list[int]:
    """A fold per row, whole questions at a time: the cross-encoder's and the trees' held-out
    questions are the same for the same rows, folds and seed."""
    ids = sorted({r.question_id for r in rows})
    random.Random(seed).shuffle(ids)
    fold_of = {q: k % folds for k, q in enumerate(ids)}
    return [fold_of[r.question_id] for r in rows]
