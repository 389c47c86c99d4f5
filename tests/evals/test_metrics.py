"""The agreement figures against libraries and against published worked examples."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import pearsonr, spearmanr
from sklearn.metrics import accuracy_score, cohen_kappa_score, f1_score

from tutor.evals import metrics as m
from tutor.evals.reliability import all_agree_rate, fleiss_kappa, krippendorff_alpha, pairwise
from tutor.evals.stats import bootstrap_ci, mcnemar_exact, paired_difference

RNG = np.random.default_rng(7)
TRUTH = RNG.integers(0, 3, 300)
PRED = np.where(RNG.random(300) < 0.7, TRUTH, RNG.integers(0, 3, 300))


@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
def test_kappa_matches_scikit_learn(weights: m.Weights) -> None:
    cm = m.confusion(TRUTH, PRED, 3)
    expected = cohen_kappa_score(TRUTH, PRED, weights=weights)
    assert m.kappa(cm, weights) == pytest.approx(expected, abs=1e-12)


def test_accuracy_and_macro_f1_match_scikit_learn() -> None:
    cm = m.confusion(TRUTH, PRED, 3)
    assert m.accuracy(cm) == pytest.approx(accuracy_score(TRUTH, PRED))
    assert m.macro_f1(cm) == pytest.approx(f1_score(TRUTH, PRED, average="macro"))
    # a class that never occurs is left out, as scikit-learn does
    t, p = np.array([0, 0, 2, 2]), np.array([0, 2, 2, 2])
    assert m.macro_f1(m.confusion(t, p, 3)) == pytest.approx(f1_score(t, p, average="macro"))


def test_correlations_match_scipy() -> None:
    x, y = RNG.random(50), RNG.random(50)
    y[:25] += x[:25]
    assert m.pearson(x, y) == pytest.approx(pearsonr(x, y).statistic)
    assert m.spearman(x, y) == pytest.approx(spearmanr(x, y).statistic)
    assert math.isnan(m.pearson([1.0, 1.0, 1.0], [0.0, 1.0, 2.0]))


def test_kappa_is_undefined_when_both_raters_use_one_label() -> None:
    assert math.isnan(m.kappa(m.confusion([1, 1, 1], [1, 1, 1], 2)))


def test_fleiss_kappa_reproduces_the_worked_example() -> None:
    # Fleiss (1971) as worked in Wikipedia's "Fleiss' kappa": 10 subjects, 14 raters, 5 classes.
    counts = [
        [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
    ]  # fmt: skip
    ratings = np.array([[c for c, k in enumerate(row) for _ in range(k)] for row in counts], float)
    assert fleiss_kappa(ratings) == pytest.approx(0.20993, abs=1e-5)


# Krippendorff (2011), "Computing Krippendorff's alpha-reliability": 4 observers, 12 units,
# missing values; the paper gives alpha = 0.743 (nominal), 0.815 (ordinal), 0.849 (interval).
N = np.nan
RELIABILITY = np.array(
    [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],
        [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N],
    ],
    dtype=float,
).T


@pytest.mark.parametrize(
    ("level", "expected"), [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849)]
)
def test_krippendorff_alpha_reproduces_the_paper(level: str, expected: float) -> None:
    assert krippendorff_alpha(RELIABILITY, level) == pytest.approx(expected, abs=5e-4)  # type: ignore[arg-type]


def test_two_raters_alpha_and_kappa_agree_on_complete_data() -> None:
    ratings = np.stack([TRUTH, PRED], axis=1).astype(float)
    assert fleiss_kappa(ratings) == pytest.approx(krippendorff_alpha(ratings), abs=0.01)
    pair = pairwise(ratings, ["a", "b"])[0]
    assert pair.kappa == pytest.approx(cohen_kappa_score(TRUTH, PRED))
    assert all_agree_rate(ratings) == pytest.approx(float((TRUTH == PRED).mean()))


def test_mcnemar_exact_p_value() -> None:
    # 3 vs 11 discordant pairs: p = 2 * P(X <= 3 | n = 14, 1/2) = 2 * 470 / 16384
    assert mcnemar_exact(3, 11) == pytest.approx(940 / 16384)
    assert mcnemar_exact(11, 3) == pytest.approx(940 / 16384)
    assert mcnemar_exact(0, 0) == 1.0


def test_bootstrap_is_deterministic_for_a_seed() -> None:
    cm_kappa = lambda idx: m.kappa(m.confusion(TRUTH[idx], PRED[idx], 3))  # noqa: E731
    first = bootstrap_ci(cm_kappa, len(TRUTH), seed=3)
    assert bootstrap_ci(cm_kappa, len(TRUTH), seed=3) == first
    assert bootstrap_ci(cm_kappa, len(TRUTH), seed=4) != first
    low, high = first
    assert low < m.kappa(m.confusion(TRUTH, PRED, 3)) < high


def test_paired_difference_of_identical_statistics_is_zero() -> None:
    stat = lambda idx: float(TRUTH[idx].mean())  # noqa: E731
    diff = paired_difference(stat, stat, len(TRUTH), seed=1)
    assert diff["difference"] == 0 and diff["ci_low"] == 0 and diff["ci_high"] == 0


def test_mcnemar_matches_scipys_binomial_test() -> None:
    from scipy.stats import binomtest

    for a, b in ((0, 7), (5, 5), (12, 30), (140, 170)):
        assert mcnemar_exact(a, b) == pytest.approx(binomtest(min(a, b), a + b, 0.5).pvalue)


def test_ranks_match_scipy_with_ties() -> None:
    from scipy.stats import rankdata

    values = np.array([3.0, 1.0, 3.0, 2.0, 3.0, 0.5, 2.0])
    assert m.ranks(values).tolist() == rankdata(values).tolist()
