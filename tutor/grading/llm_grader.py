"""Grading through the LLM gateway with ``prompts/grade_answer.v2.md.j2``, by majority vote.

The prompt is rendered with the rubric (references, solution steps, common mistakes) and the
item's graded examples (``rubric.EXAMPLES_IN_PROMPT``); the learner's answer reaches it only
through ``learner_text``. The gateway returns a validated :class:`GradeOutput` (repairing an
invalid reply once) at temperature 0.

Samples: ``TUTOR_GRADE_SAMPLES`` = n sends n requests per answer. Identical requests would come
back from the gateway's cache as one reply, so sample k > 0 reads and writes that cache under
keys salted with k: every sample is a real call once, and a rerun costs nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
import statistics
from collections import Counter
from collections.abc import Sequence
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from tutor.config import Settings
from tutor.errors import PromptError
from tutor.grading.models import Feedback, Flag, Grade, GradeRequest, Verdict
from tutor.grading.rubric import RANK, within_rubric
from tutor.llm import CachedReply, Gateway, ResponseCache, UsageLedger
from tutor.prompts import PromptLibrary
from tutor.store import Database

PROMPT = ("grade_answer", 2)  # v2: v1 plus the "sandwich" reminder
REVIEW_BELOW = 0.5  # needs_review when the vote's confidence is lower
Unit = Annotated[float, Field(ge=0.0, le=1.0)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GraderFlag(StrEnum):
    """The flags a model may raise (the prompt describes these four, and only these)."""

    EMPTY = Flag.EMPTY.value
    OFF_TOPIC = Flag.OFF_TOPIC.value
    INJECTION_SUSPECTED = Flag.INJECTION_SUSPECTED.value
    NEEDS_REVIEW = Flag.NEEDS_REVIEW.value


class FeedbackOutput(_Strict):
    correct: list[str]
    missing: list[str]
    next_step: str
    text: str


class GradeOutput(_Strict):
    """A ``Grade`` without ``engine`` and ``prompt``; every field required (strict schema)."""

    verdict: Verdict
    score: Unit
    feedback: FeedbackOutput
    mistakes: list[str]
    confidence: Unit
    flags: list[GraderFlag]

    def to_grade(self, engine: str, prompt: str) -> Grade:
        return Grade(
            verdict=self.verdict, score=self.score,
            feedback=Feedback.model_validate(self.feedback.model_dump()),
            mistakes=self.mistakes, confidence=self.confidence,
            flags=list(dict.fromkeys(Flag(f.value) for f in self.flags)), engine=engine,
            prompt=prompt,
        )  # fmt: skip


class SampleCache:
    """A response cache in which sample ``k`` > 0 has keys of its own."""

    def __init__(self, cache: ResponseCache, sample: int) -> None:
        self._cache, self._sample = cache, sample

    def _key(self, key: str) -> str:
        return hashlib.sha256(f"{key}#grade-sample={self._sample}".encode()).hexdigest()

    def get(self, key: str) -> CachedReply | None:
        return self._cache.get(self._key(key))

    def put(self, key: str, reply: CachedReply) -> None:
        self._cache.put(self._key(key), reply)


def vote(grades: Sequence[Grade]) -> Grade:
    """The majority verdict (a tie goes to the lower one) with its median-scored sample.

    Confidence is the majority's mean confidence times its share of the votes; flags raised
    by any sample are kept, and a split or unsure vote needs review.
    """
    counts = Counter(g.verdict for g in grades)
    winner = max(counts, key=lambda v: (counts[v], -RANK[v]))
    majority = [g for g in grades if g.verdict is winner]
    median = statistics.median(g.score for g in majority)
    chosen = min(majority, key=lambda g: abs(g.score - median))
    share = len(majority) / len(grades)
    confidence = round(statistics.fmean(g.confidence for g in majority) * share, 4)
    flags = list(dict.fromkeys(f for g in grades for f in g.flags))
    if confidence < REVIEW_BELOW or (flags and Flag.NEEDS_REVIEW not in flags):
        flags.append(Flag.NEEDS_REVIEW)
    return chosen.model_copy(
        update={"score": round(median, 4), "confidence": confidence, "flags": flags}
    )


class LLMGrader:
    """One gateway per sample; ``grade`` renders the prompt and votes over the samples."""

    def __init__(
        self, gateways: Sequence[Gateway], library: PromptLibrary, version: int = PROMPT[1]
    ) -> None:
        if not gateways:
            raise ValueError("an LLM grader needs at least one gateway")
        self.gateways = list(gateways)
        self.library = library
        self.template = library.get(PROMPT[0], version)
        if self.template.header.output != GradeOutput.__name__:
            raise PromptError(f"prompt {self.template.ref} does not declare output GradeOutput")

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        ledger: UsageLedger | None = None,
        database: Database | None = None,
    ) -> LLMGrader:
        """``database``: where the reply cache lives (by default the configured database)."""
        ledger = ledger if ledger is not None else UsageLedger()
        gateways = [Gateway.from_settings(settings, ledger=ledger, database=database)]
        shared = gateways[0].cache  # one cache (one database engine) for every sample
        for sample in range(1, settings.grade_samples):
            gateway = Gateway.from_settings(settings, ledger=ledger)
            gateway.cache = None if shared is None else SampleCache(shared, sample)
            gateways.append(gateway)
        return cls(gateways, PromptLibrary.from_settings(settings))

    @property
    def name(self) -> str:
        return self.gateways[0].model

    @property
    def api_base(self) -> str | None:
        return self.gateways[0].api_base

    @property
    def prompt(self) -> str:
        return self.template.ref

    @property
    def samples(self) -> int:
        return len(self.gateways)

    async def grade(self, request: GradeRequest) -> Grade:
        """``request.examples`` go into the prompt as they are (the service picks them)."""
        rendered = self.library.render(
            self.template.header.name,
            self.template.header.version,
            question=request.question,
            references=request.references,
            answer=request.answer,
            common_mistakes=request.common_mistakes,
            solution_steps=request.solution_steps,
            examples=[e.model_dump() for e in request.examples],
        )
        replies = await asyncio.gather(
            *(g.structured(rendered.messages, GradeOutput, prompt=rendered.ref, temperature=0.0)
              for g in self.gateways)
        )  # fmt: skip
        grades = [within_rubric(r.output.to_grade(r.model, rendered.ref), request) for r in replies]
        return vote(grades)
