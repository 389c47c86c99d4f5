"""Agreement between a grader and a truth, from a confusion matrix (numpy, vectorised).

The same figures as scikit-learn's ``accuracy_score``, ``f1_score(average="macro")`` and
``cohen_kappa_score`` and scipy's correlations (the tests check that), computed with numpy
alone, from counts. Each figure has one batched form over a stack of confusion matrices (or of
rows of values), so that a thousand bootstrap resamples are a few array operations; the scalar
form is the batched one on a batch of one.
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


def confusions(truth: Ints, pred: Ints, k: int) -> Ints:
    """One k x k confusion matrix per row of ``truth``/``pred`` (b x n): b x k x k."""
    t, p = np.atleast_2d(truth).astype(np.int64), np.atleast_2d(pred).astype(np.int64)
    rows = np.arange(t.shape[0], dtype=np.int64)[:, None] * (k * k)
    counts = np.bincount((rows + t * k + p).ravel(), minlength=t.shape[0] * k * k)
    return counts.reshape(t.shape[0], k, k).astype(np.int64)


def confusion(truth: Sequence[int] | Ints, pred: Sequence[int] | Ints, k: int) -> Ints:
    """Rows are the truth, columns the prediction, classes 0..k-1."""
    t, p = np.asarray(truth, dtype=np.int64), np.asarray(pred, dtype=np.int64)
    cms: Ints = confusions(t[None], p[None], k)
    return np.asarray(cms[0], dtype=np.int64)


def _totals(cms: Ints) -> Floats:
    return np.asarray(cms.sum(axis=(1, 2)), dtype=np.float64)


def accuracies(cms: Ints) -> Floats:
    n = _totals(cms)
    trace = np.trace(cms, axis1=1, axis2=2).astype(np.float64)
    out: Floats = np.divide(trace, n, out=np.full_like(n, math.nan), where=n > 0)
    return out


def accuracy(cm: Ints) -> float:
    return float(accuracies(cm[None])[0])


def macro_f1s(cms: Ints) -> Floats:
    """Mean F1 over the classes that occur in the truth or the predictions."""
    tp = np.diagonal(cms, axis1=1, axis2=2).astype(float)
    denominator = cms.sum(axis=2) + cms.sum(axis=1)  # support + predicted
    present = denominator > 0
    f1 = np.divide(2 * tp, denominator, out=np.zeros_like(tp), where=present)
    classes = present.sum(axis=1).astype(np.float64)
    total = f1.sum(axis=1)  # classes not present add 0.0
    out: Floats = np.divide(total, classes, out=np.full_like(total, math.nan), where=classes > 0)
    return out


def macro_f1(cm: Ints) -> float:
    return float(macro_f1s(cm[None])[0])


def disagreement_weights(k: int, weights: Weights = None) -> Floats:
    i, j = np.indices((k, k))
    if weights == "quadratic":
        distance = (i - j) ** 2
    elif weights == "linear":
        distance = np.abs(i - j)
    else:
        distance = (i != j).astype(np.int64)
    return np.asarray(distance, dtype=np.float64)


def kappas(cms: Ints, weights: Weights = None) -> Floats:
    """Cohen's kappa, plain or weighted, per matrix; nan when chance agreement is total."""
    n = _totals(cms)
    w = disagreement_weights(cms.shape[1], weights)
    safe_n = np.where(n > 0, n, 1.0)
    expected = cms.sum(axis=2)[:, :, None] * cms.sum(axis=1)[:, None, :] / safe_n[:, None, None]
    denominator = (w * expected).sum(axis=(1, 2))
    observed = (w * cms).sum(axis=(1, 2))
    defined = (n > 0) & (denominator != 0)
    ratio = np.divide(observed, denominator, out=np.full_like(n, math.nan), where=defined)
    out: Floats = 1.0 - ratio
    return out


def kappa(cm: Ints, weights: Weights = None) -> float:
    return float(kappas(cm[None], weights)[0])


def pearsons(x: Floats, y: Floats) -> Floats:
    """Pearson's r of each row of ``x`` with the same row of ``y``; nan for a constant row."""
    a, b = np.atleast_2d(np.asarray(x, dtype=float)), np.atleast_2d(np.asarray(y, dtype=float))
    if a.shape[1] < 2:
        return np.full(a.shape[0], math.nan)
    da, db = a - a.mean(axis=1, keepdims=True), b - b.mean(axis=1, keepdims=True)
    spread = np.sqrt((da * da).sum(axis=1) * (db * db).sum(axis=1))
    constant = (np.ptp(a, axis=1) == 0) | (np.ptp(b, axis=1) == 0) | (spread == 0)
    r = np.divide((da * db).sum(axis=1), spread, out=np.full(a.shape[0], math.nan),
                  where=~constant)  # fmt: skip
    out: Floats = np.clip(r, -1.0, 1.0)
    return out


def pearson(x: Sequence[float] | Floats, y: Sequence[float] | Floats) -> float:
    a, b = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    return float(pearsons(a[None], b[None])[0])


def resampled_ranks(values: Sequence[float] | Floats, indices: Ints) -> Floats:
    """Ranks from 1 of ``values[indices]`` within each row of ``indices``, ties sharing their
    average rank (scipy's ``rankdata`` default): counts per distinct value, no sort per row."""
    distinct, group = np.unique(np.asarray(values, dtype=float), return_inverse=True)
    rows, g = indices.shape[0], group.reshape(-1)[indices]
    offsets = np.arange(rows, dtype=np.int64)[:, None] * len(distinct)
    counts = np.bincount((offsets + g).ravel(), minlength=rows * len(distinct))
    counts = counts.reshape(rows, len(distinct))
    below = np.cumsum(counts, axis=1) - counts  # how many in the row are smaller
    return np.take_along_axis(below + (counts + 1) / 2.0, g, axis=1)


def ranks(values: Sequence[float] | Floats) -> Floats:
    """Ranks from 1, ties sharing their average rank (scipy's ``rankdata`` default)."""
    rows = resampled_ranks(values, np.arange(len(values), dtype=np.int64)[None])
    return np.asarray(rows[0], dtype=np.float64)


def spearmans(x: Sequence[float] | Floats, y: Sequence[float] | Floats, indices: Ints) -> Floats:
    """Spearman's rho of ``x[indices]`` with ``y[indices]``, per row of ``indices``."""
    return pearsons(resampled_ranks(x, indices), resampled_ranks(y, indices))


def spearman(x: Sequence[float] | Floats, y: Sequence[float] | Floats) -> float:
    return float(spearmans(x, y, np.arange(len(x), dtype=np.int64)[None])[0])


def rounded(value: float | None, digits: int = 4) -> float | None:
    """A figure for JSON: rounded, None for nan."""
    return None if value is None or math.isnan(value) else round(float(value), digits)
