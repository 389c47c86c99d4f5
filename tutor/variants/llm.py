"""Variants with a model: ``variant_generate@1`` proposes, ``solve_item@1`` checks the key.

The solver never sees the key or the canonical answer. It answers each variant ``samples``
times as separate requests (numbered, so a response cache cannot collapse them into one);
for multiple choice each attempt sees the options rotated and relabelled, so a preference
for a position cannot pass as agreement. The key is confirmed when a strict majority of the
attempts agree with it: the same option, or (free text) an answer that embeds at least
``solver_agreement`` close to the canonical answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from tutor.corpus import Item, ItemType, Lesson
from tutor.llm import Gateway
from tutor.prompts import PromptLibrary
from tutor.retrieval import Embedder
from tutor.variants.drafts import Solution, VariantBatch, to_candidate
from tutor.variants.models import Candidate, GenerationRequest, KeyCheck
from tutor.variants.validation import Thresholds

GENERATE = ("variant_generate", 1)
SOLVE = ("solve_item", 1)
KEYS = "ABCDEFGH"


def lesson_passages(lesson: Lesson) -> list[dict[str, str]]:
    return [{"id": lesson.passage_id(p), "text": p.text} for p in lesson.passages]


class LLMGenerator:
    def __init__(self, gateway: Gateway, library: PromptLibrary, temperature: float = 0.8):
        self.gateway = gateway
        self.library = library
        self.temperature = temperature
        self.prompt = library.get(*GENERATE).ref

    @property
    def engine(self) -> str:
        return self.gateway.model

    async def candidates(self, request: GenerationRequest) -> Sequence[Candidate]:
        item, lesson = request.item, request.lesson
        concepts = {c.id: c for c in lesson.concepts}
        rendered = self.library.render(
            *GENERATE,
            lesson_title=lesson.title,
            concepts=[
                {"name": concepts[c].name, "description": concepts[c].description}
                for c in item.concepts
            ],
            item=item.model_dump(mode="json"),
            passages=lesson_passages(lesson),
            n=request.n,
        )
        reply = await self.gateway.structured(
            rendered.messages, VariantBatch, prompt=rendered.ref, temperature=self.temperature
        )
        return [to_candidate(item, draft) for draft in reply.output.variants]


class SolverKeyChecker:
    method = "solver"

    def __init__(
        self,
        gateway: Gateway,
        library: PromptLibrary,
        embedder: Embedder,
        *,
        samples: int = 3,
        temperature: float = 0.7,
        thresholds: Thresholds | None = None,
    ) -> None:
        self.gateway = gateway
        self.library = library
        self.embedder = embedder
        self.samples = samples
        self.temperature = temperature
        self.thresholds = thresholds or Thresholds()
        self.prompt = library.get(*SOLVE).ref

    async def check(self, lesson: Lesson, parent: Item, variant: Item) -> KeyCheck:
        answers = await asyncio.gather(
            *(self._solve(lesson, variant, s) for s in range(self.samples))
        )
        if variant.type is ItemType.MULTIPLE_CHOICE:
            agree = [a == variant.answer_key for a in answers]
            details: dict[str, Any] = {"answers": list(answers)}
        else:
            vectors = await asyncio.to_thread(self.embedder.embed, [variant.answer, *answers])
            sims = [round(float(v @ vectors[0]), 4) for v in vectors[1:]]
            agree = [s >= self.thresholds.solver_agreement for s in sims]
            details = {"answer_similarities": sims}
        votes = sum(agree)
        details |= {"votes": votes, "samples": self.samples, "prompt": self.prompt}
        details["model"] = self.gateway.model
        share = round(votes / self.samples, 4)
        return KeyCheck(votes * 2 > self.samples, share, self.method, details)

    async def _solve(self, lesson: Lesson, variant: Item, sample: int) -> str:
        """One blind attempt; for multiple choice, the original key of the option chosen."""
        options = variant.options[sample % max(len(variant.options), 1) :]
        options = [*options, *variant.options[: len(variant.options) - len(options)]]
        shown = {KEYS[n]: o for n, o in enumerate(options)}
        rendered = self.library.render(
            *SOLVE,
            question=variant.stem,
            options=[{"key": key, "text": o.text} for key, o in shown.items()],
            passages=lesson_passages(lesson),
            sample=sample + 1,
            samples=self.samples,
        )
        reply = await self.gateway.structured(
            rendered.messages, Solution, prompt=rendered.ref, temperature=self.temperature
        )
        answer = reply.output.answer.strip()
        if variant.type is ItemType.FREE_TEXT:
            return answer
        letter = answer[:1].upper()
        chosen = shown.get(letter) if len(answer) == 1 or answer[1:2] in ".): " else None
        return chosen.key if chosen else f"?{answer[:20]}"
