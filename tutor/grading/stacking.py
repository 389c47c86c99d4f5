"""Fitting the stack and the verdict bands on questions no model saw (training time only).

The cross-encoder and the trees each give P(correct). On the held-out fold of
``datasets.question_folds`` (questions neither model was trained on) a logistic regression on
their log-odds learns how much each is worth on a *new* question, and the verdict bands are
cut where the learner-visible verdict agrees best with people:

- ``correct``: the score from which the ``correct`` verdict maximises 2-way macro-F1 (the mean
  over the 2-way sets, so neither dominates);
- ``review``: the lowest confidence at which the verdicts kept are still 90% right.

Scored rows (Mohler 0-5, our items' 0-1 teacher scores) enter the regression as soft labels.
Needs scikit-learn (a development dependency).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from tutor.grading.evaluation import macro_f1, review_threshold
from tutor.grading.offline import logit

Scores = npt.NDArray[np.float64]


def fit_blend(cross: Scores, trees: Scores, targets: Scores) -> tuple[float, float, float]:
    """(w_ce, w_tree, bias) of ``sigmoid(w_ce * logit(ce) + w_tree * logit(tree) + bias)``."""
    from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

    x = np.column_stack([logit(cross), logit(trees)])
    soft = (targets > 0) & (targets < 1)
    xs = np.vstack([x, x[soft]])
    ys = np.concatenate([np.where(soft, 1, targets >= 0.5), np.zeros(int(soft.sum()))])
    weights = np.concatenate([np.where(soft, targets, 1.0), 1.0 - targets[soft]])
    model = LogisticRegression(C=1.0).fit(xs, ys.astype(int), sample_weight=weights)
    w_ce, w_tree = (round(float(w), 6) for w in model.coef_[0])
    return w_ce, w_tree, round(float(model.intercept_[0]), 6)


def correct_band(
    probability: Scores, targets: Scores, families: Sequence[str], grid: int = 61
) -> float:
    """The ``correct`` threshold with the best mean 2-way macro-F1 over the families.

    A cost-weighted choice (a wrong answer graded correct counting twice) was tried: it put
    the band at 0.72, where held-out SciEntsBank fell to macro-F1 0.49 (Beetle 0.77), because
    the families' probabilities are not calibrated alike; this one gives 0.66 and 0.72."""
    fam = np.asarray(families)
    best, best_f1 = 0.5, -1.0
    for t in np.linspace(0.2, 0.8, grid):
        f1s = [macro_f1(targets[fam == f] >= 0.5, probability[fam == f] >= t)
               for f in sorted(set(families))]  # fmt: skip
        if float(np.mean(f1s)) > best_f1 + 1e-9:
            best, best_f1 = float(t), float(np.mean(f1s))
    return round(best, 3)


def review_band(probability: Scores, targets: Scores, correct_at: float) -> float:
    """The confidence under which a verdict goes to a teacher (90% right above it)."""
    return round(review_threshold(list(targets), probability, correct_at, 0.9), 3)
