"""The batched figures behind the bootstrap: every resample's value as the libraries give it,
and ``grader_agreement``'s intervals the same as one scalar statistic per resample."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from scipy.stats import pearsonr, rankdata, spearmanr
from sklearn.metrics import accuracy_score, cohen_kappa_score, f1_score

from tests.evals.conftest import grade
from tutor.evals import metrics as m
from tutor.evals.agreement import grader_agreement
from tutor.evals.cases import Scheme
from tutor.evals.results import Result
from tutor.evals.stats import Index, bootstrap_ci, bootstrap_cis, resample_indices
from tutor.grading.models import Verdict

RNG = np.random.default_rng(11)
TRUTH = RNG.integers(0, 3, 200)
PRED = np.where(RNG.random(200) < 0.6, TRUTH, RNG.integers(0, 3, 200))
X = np.round(RNG.random(200), 1)  # ties, as scores on a 0.1 grid have
Y = np.round(np.clip(X + RNG.normal(0, 0.3, 200), 0.0, 1.0), 1).astype(np.float64)
ROWS = resample_indices(200, resamples=25, seed=2)


def test_each_resample_matches_scikit_learn_and_scipy() -> None:
    cms = m.confusions(TRUTH[ROWS], PRED[ROWS], 3)
    figures = {
        "accuracy": m.accuracies(cms),
        "macro_f1": m.macro_f1s(cms),
        "kappa": m.kappas(cms),
        "quadratic": m.kappas(cms, "quadratic"),
        "pearson": m.pearsons(X[ROWS], Y[ROWS]),
        "spearman": m.spearmans(X, Y, ROWS),
    }
    for r, i in enumerate(ROWS):
        t, p, x, y = TRUTH[i], PRED[i], X[i], Y[i]
        assert (cms[r] == m.confusion(t, p, 3)).all()
        assert figures["accuracy"][r] == pytest.approx(accuracy_score(t, p), abs=1e-12)
        assert figures["macro_f1"][r] == pytest.approx(f1_score(t, p, average="macro"), abs=1e-12)
        assert figures["kappa"][r] == pytest.approx(cohen_kappa_score(t, p), abs=1e-12)
        quadratic = cohen_kappa_score(t, p, weights="quadratic")
        assert figures["quadratic"][r] == pytest.approx(quadratic, abs=1e-12)
        assert figures["pearson"][r] == pytest.approx(pearsonr(x, y).statistic, abs=1e-12)
        assert figures["spearman"][r] == pytest.approx(spearmanr(x, y).statistic, abs=1e-12)


def test_resampled_ranks_are_scipys_ranks_of_each_row() -> None:
    ranked = m.resampled_ranks(X, ROWS)
    for r, i in enumerate(ROWS):
        assert (ranked[r] == rankdata(X[i])).all()


def test_undefined_rows_are_nan_beside_defined_ones() -> None:
    t = np.array([[1, 1, 1], [0, 1, 1]])
    cms = m.confusions(t, t, 2)
    assert np.isnan(m.kappas(cms)[0]) and m.kappas(cms)[1] == 1.0
    x = np.array([[0.5, 0.5, 0.5], [0.1, 0.2, 0.3]])
    assert np.isnan(m.pearsons(x, x)[0]) and m.pearsons(x, x)[1] == pytest.approx(1.0)


@pytest.mark.parametrize("cells", [1 << 20, 450])  # one block, and blocks of two resamples
def test_bootstrap_cis_draws_what_bootstrap_ci_draws(cells: int) -> None:
    def both(i: Index) -> dict[str, m.Floats]:
        return {"kappa": m.kappas(m.confusions(TRUTH[i], PRED[i], 3)), "mean": X[i].mean(axis=1)}

    intervals = bootstrap_cis(both, 200, resamples=99, seed=4, cells=cells)
    kappa = bootstrap_ci(
        lambda i: m.kappa(m.confusion(TRUTH[i], PRED[i], 3)), 200, resamples=99, seed=4
    )
    mean = bootstrap_ci(lambda i: float(X[i].mean()), 200, resamples=99, seed=4)
    assert intervals["kappa"] == pytest.approx(kappa, abs=1e-12)
    assert intervals["mean"] == pytest.approx(mean, abs=1e-12)


def results(scheme: Scheme) -> list[Result]:
    verdicts = [Verdict.INCORRECT, Verdict.PARTIALLY_CORRECT, Verdict.CORRECT]
    out = []
    for n, (truth, score) in enumerate(zip(TRUTH, Y, strict=True)):
        value = float(truth) if scheme.kind == "verdict" else float(truth > 0)
        verdict = verdicts[min(2, int(score * 3))]
        if scheme.kind == "binary":
            verdict = Verdict.CORRECT if score >= 0.5 else Verdict.INCORRECT
        out.append(
            Result(id=f"a{n}@0", variant=f"a{n}", case=f"a{n}", question_id=f"q{n % 7}",
                   check="base", answer="-", truth=value, grade=grade(verdict, float(score)))
        )  # fmt: skip
    return out


@pytest.mark.parametrize("kind", ["verdict", "binary"])
def test_grader_agreement_figures_are_the_scalar_ones(kind: str) -> None:
    scheme = Scheme(kind)  # type: ignore[arg-type]
    rows = results(scheme)
    out = grader_agreement(rows, scheme, seed=6, resamples=200)
    t = np.array([scheme.level(r.truth or 0.0) for r in rows])
    p = np.array([scheme.level(scheme.predict(r.grade)) for r in rows if r.grade])
    tu = np.array([(r.truth or 0.0) / (scheme.levels - 1) for r in rows])
    ps = np.array([r.grade.score for r in rows if r.grade])
    scalar: dict[str, Callable[[Index], float]] = {
        "accuracy": lambda i: m.accuracy(m.confusion(t[i], p[i], scheme.levels)),
        "macro_f1": lambda i: m.macro_f1(m.confusion(t[i], p[i], scheme.levels)),
        "kappa": lambda i: m.kappa(m.confusion(t[i], p[i], scheme.levels)),
        "weighted_kappa": lambda i: m.kappa(m.confusion(t[i], p[i], scheme.levels), "quadratic"),
        "pearson": lambda i: m.pearson(tu[i], ps[i]),
        "spearman": lambda i: m.spearman(tu[i], ps[i]),
    }
    everything = np.arange(len(rows))
    for name, f in scalar.items():
        assert out[name] == m.rounded(f(everything))
        low, high = bootstrap_ci(f, len(rows), resamples=200, seed=6)
        assert out["ci"][name] == [m.rounded(low), m.rounded(high)]
