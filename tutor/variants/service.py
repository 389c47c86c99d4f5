"""The review queue: generate and validate variants, store them as drafts, publish or reject.

The CLI and the API both call this service. With ``TUTOR_MODEL`` set it generates with the
model and checks keys with a blind solver; without, it uses the offline templates and the
embedding key check. Either way the same validator runs.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from tutor.config import Settings
from tutor.corpus import Corpus
from tutor.errors import ConfigurationError
from tutor.retrieval import PassageIndex
from tutor.store import Database, VariantRecord, VariantStatus, add_variant, list_variants
from tutor.variants import review
from tutor.variants.keys import EmbeddingKeyChecker
from tutor.variants.models import Generator, KeyChecker, VariantReport
from tutor.variants.novelty import NoveltyIndex
from tutor.variants.offline import OfflineGenerator
from tutor.variants.pipeline import generate_variants
from tutor.variants.validation import Thresholds, Validator


@dataclass(frozen=True)
class GenerationOutcome:
    """The stored drafts, and the report they came from (with the rejection counts)."""

    records: list[VariantRecord]
    report: VariantReport


class VariantService:
    def __init__(
        self,
        *,
        corpus: Corpus,
        index: PassageIndex,
        database: Database,
        generator: Generator,
        key_checker: KeyChecker,
        thresholds: Thresholds | None = None,
        novelty: NoveltyIndex | None = None,
    ) -> None:
        self.corpus = corpus
        self.index = index
        self.database = database
        self.generator = generator
        self.thresholds = thresholds or Thresholds()
        self.novelty = NoveltyIndex(index.embedder) if novelty is None else novelty
        self.validator = Validator(index, self.novelty, key_checker, self.thresholds)
        self._lock = asyncio.Lock()

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        corpus: Corpus,
        index: PassageIndex,
        database: Database,
        novelty: NoveltyIndex | None = None,
    ) -> VariantService:
        """The model's generator and solver when ``TUTOR_MODEL`` is set, else offline ones."""
        generator: Generator
        checker: KeyChecker
        thresholds = Thresholds()
        if settings.model:
            from tutor.llm import Gateway
            from tutor.prompts import PromptLibrary
            from tutor.variants.llm import LLMGenerator, SolverKeyChecker

            gateway = Gateway.from_settings(settings)
            library = PromptLibrary.from_settings(settings)
            generator = LLMGenerator(gateway, library)
            checker = SolverKeyChecker(gateway, library, index.embedder, thresholds=thresholds)
        else:
            generator = OfflineGenerator()
            checker = EmbeddingKeyChecker(index.embedder, thresholds)
        return cls(
            corpus=corpus, index=index, database=database, generator=generator,
            key_checker=checker, thresholds=thresholds, novelty=novelty,
        )  # fmt: skip

    async def generate(self, item_id: str, n: int, *, seed: int = 0) -> GenerationOutcome:
        """Validated variants of an item, stored as drafts for review."""
        lesson, item = self.corpus.item(item_id)
        async with self._lock:  # two runs at once could each accept the same new question
            await asyncio.to_thread(self._refresh_known)
            report = await generate_variants(
                item, n, lesson=lesson, generator=self.generator, validator=self.validator,
                seed=seed,
            )  # fmt: skip
            records = await asyncio.to_thread(self._store, report)
        return GenerationOutcome(records, report)

    def queue(self, status: VariantStatus | None = None) -> list[VariantRecord]:
        return review.review_queue(self.database, status)

    def publish(self, variant_id: str) -> VariantRecord:
        return review.publish(self.database, variant_id)

    def reject(self, variant_id: str) -> VariantRecord:
        return review.reject(self.database, variant_id)

    def _refresh_known(self) -> None:
        """Every corpus item and stored variant in the novelty index (embedded once each)."""
        if self.index.count() == 0:
            raise ConfigurationError(
                "the passage index is empty, so variants cannot be checked for grounding: "
                "run `tutor index` first"
            )
        self.novelty.add_many((f"item:{i.id}", i) for _, i in self.corpus.items())
        self.novelty.add_many(
            (f"variant:{r.id}", r.item)
            for r in list_variants(self.database)
            if f"variant:{r.id}" not in self.novelty
        )

    def _store(self, report: VariantReport) -> list[VariantRecord]:
        records = []
        for variant in report.accepted:
            record = add_variant(
                self.database, report.parent_id, variant.item.model_dump(mode="json"),
                provenance=variant.provenance,
            )  # fmt: skip
            self.novelty.add(f"variant:{record.id}", variant.item)
            records.append(record)
        return records
