"""``generate_variants``: propose, validate, keep at most ``n``, count every rejection."""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

from tutor.corpus import Item, Lesson
from tutor.errors import BadRequestError
from tutor.variants.models import (
    AcceptedVariant,
    Candidate,
    GenerationRequest,
    Generator,
    VariantReport,
    Verdict,
)
from tutor.variants.validation import Validator

logger = logging.getLogger("tutor.variants")
MAX_N = 10


async def generate_variants(
    item: Item,
    n: int,
    *,
    lesson: Lesson,
    generator: Generator,
    validator: Validator,
    seed: int = 0,
) -> VariantReport:
    """New questions on ``item``'s concepts that passed every check, with their provenance.

    Candidates are validated in the generator's order until ``n`` are accepted; each one
    accepted joins the novelty index at once, so two variants in a run are never near copies.
    """
    if not 1 <= n <= MAX_N:
        raise BadRequestError(f"n must be between 1 and {MAX_N}, not {n}")
    candidates = await generator.candidates(GenerationRequest(lesson, item, n, seed))
    accepted: list[AcceptedVariant] = []
    rejected: Counter[str] = Counter()
    tried = 0
    for candidate in candidates:
        if len(accepted) >= n:
            break
        tried += 1
        verdict = await validator.validate(lesson, item, candidate)
        if verdict.reason is not None:
            rejected[verdict.reason.value] += 1
            logger.info(
                "variant rejected parent=%s transformation=%s reason=%s %s",
                item.id, candidate.transformation, verdict.reason.value, verdict.message,
            )  # fmt: skip
            continue
        assert candidate.item is not None
        validator.novelty.add(f"candidate:{candidate.item.id}", candidate.item)
        provenance = _provenance(lesson, item, candidate, verdict, generator, validator, seed)
        accepted.append(AcceptedVariant(candidate.item, provenance))
    logger.info(
        "variants parent=%s engine=%s accepted=%d rejected=%s",
        item.id, generator.engine, len(accepted), dict(rejected),
    )  # fmt: skip
    return VariantReport(item.id, accepted, dict(sorted(rejected.items())), tried)


def _provenance(
    lesson: Lesson,
    parent: Item,
    candidate: Candidate,
    verdict: Verdict,
    generator: Generator,
    validator: Validator,
    seed: int,
) -> dict[str, Any]:
    assert candidate.item is not None
    offline = generator.engine == "offline"
    return {
        "parent": parent.id,
        "lesson": lesson.id,
        "transformation": candidate.transformation,
        "prompt": generator.prompt,
        "engine": generator.engine,
        "model": None if offline else generator.engine,
        "seed": seed if offline else None,
        "notes": dict(candidate.notes),
        "difficulty": {
            "label": candidate.item.difficulty.value,
            "parent": parent.difficulty.value,
            "labelled_by": "offline-templates@1 rules" if offline else generator.prompt,
        },
        "validation": {**verdict.scores, **validator.settings()},
    }
