"""Fitting the stack and the verdict bands on questions no model saw (training time only).

The cross-encoder and the trees each give P(correct). On the held-out fold of
``datasets.question_folds`` (questions neither model was trained on) a logistic regression on
their log-odds learns how much each is worth on a *new* question, and the review threshold is
the lowest confidence at which the verdicts kept are still 90% right on new questions (a
bootstrap over the questions), one per path: with graded examples and without. The correct/incorrect
bands are the product's (``holdout.PRODUCT_BANDS``): the 2-way macro-F1 optimum (0.49) was
measured and not shipped (docs/design/grading.md).

Scored rows (Mohler 0-5, our items' 0-1 teacher scores) enter the regression as soft labels.
Needs scikit-learn (a development dependency).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from tutor.grading.evaluation import review_threshold
from tutor.grading.offline import logit

Scores = npt.NDArray[np.float64]


def fit_blend(
    cross: Scores, trees: Scores, targets: Scores, key_length: Scores | None = None
) -> tuple[float, ...]:
    """(w_ce, w_tree, bias) of ``sigmoid(w_ce * logit(ce) + w_tree * logit(tree) + bias)``;
    with ``key_length``, also (w_k, w_ce_k, w_tree_k) of ``artifact.Stack.single``."""
    from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

    a, b, k = logit(cross), logit(trees), key_length
    x = np.column_stack([a, b] if k is None else [a, b, k, k * a, k * b])
    soft = (targets > 0) & (targets < 1)
    xs = np.vstack([x, x[soft]])
    ys = np.concatenate([np.where(soft, 1, targets >= 0.5), np.zeros(int(soft.sum()))])
    weights = np.concatenate([np.where(soft, targets, 1.0), 1.0 - targets[soft]])
    model = LogisticRegression(C=1.0).fit(xs, ys.astype(int), sample_weight=weights)
    w_ce, w_tree, *w_key = (round(float(w), 6) for w in model.coef_[0])
    return w_ce, w_tree, round(float(model.intercept_[0]), 6), *w_key


def review_band(
    probability: Scores, targets: Scores, correct_at: float, questions: Sequence[str]
) -> float:
    """The confidence under which a verdict goes to a teacher: above it, 90% right on new
    questions in 95% of bootstrap draws of these ``questions`` (``review_threshold``)."""
    threshold = review_threshold(list(targets), probability, correct_at, 0.9, questions)
    return round(math.ceil(threshold * 1000) / 1000, 3)  # up: never under the threshold found
