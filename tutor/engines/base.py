"""The engine seam: what explaining, following up and hinting need, and what they give back.

The tutoring services decide *what* to do (retrieve, check coverage, check citations, check
hints for leaks, remember the dialogue); an engine only writes the text. Both engines get the
same inputs and return the same shapes, so every reply says which engine and prompt made it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from tutor.corpus import Item, Lesson
from tutor.retrieval import Hit

FollowUpKind = Literal["why", "clarify", "more"]
Speaker = Literal["learner", "tutor"]


@dataclass(frozen=True)
class Draft:
    """An engine's text before the service checks it; ``cited`` are the ids it claims to use."""

    text: str
    engine: str  # "offline", or the model that answered
    prompt: str  # name@version of the prompt (or offline template) that produced it
    cited: tuple[str, ...] = ()
    covered: bool = True


@dataclass
class Streamed:
    """A reply that arrives in pieces; nothing is sent to a model until ``deltas`` is read.

    ``engine`` may change while the deltas are read (a fallback model answered): read it after.
    """

    engine: str
    prompt: str
    deltas: AsyncIterator[str]


@dataclass(frozen=True)
class Turn:
    role: Speaker
    content: str


@dataclass(frozen=True)
class AttemptContext:
    """The learner's latest practice attempt; ``item`` is None for an item not in the corpus."""

    item_id: str
    stem: str
    response: str
    verdict: str | None
    item: Item | None = None


@dataclass(frozen=True)
class FollowUp:
    """A question that continues the conversation ("why?", "what do you mean by X?")."""

    question: str
    kind: FollowUpKind
    term: str | None  # the X of "what do you mean by X?"
    history: tuple[Turn, ...]
    attempt: AttemptContext | None
    passages: tuple[Hit, ...]
    topic: str = ""  # what the conversation is about: the last standalone question, the lesson


@dataclass(frozen=True)
class HintRequest:
    lesson: Lesson
    item: Item
    level: int  # 1 a nudge, 2 a strategy, 3 a worked step
    attempt: str | None = None


class Engine(Protocol):
    """Writes explanations, follow-up answers and hints. ``name`` is "offline" or the model."""

    @property
    def name(self) -> str: ...

    async def explain(self, question: str, passages: Sequence[Hit]) -> Draft: ...

    async def follow_up(self, request: FollowUp) -> Streamed: ...

    async def hint(self, request: HintRequest) -> Draft: ...


async def chunked(text: str, size: int = 6) -> AsyncIterator[str]:
    """A finished text as a stream of a few words at a time (for replies made in one piece)."""
    words = text.split(" ")
    for start in range(0, len(words), size):
        piece = " ".join(words[start : start + size])
        yield piece if start + size >= len(words) else piece + " "
