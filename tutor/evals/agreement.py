"""How far the grader agrees with the human label, overall, per question and per answer,
and how far the human raters agree with each other when a dataset has several."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np

from tutor.evals import metrics as m
from tutor.evals.cases import EvalCase, Scheme
from tutor.evals.reliability import (
    Level,
    all_agree_rate,
    fleiss_kappa,
    krippendorff_alpha,
    pairwise,
)
from tutor.evals.results import Result
from tutor.evals.stats import Floats, Index, bootstrap_cis

R = m.rounded


def scored(results: Sequence[Result]) -> list[Result]:
    return [r for r in results if r.grade is not None and r.truth is not None]


def unit(value: float, scheme: Scheme) -> float:
    """A label value on 0-1, to correlate with ``Grade.score``."""
    return value if scheme.kind == "score" else value / (scheme.levels - 1)


def grader_agreement(
    results: Sequence[Result], scheme: Scheme, *, seed: int = 0, resamples: int = 1000
) -> dict[str, Any]:
    rows = scored(results)
    if not rows:
        return {"n": 0}
    k = scheme.levels
    t = np.array([scheme.level(r.truth or 0.0) for r in rows], dtype=np.int64)
    p = np.array([scheme.level(scheme.predict(r.grade)) for r in rows if r.grade], dtype=np.int64)
    tu = np.array([unit(r.truth or 0.0, scheme) for r in rows])
    ps = np.array([r.grade.score for r in rows if r.grade])

    def figures(i: Index) -> dict[str, Floats]:
        """The six figures on each row of indices (a resample, or everything)."""
        cms = m.confusions(t[i], p[i], k)
        return {
            "accuracy": m.accuracies(cms),
            "macro_f1": m.macro_f1s(cms),
            "kappa": m.kappas(cms),
            "weighted_kappa": m.kappas(cms, "quadratic"),
            "pearson": m.pearsons(tu[i], ps[i]),
            "spearman": m.spearmans(tu, ps, i),
        }

    everything = np.arange(len(rows), dtype=np.int64)[None]
    out: dict[str, Any] = {"n": len(rows)}
    out.update({name: R(float(v[0])) for name, v in figures(everything).items()})
    out["mean_abs_error"] = R(float(np.abs(tu - ps).mean()))
    if scheme.kind == "binary":  # beside the verdict figures, never instead of them
        at_score = m.confusion(t, (ps >= 0.5).astype(np.int64), k)
        out["score_threshold"] = {"macro_f1": R(m.macro_f1(at_score)),
                                  "accuracy": R(m.accuracy(at_score))}  # fmt: skip
    intervals = bootstrap_cis(figures, len(rows), resamples=resamples, seed=seed)
    out["ci"] = {name: [R(x) for x in ci] for name, ci in intervals.items()}
    out["confusion"] = {"labels": scheme.names, "matrix": m.confusion(t, p, k).tolist()}
    out["per_question"] = _per_question(rows, t, p, k)
    names = scheme.names
    out["disagreements"] = [
        {
            "id": r.case,
            "question_id": r.question_id,
            "answer": r.answer,
            "human": names[ti],
            "grader": names[pi],
            "score": r.grade.score if r.grade else None,
        }
        for r, ti, pi in zip(rows, t, p, strict=True)
        if ti != pi
    ]
    return out


def _per_question(
    rows: Sequence[Result], t: np.ndarray[Any, Any], p: np.ndarray[Any, Any], k: int
) -> list[dict[str, Any]]:
    groups: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        groups[r.question_id].append(i)
    out = []
    for question, idx in sorted(groups.items()):
        cm = m.confusion(t[idx], p[idx], k)
        out.append(
            {
                "question_id": question,
                "n": len(idx),
                "accuracy": R(m.accuracy(cm)),
                "kappa": R(m.kappa(cm)) if len(idx) >= 5 else None,
                "mean_human": R(float(t[idx].mean())),
                "mean_grader": R(float(p[idx].mean())),
            }
        )
    return out


LEVELS: dict[str, Level] = {"binary": "nominal", "verdict": "ordinal", "score": "interval"}


def rater_agreement(
    ratings: np.ndarray[Any, Any], names: list[str], scheme: Scheme
) -> dict[str, Any]:
    """Agreement among the columns of an items x raters array of levels (nan: no label)."""
    pairs = pairwise(ratings, names)
    kappas = [p.kappa for p in pairs if not np.isnan(p.kappa)]
    return {
        "raters": names,
        "items": int(ratings.shape[0]),
        "complete_items": int((~np.isnan(ratings).any(axis=1)).sum()),
        "fleiss_kappa": R(fleiss_kappa(ratings)),
        "krippendorff_alpha": R(krippendorff_alpha(ratings, LEVELS[scheme.kind])),
        "all_agree_rate": R(all_agree_rate(ratings)),
        "mean_pairwise_kappa": R(float(np.mean(kappas))) if kappas else None,
        "pairwise": [
            {"a": p.a, "b": p.b, "n": p.n, "kappa": R(p.kappa), "agreement": R(p.agreement)}
            for p in pairs
        ],
    }


def humans_beside_grader(
    cases: Sequence[EvalCase], results: Sequence[Result], scheme: Scheme
) -> dict[str, Any] | None:
    """Rater-vs-rater agreement (the bar) next to grader-vs-rater agreement."""
    rated = [c for c in cases if len(c.raters) >= 2]
    if not rated:
        return None
    names = sorted({name for c in rated for name in c.raters})
    graded = {r.case: r.grade for r in results if r.grade is not None}
    matrix = np.full((len(rated), len(names) + 1), np.nan)
    for i, case in enumerate(rated):
        for j, name in enumerate(names):
            value = scheme.value(case.raters.get(name))
            matrix[i, j] = np.nan if value is None else scheme.level(value)
        if (grade := graded.get(case.id)) is not None:
            matrix[i, -1] = scheme.level(scheme.predict(grade))
    humans = rater_agreement(matrix[:, :-1], names, scheme)
    with_grader = rater_agreement(matrix, [*names, "grader"], scheme)
    versus = [p for p in with_grader["pairwise"] if p["b"] == "grader"]
    kappas = [p["kappa"] for p in versus if p["kappa"] is not None]
    return {
        "humans": humans,
        "grader_vs_raters": versus,
        "grader_mean_kappa": R(float(np.mean(kappas))) if kappas else None,
        "fleiss_kappa_with_grader": with_grader["fleiss_kappa"],
        "krippendorff_alpha_with_grader": with_grader["krippendorff_alpha"],
    }
