"""Every figure of a run, as one JSON-ready dict (``figures.json``, ``--json``, the report)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tutor.evals import consistency, robustness
from tutor.evals.agreement import grader_agreement, humans_beside_grader
from tutor.evals.cases import EvalCase, Scheme
from tutor.evals.results import Manifest, Result
from tutor.evals.review import review_figures


def scheme_of(manifest: Manifest) -> Scheme:
    return Scheme(manifest.scheme, manifest.scale)


def compute(
    cases: Sequence[EvalCase],
    results: Sequence[Result],
    manifest: Manifest,
    *,
    categories: Mapping[str, str] | None = None,
    resamples: int = 1000,
) -> dict[str, Any]:
    scheme = scheme_of(manifest)
    base = [r for r in results if r.check == "base" and r.repeat == 0]
    unscored = [r for r in results if r.grade is None]
    return {
        "run": manifest.model_dump(),
        "counts": {
            "cases": len(cases),
            "variants": len({r.variant for r in results}),
            "grades": len(results) - len(unscored),
            "unscored": len(unscored),
            "errors": sorted({r.error for r in unscored if r.error})[:10],
        },
        "agreement": grader_agreement(base, scheme, seed=manifest.seed, resamples=resamples),
        "review": review_figures(base, scheme),
        "raters": humans_beside_grader(cases, base, scheme),
        "repeats": consistency.repeats(results, scheme, manifest.repeats),
        "paraphrase": consistency.paraphrase(results, scheme),
        "format": consistency.invariance(results, scheme, "format"),
        "order": consistency.invariance(results, scheme, "order"),
        "injection": robustness.inflation(results, scheme, "injection", categories),
        "clean_mentions": robustness.clean_mentions(results, scheme),
        "verbosity": robustness.inflation(results, scheme, "verbosity"),
    }
