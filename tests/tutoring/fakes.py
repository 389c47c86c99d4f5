"""A scripted engine for logic tests: it returns canned texts and records what it was asked."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from tutor.engines import Draft, FollowUp, HintRequest, Streamed, chunked
from tutor.retrieval import Hit


@dataclass
class ScriptedEngine:
    explanation: str = "Examples show the format [few-shot-prompting/big-idea]."
    cited: tuple[str, ...] = ()
    covered: bool = True
    follow_up_text: str = "Because the model imitates the examples."
    hint_text: str = "Think about the lesson."
    name: str = "scripted"
    calls: list[str] = field(default_factory=list)
    follow_ups: list[FollowUp] = field(default_factory=list)

    async def explain(self, question: str, passages: Sequence[Hit]) -> Draft:
        self.calls.append("explain")
        return Draft(self.explanation, self.name, "explain@1", self.cited, self.covered)

    async def follow_up(self, request: FollowUp) -> Streamed:
        self.calls.append("follow_up")
        self.follow_ups.append(request)
        return Streamed(self.name, "followup_why@2", chunked(self.follow_up_text, 2))

    async def hint(self, request: HintRequest) -> Draft:
        self.calls.append("hint")
        return Draft(self.hint_text, self.name, "hint@1")
