"""The checks every candidate passes before it is kept, cheapest first.

1. schema: it is a valid corpus ``Item`` (the generator already tried to build one);
2. concept: it is on exactly the parent's concepts;
3. novelty: its normalised question is new (hash), and no known question is nearly the same
   (embedding similarity below ``near_duplicate``);
4. grounding: searching the parent's lesson with its stem and answer finds a passage at least
   ``grounding`` similar;
5. key: the :class:`KeyChecker` confirms the answer key without trusting it.

The first failing check names the rejection. Thresholds are calibrated for the offline
MiniLM embedder on the starter corpus (see docs/design/variants.md).
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass
from typing import Any

from tutor.corpus import Item, Lesson
from tutor.retrieval import PassageIndex
from tutor.variants import text
from tutor.variants.models import Candidate, KeyChecker, Reason, Verdict
from tutor.variants.novelty import NoveltyIndex


@dataclass(frozen=True)
class Thresholds:
    # Real items score 0.33-0.83 against their lesson, off-topic text 0.05-0.10.
    grounding: float = 0.25
    # A one-word edit scores >= 0.976 (median 0.998); distinct corpus items <= 0.73.
    near_duplicate: float = 0.985
    # Correct option's similarity to the parent's answer minus the best distractor's.
    key_margin: float = 0.05
    # A free-text variant's answer against the parent's answer (offline).
    answer_similarity: float = 0.9
    # A solver's free-text answer against the variant's key (LLM path).
    solver_agreement: float = 0.6


class Validator:
    def __init__(
        self,
        index: PassageIndex,
        novelty: NoveltyIndex,
        key_checker: KeyChecker,
        thresholds: Thresholds | None = None,
    ) -> None:
        self.index = index
        self.novelty = novelty
        self.key_checker = key_checker
        self.thresholds = thresholds or Thresholds()

    async def validate(self, lesson: Lesson, parent: Item, candidate: Candidate) -> Verdict:
        item = candidate.item
        if item is None:
            return Verdict(Reason.INVALID_SCHEMA, {}, candidate.error or "not a valid item")
        scores: dict[str, Any] = {}
        if sorted(item.concepts) != sorted(parent.concepts):
            return Verdict(
                Reason.CONCEPT_CHANGED, scores, f"concepts {item.concepts} != {parent.concepts}"
            )
        novelty = await asyncio.to_thread(self.novelty.check, item)
        scores["novelty"] = {"nearest": novelty.nearest, "similarity": novelty.similarity}
        if novelty.duplicate_of is not None:
            return Verdict(Reason.DUPLICATE, scores, f"same question as {novelty.duplicate_of}")
        if novelty.similarity >= self.thresholds.near_duplicate:
            return Verdict(Reason.NEAR_DUPLICATE, scores, f"too close to {novelty.nearest}")
        grounding, passage = await asyncio.to_thread(self._grounding, lesson, item)
        scores["grounding"] = {"score": grounding, "passage": passage}
        if grounding < self.thresholds.grounding:
            return Verdict(Reason.UNGROUNDED, scores, f"best passage scores {grounding}")
        key = await self.key_checker.check(lesson, parent, item)
        scores["key"] = {"method": key.method, "score": key.score, **key.details}
        if not key.confirmed:
            return Verdict(Reason.KEY_NOT_CONFIRMED, scores, f"{key.method} disagrees with the key")
        return Verdict(None, scores)

    def settings(self) -> dict[str, Any]:
        """What the checks ran with, for provenance."""
        return {"embedder": self.index.embedder.name, "thresholds": asdict(self.thresholds)}

    def _grounding(self, lesson: Lesson, item: Item) -> tuple[float, str | None]:
        hits = self.index.search(text.grounding_text(item), k=1, lesson=lesson.id)
        return (hits[0].score, hits[0].passage_id) if hits else (0.0, None)
