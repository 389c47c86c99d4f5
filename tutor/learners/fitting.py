"""Fitting BKT parameters to attempt sequences with EM (Baum-Welch for the two-state HMM).

Each sequence is one learner's scores on one concept, in order. The E-step runs a scaled
forward-backward pass over all sequences at once (padded to the longest, masked); the M-step
has closed forms, including for partial credit (fractional evidence, see ``bkt``): the expected
guess is the score-weighted share of "not known" steps, the expected slip the (1 - score)
weighted share of "known" steps. Each M-step is clamped to the bounds, and EM restarts from a
few starting points because BKT's likelihood has local optima; the best likelihood wins.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tutor.learners.bkt import BKTParams

Array = npt.NDArray[np.float64]

STARTS = (
    BKTParams(),
    BKTParams(prior=0.1, learn=0.05, guess=0.1, slip=0.05),
    BKTParams(prior=0.5, learn=0.3, guess=0.25, slip=0.05),
    BKTParams(prior=0.3, learn=0.1, guess=0.15, slip=0.1),
)


@dataclass(frozen=True)
class BKTFit:
    params: BKTParams
    log_likelihood: float
    iterations: int
    sequences: int
    observations: int


@dataclass(frozen=True)
class _Data:
    x: Array  # (n, t) scores, 0 where padded
    mask: npt.NDArray[np.bool_]  # (n, t) True where observed


def fit_bkt(
    sequences: Sequence[Sequence[float]],
    *,
    starts: Sequence[BKTParams] = STARTS,
    max_iter: int = 200,
    tol: float = 1e-6,
) -> BKTFit:
    """The maximum-likelihood parameters (within bounds) for these score sequences."""
    data = _pack(sequences)
    best: BKTFit | None = None
    for start in starts:
        fit = _em(data, start, max_iter, tol)
        if best is None or fit.log_likelihood > best.log_likelihood:
            best = fit
    assert best is not None, "at least one starting point"
    return best


def log_likelihood(sequences: Sequence[Sequence[float]], params: BKTParams) -> float:
    return _e_step(_pack(sequences), params)[0]


def _pack(sequences: Sequence[Sequence[float]]) -> _Data:
    kept = [list(s) for s in sequences if len(s) > 0]
    if not kept:
        raise ValueError("no attempts to fit")
    width = max(len(s) for s in kept)
    x = np.zeros((len(kept), width))
    mask = np.zeros((len(kept), width), dtype=bool)
    for row, scores in enumerate(kept):
        x[row, : len(scores)] = scores
        mask[row, : len(scores)] = True
    if ((x < 0) | (x > 1)).any():
        raise ValueError("scores must be in 0..1")
    return _Data(x, mask)


def _em(data: _Data, params: BKTParams, max_iter: int, tol: float) -> BKTFit:
    previous = -np.inf
    iterations = 0
    for iterations in range(1, max_iter + 1):  # noqa: B007 (reported below)
        total, params = _e_step(data, params, estimate=True)
        if total - previous < tol:
            break
        previous = total
    final = _e_step(data, params)[0]
    return BKTFit(params, final, iterations, data.x.shape[0], int(data.mask.sum()))


def _e_step(data: _Data, params: BKTParams, *, estimate: bool = False) -> tuple[float, BKTParams]:
    """The log-likelihood under ``params`` and (with ``estimate``) the M-step's new params."""
    x, mask = data.x, data.mask
    n, t = x.shape
    learn = params.learn

    def emission(p_correct: float) -> Array:
        e: Array = p_correct**x * (1 - p_correct) ** (1 - x)
        return np.where(mask, e, 1.0)

    e0, e1 = emission(params.guess), emission(1 - params.slip)
    alpha = np.empty((n, t, 2))
    scale = np.empty((n, t))
    prev = np.column_stack([np.full(n, 1 - params.prior), np.full(n, params.prior)])
    for step in range(t):
        if step:
            unknown, known = alpha[:, step - 1, 0], alpha[:, step - 1, 1]
            prev = np.column_stack([unknown * (1 - learn), unknown * learn + known])
        joint = prev * np.column_stack([e0[:, step], e1[:, step]])
        scale[:, step] = joint.sum(axis=1)
        alpha[:, step] = joint / scale[:, step, None]
    total = float(np.log(scale[mask]).sum())
    if not estimate:
        return total, params

    beta = np.ones((n, t, 2))
    for step in range(t - 2, -1, -1):
        w0 = e0[:, step + 1] * beta[:, step + 1, 0] / scale[:, step + 1]
        w1 = e1[:, step + 1] * beta[:, step + 1, 1] / scale[:, step + 1]
        beta[:, step, 0] = (1 - learn) * w0 + learn * w1
        beta[:, step, 1] = w1
    gamma = alpha * beta
    moves = alpha[:, :-1, 0] * learn * e1[:, 1:] * beta[:, 1:, 1] / scale[:, 1:]
    follows = mask[:, 1:]
    unknown = gamma[:, :, 0][mask]
    known = gamma[:, :, 1][mask]
    scores = x[mask]
    new = BKTParams.clamped(
        prior=float(gamma[:, 0, 1].mean()),
        learn=_ratio(moves[follows].sum(), gamma[:, :-1, 0][follows].sum(), learn),
        guess=_ratio((unknown * scores).sum(), unknown.sum(), params.guess),
        slip=_ratio((known * (1 - scores)).sum(), known.sum(), params.slip),
    )
    return total, new


def _ratio(numerator: float, denominator: float, fallback: float) -> float:
    return float(numerator / denominator) if denominator > 1e-12 else fallback
