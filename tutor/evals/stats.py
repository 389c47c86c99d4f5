"""Uncertainty: seeded bootstrap intervals, paired differences and McNemar's exact test."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import numpy as np
import numpy.typing as npt

Index = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Statistic = Callable[[Index], float]
# rows of indices (resamples x n) -> each named figure's value on every row
Statistics = Callable[[Index], Mapping[str, Floats]]

RESAMPLES = 1000
LEVEL = 0.95


def resample_indices(n: int, *, resamples: int = RESAMPLES, seed: int = 0) -> Index:
    """``resamples`` rows of ``n`` indices drawn with replacement; same seed, same rows."""
    rng = np.random.default_rng(seed)
    return rng.integers(0, n, size=(resamples, n), dtype=np.int64)


def bootstrap_ci(
    statistic: Statistic,
    n: int,
    *,
    resamples: int = RESAMPLES,
    seed: int = 0,
    level: float = LEVEL,
) -> tuple[float, float]:
    """Percentile interval of ``statistic(indices)`` over resamples of ``range(n)``.

    Resamples where the statistic is undefined (nan) are left out; (nan, nan) when n < 2.
    """
    if n < 2:
        return math.nan, math.nan
    values = np.array(
        [statistic(idx) for idx in resample_indices(n, resamples=resamples, seed=seed)]
    )
    return percentile_interval(values, level)


def bootstrap_cis(
    statistics: Statistics,
    n: int,
    *,
    resamples: int = RESAMPLES,
    seed: int = 0,
    level: float = LEVEL,
    cells: int = 1 << 20,
) -> dict[str, tuple[float, float]]:
    """``bootstrap_ci`` for several figures at once, each computed on blocks of resamples.

    The same draws, hence the same intervals, as ``bootstrap_ci`` with the same seed; the
    resamples go to ``statistics`` in blocks of about ``cells`` indices to bound memory.
    """
    if n < 2:
        return {
            name: (math.nan, math.nan) for name in statistics(np.arange(n, dtype=np.int64)[None])
        }
    indices = resample_indices(n, resamples=resamples, seed=seed)
    step = max(1, cells // n)
    blocks = [statistics(indices[i : i + step]) for i in range(0, resamples, step)]
    return {
        name: percentile_interval(np.concatenate([b[name] for b in blocks]), level)
        for name in blocks[0]
    }


def percentile_interval(values: Floats, level: float = LEVEL) -> tuple[float, float]:
    """The central ``level`` percentile interval of the values that are not nan."""
    values = values[~np.isnan(values)]
    if len(values) == 0:
        return math.nan, math.nan
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail])
    return float(low), float(high)


def paired_difference(
    a: Statistic, b: Statistic, n: int, *, resamples: int = RESAMPLES, seed: int = 0
) -> dict[str, float]:
    """a - b on the full sample, its bootstrap interval, and the share of resamples <= 0."""
    full = np.arange(n, dtype=np.int64)
    diff = a(full) - b(full)
    if n < 2:
        return {"difference": diff, "ci_low": math.nan, "ci_high": math.nan, "p_le_0": math.nan}
    draws = np.array([a(i) - b(i) for i in resample_indices(n, resamples=resamples, seed=seed)])
    draws = draws[~np.isnan(draws)]
    if len(draws) == 0:
        return {"difference": diff, "ci_low": math.nan, "ci_high": math.nan, "p_le_0": math.nan}
    low, high = np.percentile(draws, [2.5, 97.5])
    return {
        "difference": diff,
        "ci_low": float(low),
        "ci_high": float(high),
        "p_le_0": float((draws <= 0).mean()),
    }


def mcnemar_exact(only_a: int, only_b: int) -> float:
    """Two-sided exact p-value: answers only A got right vs answers only B got right."""
    n = only_a + only_b
    if n == 0:
        return 1.0
    low = min(only_a, only_b)
    if 2 * low == n:
        return 1.0
    tail = sum(math.comb(n, k) for k in range(low + 1))  # exact integers, then one division
    return min(1.0, 2 * tail / (1 << n))
