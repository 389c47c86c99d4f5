"""What a run's answers would put in a teacher's review queue, and how right the rest are.

A grade carrying ``needs_review`` goes to the teacher; every other verdict reaches the learner
as it is. So a content team reading a run wants two figures beside the agreement: the share
of answers sent to review (the teachers' work) and the accuracy of the verdicts given without
it (what learners can trust; the grader aims at 90% right, issue 11). Also the accuracy when
only the most confident share of the answers gets a verdict, the curve a review threshold is
read from (``Grade.confidence``), and per question the share sent to review: the items where
graded answers would take most work off the teachers.

Accuracy is against the human label at the scheme's levels (a 3-way label: correct, partially
correct, incorrect), and for 3-way labels also 2-way (correct against not), the meaning the
grader's threshold aims at.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np

from tutor.evals import metrics as m
from tutor.evals.agreement import scored
from tutor.evals.cases import Scheme
from tutor.evals.results import Result
from tutor.grading.models import Flag

R = m.rounded
STEPS = 10  # points of the accuracy-by-coverage curve


def review_figures(results: Sequence[Result], scheme: Scheme) -> dict[str, Any]:
    """From the base grades of a run (one per answer): the review rate, the accuracy with and
    without review, and accuracy by coverage."""
    graded = [(r, r.grade) for r in scored(results) if r.grade is not None]
    if not graded:
        return {"n": 0}
    rows = [r for r, _ in graded]
    truth = np.array([scheme.level(r.truth or 0.0) for r in rows], dtype=np.int64)
    said = np.array([scheme.level(scheme.predict(g)) for _, g in graded])
    confidence = np.array([g.confidence for _, g in graded])
    flagged = np.array([Flag.NEEDS_REVIEW in g.flags for _, g in graded])
    right = truth == said
    top = scheme.levels - 1  # "correct"
    right_2way = (truth == top) == (said == top)

    def share(mask: np.ndarray[Any, Any], of: np.ndarray[Any, Any]) -> float | None:
        return R(float(of[mask].mean())) if mask.any() else None

    out: dict[str, Any] = {
        "n": len(rows),
        "review_rate": R(float(flagged.mean())),
        "accuracy_without_review": share(~flagged, right),
        "accuracy_in_review": share(flagged, right),
    }
    if scheme.kind == "verdict":
        out["two_way_accuracy_without_review"] = share(~flagged, right_2way)
    order = np.argsort(-confidence, kind="stable")
    curve = []
    for step in range(1, STEPS + 1):
        kept = order[: max(1, round(step / STEPS * len(order)))]
        curve.append({"coverage": R(step / STEPS), "accuracy": R(float(right[kept].mean())),
                      "confidence": R(float(confidence[kept[-1]]))})  # fmt: skip
    out["by_coverage"] = curve
    out["per_question"] = _per_question(rows, flagged, right)
    return out


def _per_question(
    rows: Sequence[Result], flagged: np.ndarray[Any, Any], right: np.ndarray[Any, Any]
) -> list[dict[str, Any]]:
    """Per question, the share of its answers sent to review, most first: where graded answers
    (or a teacher's grades) would take most work off the teachers."""
    groups: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        groups[r.question_id].append(i)
    out = []
    for question, idx in groups.items():
        kept = [i for i in idx if not flagged[i]]
        out.append({
            "question_id": question,
            "n": len(idx),
            "review_rate": R(float(flagged[idx].mean())),
            "accuracy_without_review": R(float(right[kept].mean())) if kept else None,
        })  # fmt: skip
    return sorted(out, key=lambda q: (-q["review_rate"], -q["n"], q["question_id"]))
