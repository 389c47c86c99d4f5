"""Validated variant questions: new practice items on an item's concepts, for review.

service = VariantService.from_settings(settings, corpus=corpus, index=index, database=db)
outcome = await service.generate("pb-01", 5)      # validated variants, stored as drafts
service.publish(outcome.records[0].id)

Generators (offline templates, or ``variant_generate@1``) propose candidates; the
:class:`Validator` keeps only those that are valid items on the same concepts, new, grounded
in the lesson and whose key an independent check confirms; rejections are counted by reason.
"""

from tutor.variants.keys import EmbeddingKeyChecker
from tutor.variants.llm import LLMGenerator, SolverKeyChecker
from tutor.variants.models import (
    AcceptedVariant,
    Candidate,
    GenerationRequest,
    Generator,
    KeyCheck,
    KeyChecker,
    Reason,
    VariantReport,
    Verdict,
)
from tutor.variants.novelty import Novelty, NoveltyIndex
from tutor.variants.offline import OfflineGenerator, build_candidates
from tutor.variants.pipeline import generate_variants
from tutor.variants.service import GenerationOutcome, VariantService
from tutor.variants.validation import Thresholds, Validator

__all__ = [
    "AcceptedVariant",
    "Candidate",
    "EmbeddingKeyChecker",
    "GenerationOutcome",
    "GenerationRequest",
    "Generator",
    "KeyCheck",
    "KeyChecker",
    "LLMGenerator",
    "Novelty",
    "NoveltyIndex",
    "OfflineGenerator",
    "Reason",
    "SolverKeyChecker",
    "Thresholds",
    "Validator",
    "VariantReport",
    "VariantService",
    "Verdict",
    "build_candidates",
    "generate_variants",
]
