"""Print the offline grader's figures next to the issue's floors and targets, plus throughput.

    .venv/bin/python benchmarks/grader_figures.py [--data ../shared/data/asag] [--quick] [--tune]

Uses the shipped artifact for SciEntsBank and Beetle *unseen answers* (the training rows of the
same question are the graded examples); refits for the Mohler 5-fold cross-validation (needs
scikit-learn, ~3 minutes; ``--quick`` skips it). ``--tune`` prints instead what to tune on: the
unseen-answers figures cross-validated on the *train* files only (5 folds of each question's
answers, ~5 minutes), so a change is judged without looking at the test files. Exits 0 with a
message when ../shared is absent.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tutor.grading.artifact import load  # noqa: E402
from tutor.grading.datasets import load as load_rows  # noqa: E402
from tutor.grading.datasets import load_many  # noqa: E402
from tutor.grading.evaluation import (  # noqa: E402
    FLOORS,
    TARGETS,
    mohler_cv,
    unseen_answers,
    unseen_answers_cv,
)
from tutor.grading.features import EmbeddingTable  # noqa: E402
from tutor.grading.models import GradedExample, GradeRequest  # noqa: E402
from tutor.grading.offline import OfflineGrader  # noqa: E402
from tutor.grading.training import TrainConfig  # noqa: E402
from tutor.retrieval.embedder import MiniLMEmbedder  # noqa: E402


def _line(name: str, value: float, key: str) -> str:
    ok = "meets target" if value >= TARGETS[key] else "below target"
    return f"  {name:<44} {value:6.3f}   floor {FLOORS[key]:.3f}   target {TARGETS[key]:.2f}  {ok}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="offline grader figures")
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "asag")
    parser.add_argument("--quick", action="store_true", help="skip the Mohler refits")
    parser.add_argument("--tune", action="store_true", help="train-only cross-validation")
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        print(f"grader figures skipped: no ASAG data at {args.data} (../shared is missing)")
        return 0
    if args.tune:
        table = EmbeddingTable(MiniLMEmbedder())
        figs = unseen_answers_cv(load_many(args.data), table, TrainConfig())
        print("unseen answers, 5-fold cross-validation on the train files (tune on these):")
        for name, value in figs.items():
            print(f"  {name:<30} {value:6.3f}")
        return 0

    artifact = load()
    embedder = MiniLMEmbedder()
    table = EmbeddingTable(embedder)
    print(f"offline grader {artifact.prompt}")
    for name, label in (("scientsbank", "SciEntsBank"), ("beetle", "Beetle")):
        train = load_rows(args.data / f"{name}-train.jsonl")
        test = load_rows(args.data / f"{name}-test-unseen-answers.jsonl")
        figs = unseen_answers(artifact.models, train, test, table, artifact.thresholds.decision)
        print(_line(f"{label} unseen answers macro-F1", figs["macro_f1"], name))
        print(f"  {label + ' unseen answers accuracy':<44} {figs['accuracy']:6.3f}")
        bare_f1, bare_acc = figs["macro_f1_without_examples"], figs["accuracy_without_examples"]
        print(f"  {'  no graded examples: macro-F1 / acc':<44} {bare_f1:6.3f} / {bare_acc:.3f}")
    if not args.quick:
        mohler = load_many(args.data, ("mohler-train",))
        others = load_many(args.data, ("scientsbank-train", "beetle-train"))
        figs = mohler_cv(others, mohler, table, TrainConfig())
        print(_line("Mohler 5-fold Pearson, grouped by question", figs["pearson_grouped"],
                    "mohler_grouped"))  # fmt: skip
        print(_line("Mohler 5-fold Pearson, split by answer", figs["pearson_by_answer"],
                    "mohler_by_answer"))  # fmt: skip
        print("  (floor for Mohler = human vs human agreement, Pearson 0.597)")
    _throughput(args.data, embedder)
    return 0


def _throughput(data: Path, embedder: MiniLMEmbedder) -> None:
    train = load_rows(data / "scientsbank-train.jsonl")
    test = load_rows(data / "scientsbank-test-unseen-answers.jsonl")[:200]
    graded: dict[str, list[GradedExample]] = {}
    for row in train:
        graded.setdefault(row.question_id, []).append(
            GradedExample(answer=row.answer, score=row.target)
        )
    for label, with_examples in (
        ("without graded examples", False),
        ("with 20 graded examples", True),
    ):
        requests = [
            GradeRequest(question=r.question, references=list(r.references), answer=r.answer,
                         examples=graded[r.question_id][:20] if with_examples else [])
            for r in test
        ]  # fmt: skip
        grader = OfflineGrader.load(embedder)  # cold: nothing embedded yet
        started = time.perf_counter()
        grader.grade_many(requests)
        batch = len(requests) / (time.perf_counter() - started)
        grader = OfflineGrader.load(embedder)
        started = time.perf_counter()
        for request in requests[:50]:
            grader.grade_many([request])
        single = 50 / (time.perf_counter() - started)
        print(f"  throughput {label}: batch {batch:6.1f} answers/s, "
              f"one at a time {single:6.1f} answers/s")  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(main())
