"""Print the offline grader's figures by verdict (what the learner sees), beside a baseline.

    .venv/bin/python benchmarks/grader_figures.py [--data ../shared/data] [--quick] [--speed]

Every figure grades through ``OfflineGrader.grade_many`` and reads the verdict (``correct`` vs
not, SemEval's 2-way meaning); the score-threshold figure is printed beside it. The baseline is
token-overlap F1 between answer and best reference, threshold fitted on the train file (for new
questions: on the other questions' answers; Mohler's baseline is its Pearson r), in the same run.

- SciEntsBank / Beetle *unseen answers* (test files; training answers as graded examples).
- *New questions*: the fold of questions the shipped cross-encoder never saw, with trees
  refitted without them (``tutor.grading.holdout``; ~10 minutes; ``--quick`` prints the figures
  stored when the artifact was trained instead).
- Khan Academy's 20 items (none in training): Cohen's kappa against the raters' majority.
- Accuracy without ``needs_review`` and the share of answers it covers.
- ``--review-loop``: the review queue of new questions graded again after a teacher grades
  the first 2, 4 or 6 answers in each question's queue (``tutor regrade --review``).
- Speed: answers/s in a batch and p50 latency one at a time, with and without examples, by a
  grader whose models are loaded before the timer starts but that has embedded nothing yet;
  beside them the process's CPU per answer (all threads), which other work on a shared
  machine disturbs less than the wall clock, and the load average.

Exits 0 with a message when ../shared is absent.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tutor.evals import metrics as m  # noqa: E402
from tutor.evals.cases import detect, truth  # noqa: E402
from tutor.evals.public import load_public  # noqa: E402
from tutor.grading import artifact as artifacts  # noqa: E402
from tutor.grading import cross_encoder as ce  # noqa: E402
from tutor.grading.datasets import TRAIN_FILES, AsagRow, corpus_rows, load, load_many  # noqa: E402
from tutor.grading.evaluation import TARGETS, macro_f1, requests, unseen_answers  # noqa: E402
from tutor.grading.features import EmbeddingTable  # noqa: E402
from tutor.grading.holdout import (  # noqa: E402
    FIGURE_COUNTS,
    held_out_rows,
    new_questions,
    review_loop,
)
from tutor.grading.lexical import overlap, words  # noqa: E402
from tutor.grading.models import GradedExample, GradeRequest, Verdict  # noqa: E402
from tutor.grading.offline import OfflineGrader  # noqa: E402
from tutor.grading.training import TrainConfig  # noqa: E402
from tutor.retrieval.embedder import MiniLMEmbedder  # noqa: E402


def _line(name: str, value: float, target: float | None, baseline: float | None = None) -> str:
    verdict = "" if target is None else ("meets" if value >= target else "BELOW") + f" {target}"
    base = (
        "" if baseline is None else f"   overlap baseline {baseline:.3f} ({value / baseline:.2f}x)"
    )
    return f"  {name:<46} {value:6.3f}  {verdict:<12}{base}"


def overlap_f1(row: AsagRow) -> float:
    answer = words(row.answer).stems
    return max(overlap(answer, words(ref).stems)[2] for ref in row.references)


def overlap_baseline(train: Sequence[AsagRow], test: Sequence[AsagRow]) -> float:
    """Token-overlap F1 >= threshold, the threshold that is best on ``train``."""
    x_train = np.array([overlap_f1(r) for r in train])
    y_train = np.array([r.target >= 0.5 for r in train])
    best = max(np.linspace(0, 1, 101), key=lambda t: macro_f1(y_train, x_train >= t))
    x_test = np.array([overlap_f1(r) for r in test])
    return macro_f1(np.array([r.target >= 0.5 for r in test]), x_test >= best)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="offline grader figures, by verdict")
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--quick", action="store_true", help="stored new-question figures")
    parser.add_argument("--speed", action="store_true", help="only the speed figures")
    parser.add_argument(
        "--review-loop",
        action="store_true",
        help="only the review queue graded again after a teacher grades a few answers to each "
        "new question (tutor regrade --review); ~10 minutes without the trees in build/grader",
    )
    args = parser.parse_args(argv)
    asag_dir = args.data / "asag"
    if not asag_dir.is_dir():
        print(f"grader figures skipped: no ASAG data at {asag_dir} (../shared is missing)")
        return 0
    artifact = artifacts.load()
    embedder = MiniLMEmbedder(name=artifact.embedder)  # the vectors it was trained on
    grader = OfflineGrader.load(embedder)
    print(f"offline grader {artifact.prompt}; bands {artifact.thresholds}")
    if args.speed:
        _throughput(asag_dir, embedder)
        return 0
    if args.review_loop:
        _review_loop(asag_dir, embedder)
        return 0
    print("by verdict (correct vs partially_correct/incorrect):")
    for name, label in (("scientsbank", "SciEntsBank"), ("beetle", "Beetle")):
        train = load(asag_dir / f"{name}-train.jsonl")
        test = load(asag_dir / f"{name}-test-unseen-answers.jsonl")
        figs = unseen_answers(grader, train, test)
        base = overlap_baseline(train, test)
        print(_line(f"{label} unseen answers macro-F1", figs["macro_f1"], TARGETS[name], base))
        print(_line("  accuracy", figs["accuracy"], None))
        print(
            _line("  if score >= 0.5 counted (not shown)", figs["macro_f1_if_score_ge_0.5"], None)
        )
        print(_line("  no graded examples: macro-F1", figs["macro_f1_without_examples"], None))
        print(f"  {'  verdicts without review: coverage / acc':<46} "
              f"{figs['coverage']:6.3f} / {figs['accuracy_without_review']:.3f}")  # fmt: skip
    _new_questions(args, asag_dir, embedder)
    _khan(args.data, grader)
    _throughput(asag_dir, embedder)
    return 0


def _new_questions(args: argparse.Namespace, asag_dir: Path, embedder: MiniLMEmbedder) -> None:
    settings = json.loads((artifacts.MODEL_DIR / ce.SETTINGS_FILE).read_text("utf-8"))
    asag = load_many(asag_dir, TRAIN_FILES)
    cv = settings["config"]
    held, seen = held_out_rows(
        asag, corpus_rows(REPO / "corpus"), cv["folds"], cv["seed"], settings["held_out_fold"],
        settings.get("corpus_questions"),
    )  # fmt: skip
    if args.quick:
        stored = artifacts.load().metrics["figures"]
        figs, curve, how = (
            stored["new_questions"],
            stored["accuracy_by_coverage_new_questions"],
            ("stored at training"),
        )
    else:
        result = new_questions(
            held, seen, embedder, EmbeddingTable(embedder), ce.CrossEncoder(), TrainConfig()
        )
        figs, curve, how = result.figures, result.curve, "measured now"
    print(f"new questions: fold {settings['held_out_fold']} of {settings['config']['folds']} "
          f"(grouped by question; no model saw them), {how}:")  # fmt: skip

    # the baseline on the same questions: token-overlap F1, its threshold fitted on the others
    def of(rows: Sequence[AsagRow], name: str) -> list[AsagRow]:
        return [r for r in rows if r.dataset.startswith(name)]

    sb, beetle = (overlap_baseline(of(seen, n), of(held, n)) for n in ("scientsbank", "beetle"))
    mohler = of(held, "mohler")
    overlap_r = float(
        np.corrcoef([overlap_f1(r) for r in mohler], [r.target for r in mohler])[0, 1]
    )
    sb_target = TARGETS["scientsbank_grouped"]
    print(_line("SciEntsBank macro-F1", figs["scientsbank_macro_f1"], sb_target, sb))
    print(_line("Beetle macro-F1", figs["beetle_macro_f1"], TARGETS["beetle_grouped"], beetle))
    print(_line("Mohler Pearson (score)", figs["mohler_pearson"], TARGETS["mohler_grouped"],
                overlap_r))  # fmt: skip
    print(_line("our items macro-F1", figs["corpus_macro_f1"], None))
    for family in ("scientsbank", "beetle", "corpus"):
        cover, right = figs[f"{family}_coverage"], figs[f"{family}_accuracy_without_review"]
        print(f"  {family + ' verdicts without review: coverage / acc':<46} "
              f"{cover:6.3f} / {right:.3f}")  # fmt: skip
    # the review threshold's aim (issue 11): verdicts given without review 90% right on new
    # questions, here SciEntsBank's and Beetle's together (fitted on one half, read on the other)
    answers = {f: len(of(held, f)) for f in ("scientsbank", "beetle")}
    kept = {f: figs[f"{f}_coverage"] * n for f, n in answers.items()}
    right = sum(figs[f"{f}_accuracy_without_review"] * k for f, k in kept.items())
    print(f"  {'both, without review: coverage / acc':<46} "
          f"{sum(kept.values()) / sum(answers.values()):6.3f} / "
          f"{right / max(sum(kept.values()), 1e-9):.3f}   (target acc "
          f"{TARGETS['review_accuracy']})")  # fmt: skip
    # an item with a few graded answers (a lesson file's six, a teacher's first overrides):
    # each count has its own review threshold, fitted on the other half's questions
    for count in FIGURE_COUNTS:
        if f"with_{count}_examples_coverage" in figs:
            print(f"  {f'with {count} graded examples, without review: coverage / acc':<46} "
                  f"{figs[f'with_{count}_examples_coverage']:6.3f} / "
                  f"{figs[f'with_{count}_examples_accuracy_without_review']:.3f}")  # fmt: skip
    at_90 = max((c for c, a, _ in curve if a >= 0.9), default=0.0)
    # read off the whole fold's own curve (in sample), unlike the figures above
    print(f"  {'coverage at 90% accuracy (all sets, in sample)':<46} {at_90:6.3f}")
    print("  accuracy by coverage: " + ", ".join(f"{c:.1f}:{a:.3f}" for c, a, _ in curve))


def _review_loop(asag_dir: Path, embedder: MiniLMEmbedder) -> None:
    settings = json.loads((artifacts.MODEL_DIR / ce.SETTINGS_FILE).read_text("utf-8"))
    cv = settings["config"]
    held, seen = held_out_rows(
        load_many(asag_dir, TRAIN_FILES), corpus_rows(REPO / "corpus"), cv["folds"], cv["seed"],
        settings["held_out_fold"], settings.get("corpus_questions"),
    )  # fmt: skip
    table = EmbeddingTable(embedder)
    figures = review_loop(held, seen, embedder, table, ce.CrossEncoder(), TrainConfig(),
                          REPO / "build" / "grader")  # fmt: skip
    print("review queue of new questions (SciEntsBank, Beetle) graded again after a teacher "
          "grades the first answers of each question's queue:")  # fmt: skip
    for taught, f in figures.items():
        print(f"  {taught} graded by the teacher: {f['graded_again']} answers graded again, "
              f"{f['left_queue']:.2f} leave the queue ({f['left_queue_right']:.3f} of those "
              f"right); right {f['right_before']:.3f} -> {f['right_after']:.3f}")  # fmt: skip


def _khan(data: Path, grader: OfflineGrader) -> None:
    try:
        cases = load_public("khan", data)
    except Exception as exc:  # absent: say so
        print(f"  Khan skipped: {exc}")
        return
    scheme = detect([x for c in cases for x in (c.label, *c.raters.values())])
    grades = grader.grade_many([c.request() for c in cases])
    t = np.array([int(truth(c, scheme) or 0) for c in cases])
    p = np.array([int(g.verdict is Verdict.CORRECT) for g in grades])
    kappa = m.kappa(m.confusion(t, p, 2))
    print(_line("Khan SAQ (unseen items) Cohen's kappa", kappa, TARGETS["khan_kappa"]))


def _loaded(embedder: MiniLMEmbedder) -> tuple[OfflineGrader, float]:
    """A new grader with its cross-encoder session (and the embedder's) loaded but none of the
    answers' texts embedded, and the seconds that took: a service loads them once at start, so
    the speed figures leave the load out."""
    started = time.perf_counter()
    grader = OfflineGrader.load(embedder)
    grader.cross_encoder.score([("Why?", ["Because it is."], "Because it is.")])
    embedder.embed(["Because it is."])  # the grader's own table stays empty
    return grader, time.perf_counter() - started


def _throughput(asag_dir: Path, embedder: MiniLMEmbedder) -> None:
    train = load(asag_dir / "scientsbank-train.jsonl")
    test = load(asag_dir / "scientsbank-test-unseen-answers.jsonl")[:200]
    graded: dict[str, list[GradedExample]] = {}
    for row in train:
        graded.setdefault(row.question_id, []).append(
            GradedExample(answer=row.answer, score=row.target)
        )
    for label, with_examples in (("no graded examples", False), ("20 graded examples", True)):
        batch_in: list[GradeRequest] = [
            r.model_copy(update={"examples": graded[q][:20] if with_examples else []})
            for r, q in zip(requests(test), [t.question_id for t in test], strict=True)
        ]
        grader, load_s = _loaded(embedder)  # cold: nothing of the answers embedded yet
        started, cpu = time.perf_counter(), time.process_time()
        grader.grade_many(batch_in)
        batch = len(batch_in) / (time.perf_counter() - started)
        batch_cpu = 1000 * (time.process_time() - cpu) / len(batch_in)
        # The 200 answers are 4 per question: cold, each brings its question's texts (and 5 of
        # its 20 examples) to embed. A running service embeds those with a question's first
        # answer; the rest of its answers are timed here ("after each first").
        grader, _ = _loaded(embedder)
        first_of: dict[str, int] = {}
        for i, r in enumerate(batch_in):
            first_of.setdefault(r.question, i)
        firsts = set(first_of.values())
        grader.grade_many([r for i, r in enumerate(batch_in) if i in firsts])
        rest = [r for i, r in enumerate(batch_in) if i not in firsts]
        started, cpu = time.perf_counter(), time.process_time()
        grader.grade_many(rest)
        warm = len(rest) / (time.perf_counter() - started)
        warm_cpu = 1000 * (time.process_time() - cpu) / len(rest)
        grader, _ = _loaded(embedder)
        latencies = []
        cpu = time.process_time()
        for request in batch_in[:60]:
            started = time.perf_counter()
            grader.grade_many([request])
            latencies.append(1000 * (time.perf_counter() - started))
        p50, single_cpu = statistics.median(latencies), 1000 * (time.process_time() - cpu) / 60
        # A service's worker threads: single answers graded by one shared grader at once.
        rates = []
        for workers in (1, 2):
            grader = OfflineGrader.load(embedder)
            grader.grade_many(batch_in[60:62])  # load the models before timing
            started = time.perf_counter()
            with ThreadPoolExecutor(workers) as pool:
                list(pool.map(grader.grade_many, [[r] for r in batch_in[62:122]]))
            rates.append(60 / (time.perf_counter() - started))
        print(f"  speed, {label}: batch {batch:6.1f} answers/s (target 60; the models "
              f"loaded before the timer, {load_s:.2f} s not counted; CPU {batch_cpu:.1f} ms "
              f"an answer), after each question's first answer {warm:6.1f} answers/s (CPU "
              f"{warm_cpu:.1f} ms), one at a time p50 {p50:5.1f} ms (target 60; CPU "
              f"{single_cpu:.1f} ms an answer); single answers from 1 / 2 threads "
              f"{rates[0]:5.1f} / {rates[1]:5.1f} answers/s ({rates[1] / rates[0]:.2f}x); "
              f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(main())
