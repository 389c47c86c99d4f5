"""Public shapes of the JSON API (request and response bodies)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints


class Public(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Health(Public):
    status: str
    version: str
    engine: str
    lessons: int
    indexed_passages: int


class Readiness(Public):
    status: str
    database: str
    index: str


class LessonSummary(Public):
    id: str
    title: str
    topic: str
    summary: str
    concepts: list[str]
    items: int


class PassagePublic(Public):
    id: str
    section: str
    title: str
    concepts: list[str]
    text: str


class OptionPublic(Public):
    key: str
    text: str


class ItemPublic(Public):
    """A practice item as a learner sees it: no answer, steps or common mistakes."""

    id: str
    lesson_id: str
    concepts: list[str]
    difficulty: str
    type: str
    stem: str
    options: list[OptionPublic]


class LessonDetail(LessonSummary):
    passages: list[PassagePublic]
    practice: list[ItemPublic]


class SearchRequest(Public):
    query: str = Field(min_length=1, max_length=2000)
    k: int = Field(default=5, ge=1, le=50, strict=True)
    lesson: str | None = Field(default=None, max_length=80)
    concept: str | None = Field(default=None, max_length=80)
    kind: str | None = Field(default=None, max_length=40)


class SearchHit(Public):
    passage_id: str
    lesson_id: str
    lesson_title: str
    section: str
    title: str
    concepts: list[str]
    text: str
    score: float


# -- tutoring -------------------------------------------------------------------------------

LearnerText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)
]
LessonId = Annotated[str, StringConstraints(max_length=80)]


class ExplainRequest(Public):
    question: LearnerText
    lesson: LessonId | None = None


class CitationPublic(Public):
    passage_id: str
    lesson_id: str
    lesson_title: str
    title: str
    section: str
    text: str
    score: float


class LessonRefPublic(Public):
    id: str
    title: str


class ExplainResponse(Public):
    answer: str
    citations: list[CitationPublic]
    covered: bool = Field(description="False when the course does not cover the question.")
    nearest_lessons: list[LessonRefPublic]
    invalid_citations: int = Field(description="Cited ids that were not retrieved (dropped).")
    engine: str = Field(description='"offline", or the model that answered.')
    prompt: str = Field(description="name@version of the prompt (or offline template) used.")


class SessionCreate(Public):
    lesson: LessonId | None = None
    item: LessonId | None = Field(
        default=None,
        description="A practice item: the session is about it (the item's lesson, and the "
        "learner's attempts at it are the context of its follow-ups).",
    )


class SessionPublic(Public):
    id: str
    lesson: str | None
    item: str | None = None
    created_at: datetime


class MessagePublic(Public):
    role: str
    content: str
    citations: list[CitationPublic]
    engine: str | None
    prompt: str | None
    created_at: datetime


class SessionDetail(SessionPublic):
    messages: list[MessagePublic]


class MessageCreate(Public):
    content: LearnerText
    stream: bool = Field(
        default=False,
        strict=True,
        description="Reply as text/event-stream: `delta` events, then `done` with the reply.",
    )


class TurnResponse(Public):
    reply: MessagePublic
    covered: bool


class HintCreate(Public):
    level: int = Field(  # not Literal[1, 2, 3]: a literal 1 lets a JSON true through
        ge=1,
        le=3,
        strict=True,
        json_schema_extra={"enum": [1, 2, 3]},
        description="1 a nudge, 2 a strategy, 3 a worked step.",
    )
    session: str | None = Field(default=None, max_length=64)


class HintResponse(Public):
    item_id: str
    level: int
    hint: str
    engine: str
    prompt: str
    leak_blocked: bool = Field(
        description="True when the hint gave the answer away and was replaced."
    )
