"""How many offline template variants pass validation, per lesson, and how far they move.

    yields = await lesson_yields(corpus, index)
    yields[0].accepted, yields[0].candidates, yields[0].similarity_median

Every item's whole template pool goes through the same :class:`Validator` as ``tutor variants
ITEM`` (the offline key check), against the corpus's items and the variants accepted earlier in
the run; nothing is stored. How far an accepted variant moves from its parent is measured two
ways: the cosine similarity of the two questions as a learner sees them (stem and options,
embedded as the novelty check embeds them: 1.0 is the same question) and the share of the
variant's words its parent does not use. ``tutor variants report`` prints it.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from statistics import median

from tutor.corpus import Corpus, Item, Lesson
from tutor.engines.lexicon import terms
from tutor.errors import ConfigurationError
from tutor.retrieval import PassageIndex
from tutor.variants import text
from tutor.variants.keys import EmbeddingKeyChecker
from tutor.variants.novelty import NoveltyIndex
from tutor.variants.offline import OfflineGenerator, build_candidates
from tutor.variants.pipeline import MAX_N, generate_variants
from tutor.variants.validation import Thresholds, Validator


@dataclass(frozen=True)
class LessonYield:
    lesson_id: str
    items: int
    candidates: int  # template variants validated
    accepted: int
    items_with_variant: int  # items with at least one accepted variant
    rejected: dict[str, int]  # reason -> count
    by_kind: dict[str, tuple[int, int]]  # transformation -> (accepted, tried)
    similarities: tuple[float, ...] = field(repr=False)  # each accepted variant to its parent
    new_words: tuple[float, ...] = field(repr=False)  # share of its words the parent lacks

    @property
    def rate(self) -> float | None:
        return self.accepted / self.candidates if self.candidates else None

    @property
    def similarity_median(self) -> float | None:
        return median(self.similarities) if self.similarities else None

    @property
    def new_words_median(self) -> float | None:
        return median(self.new_words) if self.new_words else None

    def as_json(self) -> dict[str, object]:
        return {
            "lesson": self.lesson_id,
            "items": self.items,
            "candidates": self.candidates,
            "accepted": self.accepted,
            "rate": self.rate,
            "items_with_variant": self.items_with_variant,
            "rejected": self.rejected,
            "by_kind": {k: {"accepted": a, "tried": t} for k, (a, t) in self.by_kind.items()},
            "similarity_to_parent": {
                "median": self.similarity_median,
                "min": min(self.similarities, default=None),
                "max": max(self.similarities, default=None),
            },
            "new_words_median": self.new_words_median,
        }


async def lesson_yields(
    corpus: Corpus, index: PassageIndex, *, seed: int = 0, lessons: Sequence[str] = ()
) -> list[LessonYield]:
    """Each lesson's (or each of ``lessons``') template variants through the validator."""
    if index.count() == 0:
        raise ConfigurationError(
            "the passage index is empty, so variants cannot be checked for grounding: "
            "run `tutor index` first"
        )
    for lesson_id in lessons:
        corpus.lesson(lesson_id)  # a NotFoundError for an unknown lesson
    thresholds = Thresholds()
    novelty = NoveltyIndex(index.embedder)
    await asyncio.to_thread(novelty.add_many, ((f"item:{i.id}", i) for _, i in corpus.items()))
    validator = Validator(index, novelty, EmbeddingKeyChecker(index.embedder, thresholds))
    generator = OfflineGenerator()
    out = []
    for lesson in corpus.lessons.values():
        if lessons and lesson.id not in lessons:
            continue
        tried = accepted = with_variant = 0
        rejected: Counter[str] = Counter()
        kinds: dict[str, list[int]] = {}
        similarities: list[float] = []
        new_words: list[float] = []
        for item in lesson.items:
            report = await generate_variants(
                item, MAX_N, lesson=lesson, generator=generator, validator=validator, seed=seed
            )
            tried += report.tried
            accepted += len(report.accepted)
            with_variant += bool(report.accepted)
            rejected.update(report.rejected)
            for variant in report.accepted:
                kind = kinds.setdefault(str(variant.provenance["transformation"]), [0, 0])
                kind[0] += 1
            for kind_name, count in _tried_by_kind(report.tried, lesson, item, seed).items():
                kinds.setdefault(kind_name, [0, 0])[1] += count
            variants = [v.item for v in report.accepted]
            similarities += await asyncio.to_thread(_similarities, index, item, variants)
            new_words += [_new_words(item, v) for v in variants]
        out.append(
            LessonYield(
                lesson.id, len(lesson.items), tried, accepted, with_variant,
                dict(sorted(rejected.items())),
                {k: (a, t) for k, (a, t) in sorted(kinds.items())},
                tuple(similarities), tuple(new_words),
            )
        )  # fmt: skip
    return out


def _tried_by_kind(tried: int, lesson: Lesson, item: Item, seed: int) -> Counter[str]:
    """The transformations of the first ``tried`` candidates (the pool is deterministic)."""
    return Counter(c.transformation for c in build_candidates(lesson, item, seed)[:tried])


def _similarities(index: PassageIndex, parent: Item, variants: Sequence[Item]) -> list[float]:
    if not variants:
        return []
    vectors = index.embedder.embed([text.question_text(i) for i in (parent, *variants)])
    return [round(float(v @ vectors[0]), 4) for v in vectors[1:]]


def _new_words(parent: Item, variant: Item) -> float:
    mine = terms(text.question_text(variant))
    return round(len(mine - terms(text.question_text(parent))) / len(mine), 4) if mine else 0.0
