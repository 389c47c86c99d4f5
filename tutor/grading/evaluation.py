"""The grader's figures on the public sets, measured on what the learner sees: the verdict.

Every figure grades through :class:`OfflineGrader` (the product path: deduplication, mistakes,
off-topic and contradiction rules, readability) and reads the *verdict*; on the 2-way sets
``correct`` counts as correct and ``partially_correct`` or ``incorrect`` as not, which is what
SemEval's 2-way labels mean. The score-threshold figure (``score >= 0.5``) is kept beside it.

- *New questions* (grouped by question): the held-out fold of ``question_folds`` — questions
  that neither the shipped cross-encoder nor the refitted trees saw — graded without examples.
- SciEntsBank / Beetle *unseen answers*: the test questions are training questions, so the
  training rows of the same question are the graded examples.
- Accuracy against coverage: verdicts without ``needs_review`` should be right at least 90% of
  the time; the share of answers they cover is the figure.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from tutor.grading.datasets import AsagRow
from tutor.grading.models import Flag, Grade, GradedExample, GradeRequest, Verdict
from tutor.grading.offline import OfflineGrader

Scores = npt.NDArray[np.float64]

FLOORS = {"scientsbank": 0.665, "beetle": 0.776, "mohler_grouped": 0.597}
TARGETS = {
    "scientsbank": 0.82,
    "beetle": 0.87,
    "scientsbank_grouped": 0.74,
    "beetle_grouped": 0.78,
    "mohler_grouped": 0.65,
    "khan_kappa": 0.45,
    "review_accuracy": 0.90,
}


def requests(rows: Sequence[AsagRow], graded: Sequence[AsagRow] = ()) -> list[GradeRequest]:
    """A grade request per row, with every graded row of its question as examples."""
    pool: dict[str, list[GradedExample]] = {}
    for g in graded:
        pool.setdefault(g.question_id, []).append(GradedExample(answer=g.answer, score=g.target))
    return [
        GradeRequest(question=r.question, references=list(r.references), answer=r.answer,
                     examples=pool.get(r.question_id, []))
        for r in rows
    ]  # fmt: skip


def macro_f1(truth: npt.NDArray[np.bool_], predicted: npt.NDArray[np.bool_]) -> float:
    scores = []
    for cls in (True, False):
        tp = int(np.sum((predicted == cls) & (truth == cls)))
        wrong = int(np.sum(predicted != truth))
        scores.append(0.0 if tp == 0 else 2 * tp / (2 * tp + wrong))
    return float(np.mean(scores))


def two_way(truth: Sequence[float], grades: Sequence[Grade]) -> dict[str, float]:
    """Macro-F1 and accuracy by verdict; the score-threshold figures beside them."""
    y = np.asarray(truth) >= 0.5
    said = np.array([g.verdict is Verdict.CORRECT for g in grades], dtype=bool)
    at_score = np.array([g.score >= 0.5 for g in grades], dtype=bool)
    return {
        "macro_f1": round(macro_f1(y, said), 4),
        "accuracy": round(float(np.mean(y == said)), 4),
        "macro_f1_if_score_ge_0.5": round(macro_f1(y, at_score), 4),
        **coverage_at(truth, grades),
    }


def coverage_at(truth: Sequence[float], grades: Sequence[Grade]) -> dict[str, float]:
    """Share of answers graded without ``needs_review`` and how often those verdicts are right
    (2-way)."""
    y = np.asarray(truth) >= 0.5
    said = np.array([g.verdict is Verdict.CORRECT for g in grades], dtype=bool)
    sure = np.array([Flag.NEEDS_REVIEW not in g.flags for g in grades], dtype=bool)
    return {
        "coverage": round(float(sure.mean()), 4),
        "accuracy_without_review": round(float(np.mean(y[sure] == said[sure])), 4)
        if sure.any() else 0.0,
    }  # fmt: skip


def verdicts(probability: Scores, correct_at: float) -> tuple[npt.NDArray[np.bool_], Scores]:
    """Each answer's 2-way verdict (correct at ``correct_at`` and up) and its confidence: the
    probability that verdict is right, as :func:`tutor.grading.offline.verdict_for` gives it."""
    said = probability >= correct_at
    return said, np.where(said, probability, 1 - probability)


def accuracy_by_coverage(
    truth: Sequence[float], probability: Scores, correct_at: float, steps: int = 10
) -> list[tuple[float, float, float]]:
    """(coverage, accuracy, confidence threshold) when only the most confident answers get a
    verdict: the curve a review threshold is picked from."""
    y = np.asarray(truth) >= 0.5
    said, confidence = verdicts(probability, correct_at)
    order = np.argsort(-confidence)
    out = []
    for share in np.linspace(1.0 / steps, 1.0, steps):
        n = max(1, round(share * len(order)))
        kept = order[:n]
        out.append((round(float(share), 2), round(float(np.mean(y[kept] == said[kept])), 4),
                    round(float(confidence[order[n - 1]]), 4)))  # fmt: skip
    return out


def review_threshold(
    truth: Sequence[float],
    probability: Scores,
    correct_at: float,
    accuracy: float = 0.9,
    groups: Sequence[str] | None = None,
    *,
    sure: float = 0.95,
    resamples: int = 400,
    seed: int = 0,
) -> float:
    """The lowest confidence at which the verdicts at or above it are still ``accuracy`` right
    (so as many answers as possible keep a verdict).

    With ``groups`` (each answer's question), "still right" must hold on new questions, not
    only on these: answers to one question are right or wrong together, so the questions are
    resampled (``resamples`` bootstrap draws, ``seed``) and the threshold is the lowest at which
    the verdicts kept are ``accuracy`` right in a ``sure`` share of the draws. Without groups,
    the lowest at which they are on these answers, which on the other half of the held-out
    questions kept 0.87 right instead of 0.9 (docs/design/grading.md, "Know when it doesn't
    know")."""
    y = np.asarray(truth) >= 0.5
    said, confidence = verdicts(probability, correct_at)
    if groups is not None:
        return _surely_right(confidence, y == said, groups, accuracy, sure, resamples, seed)
    order = np.argsort(-confidence)
    right = np.cumsum(y[order] == said[order]) / np.arange(1, len(order) + 1)
    ok = np.flatnonzero(right >= accuracy)
    if len(ok) == 0:
        return 1.0
    return float(confidence[order[ok[-1]]])


def _surely_right(
    confidence: Scores,
    right: npt.NDArray[np.bool_],
    groups: Sequence[str],
    accuracy: float,
    sure: float,
    resamples: int,
    seed: int,
) -> float:
    """:func:`review_threshold` over bootstrap draws of the groups."""
    names, group = np.unique(np.asarray(groups), return_inverse=True)
    candidates = np.unique(confidence)  # ascending: the lowest that holds wins
    kept = np.zeros((len(names), len(candidates)))
    good = np.zeros((len(names), len(candidates)))
    # each answer counts at every candidate up to its own confidence
    rank = np.searchsorted(candidates, confidence)
    np.add.at(kept, (group, rank), 1.0)
    np.add.at(good, (group, rank), right.astype(float))
    kept, good = kept[:, ::-1].cumsum(axis=1)[:, ::-1], good[:, ::-1].cumsum(axis=1)[:, ::-1]
    draws = np.random.default_rng(seed).multinomial(
        len(names), np.full(len(names), 1 / len(names)), size=resamples
    )
    held, well = draws @ kept, draws @ good
    share = np.where(held > 0, well / np.maximum(held, 1), 1.0)
    ok = np.flatnonzero(np.quantile(share, 1 - sure, axis=0) >= accuracy)
    return float(candidates[ok[0]]) if len(ok) else 1.0


def unseen_answers(
    grader: OfflineGrader, train: Sequence[AsagRow], test: Sequence[AsagRow]
) -> dict[str, float]:
    """Test answers to training questions, with and without the training answers as examples."""
    truth = [r.target for r in test]
    graded = two_way(truth, grader.grade_many(requests(test, train)))
    bare = two_way(truth, grader.grade_many(requests(test)))
    return {**graded, **{f"{k}_without_examples": v for k, v in bare.items()}}


def pearson(truth: Sequence[float], grades: Sequence[Grade]) -> float:
    return round(float(np.corrcoef(np.asarray(truth), [g.score for g in grades])[0, 1]), 4)
