"""The LLM engine: the prompt files rendered and sent through the gateway.

Explanations use ``explain@1`` with structured output (:class:`Explanation`); follow-ups use
``followup_why`` as streamed text; hints use ``hint@1`` as plain text. Learner text reaches the
prompts only through their ``learner_text`` filter; passages through ``passage``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from tutor.corpus import Item, ItemType
from tutor.engines.base import Draft, FollowUp, HintRequest, Streamed
from tutor.errors import PromptError
from tutor.llm import Gateway
from tutor.prompts import PromptLibrary
from tutor.retrieval import Hit

EXPLAIN = ("explain", 1)
FOLLOW_UP = ("followup_why", 2)
HINT = ("hint", 1)


class Explanation(BaseModel):
    """What ``explain@1`` must return (strict JSON schema: every field required)."""

    model_config = ConfigDict(extra="forbid")

    answer: str = Field(description="The explanation, citing passage ids in square brackets.")
    citations: list[str] = Field(description="Every passage id cited in the answer.")
    covered: bool = Field(description="False when the passages do not answer the question.")


class LLMEngine:
    def __init__(self, gateway: Gateway, library: PromptLibrary) -> None:
        self.gateway = gateway
        self.library = library
        output = library.get(*EXPLAIN).header.output
        if output != Explanation.__name__:
            raise PromptError(f"prompt explain@1 declares output {output!r}, not 'Explanation'")

    @property
    def name(self) -> str:
        return self.gateway.model

    async def explain(self, question: str, passages: Sequence[Hit]) -> Draft:
        rendered = self.library.render(*EXPLAIN, question=question, passages=_passages(passages))
        reply = await self.gateway.structured(rendered.messages, Explanation, prompt=rendered.ref)
        out = reply.output
        return Draft(out.answer, reply.model, rendered.ref, tuple(out.citations), out.covered)

    async def follow_up(self, request: FollowUp) -> Streamed:
        attempt = request.attempt
        rendered = self.library.render(
            *FOLLOW_UP,
            question=request.question,
            history=[{"role": t.role, "content": t.content} for t in request.history],
            last_attempt=None
            if attempt is None
            else {
                "item": attempt.stem,
                "response": attempt.response,
                "verdict": attempt.verdict or "not graded yet",
            },
            passages=_passages(request.passages),
        )
        streamed = Streamed(engine=self.gateway.model, prompt=rendered.ref, deltas=_no_deltas())

        def answered_by(model: str) -> None:
            streamed.engine = model

        streamed.deltas = self.gateway.stream(
            rendered.messages, prompt=rendered.ref, on_model=answered_by
        )
        return streamed

    async def hint(self, request: HintRequest) -> Draft:
        rendered = self.library.render(
            *HINT,
            stem=_stem_with_options(request.item),
            level=request.level,
            answer=_answer(request.item),
            attempt=request.attempt,
        )
        reply = await self.gateway.complete(rendered.messages, prompt=rendered.ref)
        return Draft(reply.text.strip(), reply.model, rendered.ref)


async def _no_deltas() -> AsyncIterator[str]:
    return
    yield


def _passages(hits: Sequence[Hit]) -> list[dict[str, Any]]:
    return [{"id": h.passage_id, "text": h.text} for h in hits]


def _stem_with_options(item: Item) -> str:
    if item.type is not ItemType.MULTIPLE_CHOICE:
        return item.stem
    options = "\n".join(f"{o.key}. {o.text}" for o in item.options)
    return f"{item.stem}\n\nOptions:\n{options}"


def _answer(item: Item) -> str:
    if item.type is ItemType.MULTIPLE_CHOICE and item.answer_key:
        return f"{item.answer_key}. {item.answer}"
    return item.answer
