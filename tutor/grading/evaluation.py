"""The grader's figures on the public sets: unseen answers (2-way) and Mohler cross-validation.

- SciEntsBank / Beetle *unseen answers*: the test questions are the training questions, so the
  training rows of the same question are the graded examples; macro-F1 and accuracy of
  ``P(correct) >= threshold``.
- Mohler, 5-fold cross-validation on its train file, refitting each fold on the other sets plus
  the training folds: grouped by question (no graded answers: the base model) and split by
  answer (the training-fold answers of the same question are the graded examples). Pearson r.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from tutor.grading.artifact import DEFAULT_THRESHOLDS, GraderModels, Thresholds
from tutor.grading.datasets import AsagRow, by_question, load, load_many
from tutor.grading.features import EmbeddingTable, GradingCase
from tutor.grading.offline import score_cases
from tutor.grading.training import TrainConfig, fit

Scores = npt.NDArray[np.float64]

FLOORS = {"scientsbank": 0.665, "beetle": 0.776, "mohler_grouped": 0.597, "mohler_by_answer": 0.597}
TARGETS = {"scientsbank": 0.80, "beetle": 0.86, "mohler_grouped": 0.60, "mohler_by_answer": 0.74}


def with_examples(rows: Sequence[AsagRow], graded: Sequence[AsagRow]) -> list[GradingCase]:
    """Each row with every graded row of its question as examples."""
    pool: dict[str, list[tuple[str, float]]] = {}
    for g in graded:
        pool.setdefault(g.question_id, []).append((g.answer, g.target))
    return [r.case(pool.get(r.question_id, [])) for r in rows]


def predict(models: GraderModels, cases: Sequence[GradingCase], table: EmbeddingTable) -> Scores:
    """The grader's score per case (the neighbour model where a case has examples)."""
    return score_cases(models, cases, table)[0]


def two_way(truth: Sequence[float], scores: Scores, threshold: float) -> dict[str, float]:
    from sklearn.metrics import accuracy_score, f1_score  # type: ignore[import-untyped]

    y, p = np.asarray(truth) >= 0.5, scores >= threshold
    return {
        "macro_f1": round(float(f1_score(y, p, average="macro")), 4),
        "accuracy": round(float(accuracy_score(y, p)), 4),
    }


def unseen_answers(
    models: GraderModels,
    train: Sequence[AsagRow],
    test: Sequence[AsagRow],
    table: EmbeddingTable,
    threshold: float,
) -> dict[str, float]:
    truth = [r.target for r in test]
    scores = predict(models, with_examples(test, train), table)
    graded = two_way(truth, scores, threshold)
    bare = two_way(truth, predict(models, [r.case() for r in test], table), threshold)
    return {
        **graded,
        **{f"{k}_without_examples": v for k, v in bare.items()},
        **verdict_bands(truth, scores),
    }


def verdict_bands(
    truth: Sequence[float], scores: Scores, thresholds: Thresholds = DEFAULT_THRESHOLDS
) -> dict[str, float]:
    """Share of answers in each verdict band, and how many of them humans marked correct."""
    y = np.asarray(truth) >= 0.5
    out: dict[str, float] = {}
    bands = (("incorrect", scores < thresholds.incorrect),
             ("partial", (scores >= thresholds.incorrect) & (scores < thresholds.correct)),
             ("correct", scores >= thresholds.correct))  # fmt: skip
    for name, mask in bands:
        out[f"band_{name}_share"] = round(float(mask.mean()), 4)
        out[f"band_{name}_human_correct"] = round(float(y[mask].mean()), 4) if mask.any() else 0.0
    return out


def mohler_cv(
    others: Sequence[AsagRow],
    mohler: Sequence[AsagRow],
    table: EmbeddingTable,
    config: TrainConfig,
    folds: int = 5,
) -> dict[str, float]:
    """Pearson r over all out-of-fold predictions, grouped by question and split by answer."""
    truth = np.array([r.target for r in mohler])
    rng = np.random.default_rng(config.seed)
    questions = sorted(by_question(mohler))
    question_fold = {q: k % folds for k, q in enumerate(rng.permutation(questions))}
    grouped = np.array([question_fold[r.question_id] for r in mohler])
    by_answer = rng.permutation(len(mohler)) % folds
    out: dict[str, float] = {}
    for name, fold_of in (("grouped", grouped), ("by_answer", by_answer)):
        scores = np.empty(len(mohler))
        for k in range(folds):
            train = [r for r, f in zip(mohler, fold_of, strict=True) if f != k]
            test = [r for r, f in zip(mohler, fold_of, strict=True) if f == k]
            models = fit([*others, *train], table, config)
            cases = with_examples(test, train) if name == "by_answer" else [r.case() for r in test]
            scores[fold_of == k] = predict(models, cases, table)
        out[f"pearson_{name}"] = round(float(np.corrcoef(scores, truth)[0, 1]), 4)
    return out


def unseen_answers_cv(
    rows: Sequence[AsagRow],
    table: EmbeddingTable,
    config: TrainConfig,
    *,
    families: Sequence[str] = ("scientsbank", "beetle"),
    folds: int = 5,
    threshold: float = DEFAULT_THRESHOLDS.decision,
) -> dict[str, float]:
    """The unseen-answers figures measured on the *train* files only, for tuning: the 2-way
    answers of each question are split into ``folds`` folds; each fold is graded by models fit
    on every other row (all three sets), with the rest of its question as graded examples.
    Macro-F1 over all out-of-fold answers of each family (about 1,800 per fold, so differences
    of a few tenths of a point are noise)."""
    rng = np.random.default_rng(config.seed + 7)
    fold_of = np.full(len(rows), -1)
    for question, indices in by_question(rows).items():
        if question.split(":")[0] in families:
            fold_of[rng.permutation(indices)] = np.arange(len(indices)) % folds
    scores = np.full(len(rows), np.nan)
    for k in range(folds):
        train = [r for r, f in zip(rows, fold_of, strict=True) if f != k]
        held = np.flatnonzero(fold_of == k)
        models = fit(train, table, config)
        scores[held] = predict(models, with_examples([rows[int(i)] for i in held], train), table)
    out: dict[str, float] = {}
    for family in families:
        mine = np.flatnonzero([f >= 0 and r.dataset.startswith(family)
                               for r, f in zip(rows, fold_of, strict=True)])  # fmt: skip
        figs = two_way([rows[int(i)].target for i in mine], scores[mine], threshold)
        out[f"{family}_macro_f1"] = figs["macro_f1"]
    return out


def figures(
    data_dir: Path, models: GraderModels, table: EmbeddingTable, config: TrainConfig,
    threshold: float, *, mohler: bool = True,
) -> dict[str, dict[str, float]]:  # fmt: skip
    """Every figure of the issue, for the models trained on all train files."""
    out: dict[str, dict[str, float]] = {}
    for name in ("scientsbank", "beetle"):
        train, test = (
            load(data_dir / f"{name}-train.jsonl"),
            load(data_dir / f"{name}-test-unseen-answers.jsonl"),
        )
        out[f"{name}_unseen_answers"] = unseen_answers(models, train, test, table, threshold)
    if mohler:
        rows = load_many(data_dir, ("mohler-train",))
        others = load_many(data_dir, ("scientsbank-train", "beetle-train"))
        out["mohler_train_cv5"] = mohler_cv(others, rows, table, config)
    return out
