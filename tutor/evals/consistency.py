"""Does the grader agree with itself? Across repeated runs, and across rewrites of an answer
that keep its meaning (paraphrases, letter case, whitespace, rubric order)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np

from tutor.evals.cases import Scheme
from tutor.evals.metrics import rounded as R
from tutor.evals.reliability import fleiss_kappa
from tutor.evals.results import Result


def _level(r: Result, scheme: Scheme) -> int:
    assert r.grade is not None
    return scheme.level(scheme.predict(r.grade))


def _name(level: int, scheme: Scheme) -> str:
    return scheme.names[level]


def repeats(results: Sequence[Result], scheme: Scheme, runs: int) -> dict[str, Any] | None:
    """All-runs-agree rate, Fleiss' kappa across runs, score spread and the answers that flip."""
    if runs < 2:
        return None
    by_variant: dict[str, dict[int, Result]] = defaultdict(dict)
    for r in results:
        if r.check == "base" and r.grade is not None:
            by_variant[r.variant][r.repeat] = r
    full = {v: rs for v, rs in by_variant.items() if len(rs) == runs}
    if not full:
        return {"runs": runs, "items": 0}
    rows = [[rs[k] for k in range(runs)] for rs in full.values()]
    levels = np.array([[_level(r, scheme) for r in row] for row in rows], dtype=float)
    scores = np.array([[r.grade.score for r in row if r.grade] for row in rows])
    agree = (levels == levels[:, :1]).all(axis=1)
    spread = scores.max(axis=1) - scores.min(axis=1)
    flips = [
        {
            "id": row[0].case,
            "question_id": row[0].question_id,
            "answer": row[0].answer,
            "human": None if row[0].truth is None else _name(scheme.level(row[0].truth), scheme),
            "verdicts": [_name(int(x), scheme) for x in lv],
            "scores": [float(s) for s in sc],
        }
        for row, lv, sc, ok in zip(rows, levels, scores, agree, strict=True)
        if not ok
    ]
    return {
        "runs": runs,
        "items": len(rows),
        "all_agree_rate": R(float(agree.mean())),
        "flip_rate": R(float(1 - agree.mean())),
        "fleiss_kappa": R(fleiss_kappa(levels)),
        "score_spread_mean": R(float(spread.mean())),
        "score_spread_max": R(float(spread.max())),
        "score_sd_mean": R(float(scores.std(axis=1).mean())),
        "flips": flips,
    }


def _bases(results: Sequence[Result]) -> dict[str, Result]:
    return {r.case: r for r in results if r.check == "base" and r.repeat == 0 and r.grade}


def invariance(results: Sequence[Result], scheme: Scheme, check: str) -> dict[str, Any] | None:
    """Share of rewrites of ``check`` graded differently from their original answer."""
    bases = _bases(results)
    pairs = [
        (bases[r.case], r)
        for r in results
        if r.check == check and r.repeat == 0 and r.grade and r.case in bases
    ]
    if not pairs:
        return None
    rules: dict[str, list[bool]] = defaultdict(list)
    failures, changes = [], []
    for base, r in pairs:
        differs = _level(base, scheme) != _level(r, scheme)
        rules[r.rule].append(differs)
        changes.append(
            abs((r.grade.score if r.grade else 0) - (base.grade.score if base.grade else 0))
        )
        if differs:
            failures.append(
                {
                    "id": r.variant,
                    "rule": r.rule,
                    "original": base.answer,
                    "rewrite": r.answer,
                    "before": _name(_level(base, scheme), scheme),
                    "after": _name(_level(r, scheme), scheme),
                }
            )
    flat = [x for xs in rules.values() for x in xs]
    return {
        "n": len(flat),
        "disagreements": sum(flat),
        "disagreement_rate": R(sum(flat) / len(flat)),
        "mean_abs_score_change": R(float(np.mean(changes))),
        "per_rule": {
            k: {"n": len(v), "disagreement_rate": R(sum(v) / len(v))}
            for k, v in sorted(rules.items())
        },
        "failures": failures,
    }


def groups(results: Sequence[Result], scheme: Scheme) -> dict[str, Any] | None:
    """Dataset paraphrase groups: each member after the first is a rewrite of the first."""
    members: dict[str, list[Result]] = defaultdict(list)
    for r in results:
        if r.check == "base" and r.repeat == 0 and r.grade and r.group:
            members[r.group].append(r)
    members = {g: rs for g, rs in members.items() if len(rs) >= 2}
    if not members:
        return None
    rewrites = disagreements = 0
    failures = []
    for group, rs in sorted(members.items()):
        levels = [_level(r, scheme) for r in rs]
        rewrites += len(rs) - 1
        disagreements += sum(x != levels[0] for x in levels[1:])
        if len(set(levels)) > 1:
            failures.append(
                {
                    "group": group,
                    "answers": [
                        {"id": r.case, "answer": r.answer, "verdict": _name(x, scheme)}
                        for r, x in zip(rs, levels, strict=True)
                    ],
                }
            )
    return {
        "groups": len(members),
        "rewrites": rewrites,
        "disagreements": disagreements,
        "disagreement_rate": R(disagreements / rewrites),
        "non_unanimous_rate": R(len(failures) / len(members)),
        "failures": failures,
    }


def paraphrase(results: Sequence[Result], scheme: Scheme) -> dict[str, Any] | None:
    """Generated rewrites and dataset groups, pooled: rewrites graded unlike their original."""
    rules, grouped = invariance(results, scheme, "paraphrase"), groups(results, scheme)
    if rules is None and grouped is None:
        return None
    n = (rules or {}).get("n", 0) + (grouped or {}).get("rewrites", 0)
    bad = (rules or {}).get("disagreements", 0) + (grouped or {}).get("disagreements", 0)
    return {
        "n": n,
        "disagreement_rate": R(bad / n) if n else None,
        "rules": rules,
        "groups": grouped,
    }
