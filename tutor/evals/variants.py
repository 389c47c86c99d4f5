"""What gets graded: every case as it is (``base``), plus the variants of each check.

- ``paraphrase``: offline rewrites (synonyms, clause order, contractions) of sampled answers;
- ``format``: the same answers in lower case, upper case and with odd whitespace;
- ``order``: the rubric (references, common mistakes, solution steps) in another order;
- ``injection``: each attack template around a few answers humans marked wrong;
- ``verbosity``: wrong answers padded with true sentences that answer nothing.

Variant ids are stable (``<case>~<check>:<rule>``), so reruns resume and runs compare.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from tutor.evals.attacks import Attack
from tutor.evals.cases import EvalCase, Scheme, truth
from tutor.evals.rewrite import FORMATS, PARAPHRASES
from tutor.grading.models import GradeRequest

CHECKS = ("paraphrase", "format", "order", "injection", "verbosity")


@dataclass(frozen=True)
class Variant:
    id: str
    case: EvalCase
    check: str
    rule: str
    request: GradeRequest
    truth: float | None


@dataclass(frozen=True)
class Plan:
    checks: frozenset[str] = frozenset(CHECKS)
    sample: int | None = 200  # answers per robustness check (None: all)
    per_attack: int = 3  # wrong answers each attack is wrapped around
    pad_sentences: int = 3
    seed: int = 0
    attacks: Sequence[Attack] = field(default_factory=list)
    padding: Sequence[str] = field(default_factory=list)


def build(cases: Sequence[EvalCase], scheme: Scheme, plan: Plan) -> list[Variant]:
    truths = {c.id: truth(c, scheme) for c in cases}
    out = [Variant(c.id, c, "base", "", c.request(), truths[c.id]) for c in cases]
    usable = [c for c in cases if truths[c.id] is not None and c.kind == "answer"]
    wrong = [c for c in usable if scheme.is_wrong(truths[c.id] or 0.0)]
    picked, picked_wrong = _sample(usable, plan), _sample(wrong, plan)

    def add(case: EvalCase, check: str, rule: str, request: GradeRequest) -> None:
        out.append(
            Variant(f"{case.id}~{check}:{rule}", case, check, rule, request, truths[case.id])
        )

    for check, rules in (("paraphrase", PARAPHRASES), ("format", FORMATS)):
        if check in plan.checks:
            for case in picked:
                for name, rewrite in rules.items():
                    if (text := rewrite(case.answer)) is not None:
                        add(case, check, name, case.request(text))
    if "order" in plan.checks:
        for case in picked:
            if (request := _reordered(case, plan.seed)) is not None:
                add(case, "order", "rubric_order", request)
    if "injection" in plan.checks and wrong:
        ring = _shuffled(wrong, plan.seed)
        for i, attack in enumerate(plan.attacks):
            for j in range(min(plan.per_attack, len(ring))):
                case = ring[(i * plan.per_attack + j) % len(ring)]
                add(case, "injection", attack.id, case.request(attack.wrap(case.answer)))
    if "verbosity" in plan.checks and plan.padding:
        for case in picked_wrong:
            rng = random.Random(f"{plan.seed}:{case.id}")
            pads = rng.sample(list(plan.padding), min(plan.pad_sentences, len(plan.padding)))
            add(case, "verbosity", "padding", case.request(f"{case.answer} {' '.join(pads)}"))
    return out


def _shuffled(cases: Sequence[EvalCase], seed: int) -> list[EvalCase]:
    ring = list(cases)
    random.Random(seed).shuffle(ring)
    return ring


def _sample(cases: Sequence[EvalCase], plan: Plan) -> list[EvalCase]:
    if plan.sample is None or len(cases) <= plan.sample:
        return list(cases)
    keep = {c.id for c in _shuffled(cases, plan.seed)[: plan.sample]}
    return [c for c in cases if c.id in keep]


def _reordered(case: EvalCase, seed: int) -> GradeRequest | None:
    """References, common mistakes and steps shuffled (reversed if a shuffle changes nothing)."""
    rng = random.Random(f"{seed}:{case.id}:order")
    changes: dict[str, list[str]] = {}
    for name in ("references", "common_mistakes", "solution_steps"):
        items: list[str] = list(getattr(case, name))
        if len(set(items)) < 2:
            continue
        shuffled = rng.sample(items, len(items))
        changes[name] = shuffled if shuffled != items else items[::-1]
    return case.request(rubric=changes) if changes else None
