"""EM recovers the parameters that generated the data, within the bounds."""

from __future__ import annotations

import random

import pytest

from tests.learners.conftest import simulate
from tutor.learners import BKTParams, fit_bkt
from tutor.learners.fitting import log_likelihood


@pytest.mark.parametrize(
    "true",
    [
        BKTParams(prior=0.3, learn=0.2, guess=0.2, slip=0.05),
        BKTParams(prior=0.1, learn=0.1, guess=0.25, slip=0.08),
    ],
)
def test_fitting_recovers_known_parameters(true: BKTParams) -> None:
    data = simulate(true, learners=500, length=15, seed=11)
    fit = fit_bkt(data)
    assert fit.params.prior == pytest.approx(true.prior, abs=0.06)
    assert fit.params.learn == pytest.approx(true.learn, abs=0.05)
    assert fit.params.guess == pytest.approx(true.guess, abs=0.05)
    assert fit.params.slip == pytest.approx(true.slip, abs=0.03)
    assert fit.sequences == 500 and fit.observations == 500 * 15
    assert fit.log_likelihood >= log_likelihood(data, true) - 1e-6  # at least as likely


def test_fitted_parameters_respect_the_bounds() -> None:
    """Data from a learner who guesses half the time still yields guess <= 0.3."""
    data = simulate(BKTParams(prior=0.2, learn=0.1, guess=0.3, slip=0.1), 300, 10, seed=3)
    noisy = [[1.0 if (s or random.Random(i * 31 + j).random() < 0.3) else 0.0
              for j, s in enumerate(seq)] for i, seq in enumerate(data)]  # fmt: skip
    params = fit_bkt(noisy).params
    assert params.guess <= 0.3 and params.slip <= 0.1
    assert 0 < params.prior < 1 and 0 < params.learn < 1


def test_partial_credit_sequences_fit_and_empty_ones_are_ignored() -> None:
    fit = fit_bkt([[0.0, 0.5, 1.0, 1.0], [], [0.25, 0.75, 1.0]])
    assert fit.sequences == 2 and fit.observations == 7
    with pytest.raises(ValueError):
        fit_bkt([[], []])
