"""Agreement among several raters (people, models, or one grader's repeated runs).

``ratings`` is an items x raters array with ``nan`` where a rater gave no label.

- Fleiss' kappa (Fleiss 1971): chance-corrected agreement of any number of raters on nominal
  labels; items that some rater skipped are left out.
- Krippendorff's alpha (Krippendorff 2011): missing labels allowed; nominal, ordinal or
  interval distances, from the coincidence matrix.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import combinations
from typing import Literal

import numpy as np
import numpy.typing as npt

from tutor.evals.metrics import accuracy, confusion, kappa

Ratings = npt.NDArray[np.float64]
Level = Literal["nominal", "ordinal", "interval"]


def complete(ratings: Ratings) -> Ratings:
    """The items every rater labelled."""
    return ratings[~np.isnan(ratings).any(axis=1)]


def _codes(ratings: Ratings) -> tuple[npt.NDArray[np.int64], int]:
    values = np.unique(ratings[~np.isnan(ratings)])
    codes = np.full(ratings.shape, -1, dtype=np.int64)
    seen = ~np.isnan(ratings)
    codes[seen] = np.searchsorted(values, ratings[seen])
    return codes, len(values)


def fleiss_kappa(ratings: Ratings) -> float:
    full = complete(ratings)
    if full.shape[0] == 0 or full.shape[1] < 2:
        return math.nan
    codes, k = _codes(full)
    counts = np.stack([(codes == c).sum(axis=1) for c in range(k)], axis=1).astype(float)
    m = full.shape[1]
    observed = ((counts * (counts - 1)).sum(axis=1) / (m * (m - 1))).mean()
    shares = counts.sum(axis=0) / counts.sum()
    expected = float((shares**2).sum())
    return math.nan if expected == 1 else float((observed - expected) / (1 - expected))


def krippendorff_alpha(ratings: Ratings, level: Level = "nominal") -> float:
    values = np.unique(ratings[~np.isnan(ratings)])
    codes, k = _codes(ratings)
    coincidence = np.zeros((k, k))
    for row in codes:
        present = row[row >= 0]
        m = len(present)
        if m < 2:  # a unit with a single value is not pairable
            continue
        counts = np.bincount(present, minlength=k).astype(float)
        coincidence += (np.outer(counts, counts) - np.diag(counts)) / (m - 1)
    marginals = coincidence.sum(axis=1)
    n = marginals.sum()
    if n <= 1:
        return math.nan
    delta = _distances(values, marginals, level)
    observed = float((coincidence * delta).sum())
    expected = float((np.outer(marginals, marginals) * delta).sum()) / (n - 1)
    return math.nan if expected == 0 else 1.0 - observed / expected


def _distances(
    values: npt.NDArray[np.float64], marginals: npt.NDArray[np.float64], level: Level
) -> npt.NDArray[np.float64]:
    i, j = np.indices((len(values), len(values)))
    if level == "interval":
        return np.asarray((values[i] - values[j]) ** 2, dtype=np.float64)
    if level == "ordinal":
        cumulative = np.concatenate([[0.0], np.cumsum(marginals)])
        low, high = np.minimum(i, j), np.maximum(i, j)
        between = cumulative[high + 1] - cumulative[low]
        return np.asarray((between - (marginals[i] + marginals[j]) / 2) ** 2, dtype=np.float64)
    return np.asarray(i != j, dtype=np.float64)


def all_agree_rate(ratings: Ratings) -> float:
    full = complete(ratings)
    if full.shape[0] == 0:
        return math.nan
    return float((full == full[:, :1]).all(axis=1).mean())


@dataclass(frozen=True)
class Pair:
    a: str
    b: str
    n: int  # items both labelled
    kappa: float
    agreement: float


def pairwise(ratings: Ratings, names: list[str]) -> list[Pair]:
    """Cohen's kappa and raw agreement for every pair of raters, on the items both labelled."""
    codes, k = _codes(ratings)
    out = []
    for a, b in combinations(range(ratings.shape[1]), 2):
        both = (codes[:, a] >= 0) & (codes[:, b] >= 0)
        cm = confusion(codes[both, a], codes[both, b], max(k, 1))
        out.append(Pair(names[a], names[b], int(both.sum()), kappa(cm), accuracy(cm)))
    return out
