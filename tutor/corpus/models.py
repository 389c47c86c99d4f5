"""The lesson format: what a file under ``corpus/`` may say, checked strictly."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=80)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Section(StrEnum):
    """Kinds of passage, following the shape of a lesson page."""

    BIG_IDEA = "big_idea"
    SCENARIO = "scenario"
    PROBLEM = "problem"
    SOLUTION = "solution"
    BEFORE_AFTER = "before_after"
    WHAT_IT_ENABLES = "what_it_enables"
    REAL_EXAMPLE = "real_example"
    KEY_TAKEAWAYS = "key_takeaways"
    EXPLANATION = "explanation"


class Difficulty(StrEnum):
    EASY = "easy"
    MEDIUM = "medium"
    HARD = "hard"


class ItemType(StrEnum):
    MULTIPLE_CHOICE = "multiple_choice"
    FREE_TEXT = "free_text"


class Concept(Strict):
    id: Slug
    name: Text
    description: str = ""
    prerequisites: list[Slug] = Field(default_factory=list)


class Passage(Strict):
    """One retrievable piece of a lesson; ``id`` defaults to the section name."""

    id: Slug | None = None
    section: Section
    title: str = ""
    concepts: list[Slug] = Field(default_factory=list)
    text: Text

    @property
    def slug(self) -> str:
        return self.id or self.section.value.replace("_", "-")


class Option(Strict):
    key: Annotated[str, StringConstraints(pattern=r"^[A-Z]$")]
    text: Text


class SolutionStep(Strict):
    title: str = ""
    text: Text


class GradedAnswer(Strict):
    """A learner-style answer to a free-text item and the score a teacher gives it (0-1).

    The grader compares new answers with these (the offline grader's neighbour features, the
    LLM's few-shot examples): 5-20 per item, right, partly right and wrong, are worth most.
    """

    answer: Text
    score: float = Field(ge=0.0, le=1.0)


class Item(Strict):
    """A practice item with its canonical answer and the material to teach from it."""

    id: Slug
    concepts: list[Slug] = Field(min_length=1)
    difficulty: Difficulty
    type: ItemType
    stem: Text
    options: list[Option] = Field(default_factory=list)
    answer_key: str | None = None
    answer: Text
    solution_steps: list[SolutionStep] = Field(default_factory=list)
    hints: list[Text] = Field(default_factory=list)
    common_mistakes: list[Text] = Field(default_factory=list)
    graded_answers: list[GradedAnswer] = Field(default_factory=list)

    @model_validator(mode="after")
    def _answer_matches_type(self) -> Item:
        if self.type is ItemType.MULTIPLE_CHOICE:
            keys = [o.key for o in self.options]
            if len(keys) < 2:
                raise ValueError("a multiple_choice item needs at least two options")
            if len(set(keys)) != len(keys):
                raise ValueError(f"option keys repeat: {keys}")
            if self.answer_key not in keys:
                raise ValueError(f"answer_key {self.answer_key!r} is not one of the options {keys}")
            chosen = next(o.text for o in self.options if o.key == self.answer_key)
            if _norm(chosen) != _norm(self.answer):
                raise ValueError(
                    f"answer does not match the text of option {self.answer_key}: {chosen!r}"
                )
            if self.graded_answers:
                raise ValueError(
                    "graded_answers are for free_text items: a multiple_choice answer is graded "
                    "by its option"
                )
        elif self.options or self.answer_key is not None:
            raise ValueError("a free_text item has no options and no answer_key")
        return self

    @property
    def correct_option(self) -> Option | None:
        return next((o for o in self.options if o.key == self.answer_key), None)


class Lesson(Strict):
    id: Slug
    title: Text
    topic: Text
    summary: str = ""
    concepts: list[Concept] = Field(min_length=1)
    passages: list[Passage] = Field(min_length=1)
    items: list[Item] = Field(default_factory=list)

    @model_validator(mode="after")
    def _references_resolve(self) -> Lesson:
        concept_ids = {c.id for c in self.concepts}
        _unique("concept id", [c.id for c in self.concepts])
        _unique(
            "passage id (set `id` on passages that share a section)",
            [p.slug for p in self.passages],
        )
        _unique("item id", [i.id for i in self.items])
        for passage in self.passages:
            _unique(f"concept in passage {passage.slug}", passage.concepts)
        for item in self.items:
            _unique(f"concept in item {item.id}", item.concepts)
        for where, refs in [
            *((f"passage {p.slug}", p.concepts) for p in self.passages),
            *((f"item {i.id}", i.concepts) for i in self.items),
        ]:
            unknown = sorted(set(refs) - concept_ids)
            if unknown:
                raise ValueError(f"{where} names concepts not declared in the lesson: {unknown}")
        return self

    def passage_id(self, passage: Passage) -> str:
        """Stable across re-indexing: lesson id + passage slug."""
        return f"{self.id}/{passage.slug}"


def _unique(what: str, values: list[str]) -> None:
    seen: set[str] = set()
    dupes = sorted({v for v in values if v in seen or seen.add(v)})  # type: ignore[func-returns-value]
    if dupes:
        raise ValueError(f"duplicate {what}: {dupes}")


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().rstrip(".").lower()
