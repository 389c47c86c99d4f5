"""Public shapes of the JSON API (request and response bodies)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Public(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Health(Public):
    status: str
    version: str
    engine: str
    lessons: int
    indexed_passages: int


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
    k: int = Field(default=5, ge=1, le=50)
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
