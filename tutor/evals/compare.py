"""Two runs on the same answers: which grader agrees more with people, and is it chance?

Answers are paired by id (first repeat of the plain answers). Correctness against the human
label is compared with McNemar's exact test; accuracy, kappa and scores with a paired
bootstrap (both runs resampled with the same indices).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tutor.errors import BadRequestError
from tutor.evals import metrics as m
from tutor.evals.agreement import unit
from tutor.evals.figures import scheme_of
from tutor.evals.results import Result, RunDir
from tutor.evals.stats import Index, mcnemar_exact, paired_difference

R = m.rounded


def _base(run: RunDir) -> dict[str, Result]:
    return {
        r.variant: r
        for r in run.results().values()
        if r.check == "base" and r.repeat == 0 and r.grade and r.truth is not None
    }


def compare(a: RunDir, b: RunDir, *, seed: int = 0, resamples: int = 1000) -> dict[str, Any]:
    ma, mb = a.manifest(), b.manifest()
    if (ma.scheme, ma.scale) != (mb.scheme, mb.scale):
        raise BadRequestError(f"the runs label answers differently ({ma.scheme} vs {mb.scheme})")
    scheme = scheme_of(ma)
    ra, rb = _base(a), _base(b)
    ids = sorted(set(ra) & set(rb))
    if not ids:
        raise BadRequestError(f"{a.path} and {b.path} share no graded answers")
    k = scheme.levels
    t = np.array([scheme.level(ra[i].truth or 0.0) for i in ids], dtype=np.int64)
    tu = np.array([unit(ra[i].truth or 0.0, scheme) for i in ids])
    pa: list[int] = []
    pb: list[int] = []
    sa: list[float] = []
    sb: list[float] = []
    for i in ids:
        for run, levels, scores in ((ra, pa, sa), (rb, pb, sb)):
            grade = run[i].grade
            assert grade is not None
            levels.append(scheme.level(scheme.predict(grade)))
            scores.append(grade.score)
    la, lb = np.array(pa, dtype=np.int64), np.array(pb, dtype=np.int64)
    xa, xb = np.array(sa), np.array(sb)

    def metric(levels: np.ndarray[Any, Any], weights: m.Weights = None, kind: str = "kappa") -> Any:
        def f(idx: Index) -> float:
            cm = m.confusion(t[idx], levels[idx], k)
            return m.accuracy(cm) if kind == "accuracy" else m.kappa(cm, weights)

        return f

    def mae(scores: np.ndarray[Any, Any]) -> Any:
        return lambda idx: float(np.abs(tu[idx] - scores[idx]).mean())

    def diff(fa: Any, fb: Any) -> dict[str, float | None]:
        out = paired_difference(fa, fb, len(ids), resamples=resamples, seed=seed)
        return {key: R(value) for key, value in out.items()}

    right_a, right_b = la == t, lb == t
    only_a, only_b = int((right_a & ~right_b).sum()), int((~right_a & right_b).sum())
    names = scheme.names
    return {
        "n": len(ids),
        "unpaired": {"only_in_a": len(set(ra) - set(rb)), "only_in_b": len(set(rb) - set(ra))},
        "a": {"path": str(a.path), "grader": ma.grader, "version": ma.version},
        "b": {"path": str(b.path), "grader": mb.grader, "version": mb.version},
        "accuracy": diff(metric(la, kind="accuracy"), metric(lb, kind="accuracy")),
        "kappa": diff(metric(la), metric(lb)),
        "weighted_kappa": diff(metric(la, "quadratic"), metric(lb, "quadratic")),
        "mean_abs_error": diff(mae(xa), mae(xb)),
        "mean_score": diff(lambda i: float(xa[i].mean()), lambda i: float(xb[i].mean())),
        "mcnemar": {
            "only_a_correct": only_a,
            "only_b_correct": only_b,
            "p_value": R(mcnemar_exact(only_a, only_b)),
        },
        "verdict_agreement": R(float((la == lb).mean())),
        "disagreements": [
            {
                "id": ra[i].case,
                "question_id": ra[i].question_id,
                "answer": ra[i].answer,
                "human": names[t[n]],
                "a": names[la[n]],
                "b": names[lb[n]],
                "score_a": float(xa[n]),
                "score_b": float(xb[n]),
            }
            for n, i in enumerate(ids)
            if la[n] != lb[n]
        ],
    }
