"""Agreement between a grader and a truth, from a confusion matrix (numpy, vectorisable).

The same figures as scikit-learn's ``accuracy_score``, ``f1_score(average="macro")`` and
``cohen_kappa_score`` and scipy's correlations (the tests check that), computed with numpy
alone, from counts, so that thousands of bootstrap resamples cost milliseconds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np
import numpy.typing as npt

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Weights = Literal["linear", "quadratic"] | None


def confusion(truth: Sequence[int] | Ints, pred: Sequence[int] | Ints, k: int) -> Ints:
    """Rows are the truth, columns the prediction, classes 0..k-1."""
    t, p = np.asarray(truth, dtype=np.int64), np.asarray(pred, dtype=np.int64)
    return np.bincount(t * k + p, minlength=k * k).reshape(k, k).astype(np.int64)


def accuracy(cm: Ints) -> float:
    n = cm.sum()
    return float(np.trace(cm) / n) if n else math.nan


def macro_f1(cm: Ints) -> float:
    """Mean F1 over the classes that occur in the truth or the predictions."""
    tp = np.diag(cm).astype(float)
    support, predicted = cm.sum(axis=1), cm.sum(axis=0)
    present = (support + predicted) > 0
    if not present.any():
        return math.nan
    denominator = support + predicted
    f1 = np.divide(2 * tp, denominator, out=np.zeros_like(tp), where=denominator > 0)
    return float(f1[present].mean())


def disagreement_weights(k: int, weights: Weights = None) -> Floats:
    i, j = np.indices((k, k))
    if weights == "quadratic":
        distance = (i - j) ** 2
    elif weights == "linear":
        distance = np.abs(i - j)
    else:
        distance = (i != j).astype(np.int64)
    return np.asarray(distance, dtype=np.float64)


def kappa(cm: Ints, weights: Weights = None) -> float:
    """Cohen's kappa, plain or weighted; nan when chance agreement is total."""
    n = cm.sum()
    if n == 0:
        return math.nan
    w = disagreement_weights(cm.shape[0], weights)
    expected = np.outer(cm.sum(axis=1), cm.sum(axis=0)) / n
    denominator = float((w * expected).sum())
    if denominator == 0:
        return math.nan
    return 1.0 - float((w * cm).sum()) / denominator


def pearson(x: Sequence[float] | Floats, y: Sequence[float] | Floats) -> float:
    a, b = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if len(a) < 2 or a.std() == 0 or b.std() == 0:
        return math.nan
    return float(np.corrcoef(a, b)[0, 1])


def ranks(values: Sequence[float] | Floats) -> Floats:
    """Ranks from 1, ties sharing their average rank (scipy's ``rankdata`` default)."""
    a = np.asarray(values, dtype=float)
    order = np.argsort(a, kind="mergesort")
    sorted_values = a[order]
    starts = np.flatnonzero(np.r_[True, sorted_values[1:] != sorted_values[:-1]])
    ends = np.r_[starts[1:], len(a)]
    average = (starts + ends + 1) / 2.0  # mean of the 1-based ranks starts+1 .. ends
    out = np.empty(len(a))
    out[order] = np.repeat(average, ends - starts)
    return out


def spearman(x: Sequence[float] | Floats, y: Sequence[float] | Floats) -> float:
    if len(x) < 2:
        return math.nan
    return pearson(ranks(x), ranks(y))


def rounded(value: float | None, digits: int = 4) -> float | None:
    """A figure for JSON: rounded, None for nan."""
    return None if value is None or math.isnan(value) else round(float(value), digits)
