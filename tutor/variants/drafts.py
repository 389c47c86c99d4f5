"""What the model returns: a batch of variant drafts (``variant_generate``) and a blind
solution (``solve_item``), as strict pydantic models, and drafts turned into corpus items.

Every field is required and every object closed, so the schemas qualify for OpenAI's strict
structured output. A draft never names concepts or an id: the variant keeps its parent's
concepts, and its id is derived from its question.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tutor.corpus import Item
from tutor.variants import text
from tutor.variants.models import Candidate

Transformation = Literal[
    "reworded", "new_scenario", "to_free_text", "to_multiple_choice", "new_distractors"
]


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OptionDraft(_Closed):
    key: str = Field(description="A single capital letter: A, B, C, ...")
    text: str


class VariantDraft(_Closed):
    transformation: Transformation
    type: Literal["multiple_choice", "free_text"]
    difficulty: Literal["easy", "medium", "hard"]
    stem: str
    options: list[OptionDraft] = Field(description="Empty for a free_text item.")
    answer_key: str | None = Field(description="The correct option's key; null for free_text.")
    answer: str = Field(description="The canonical answer (the correct option's exact text).")
    solution_steps: list[str]
    hints: list[str]
    common_mistakes: list[str]


class VariantBatch(_Closed):
    variants: list[VariantDraft]


class Solution(_Closed):
    reasoning: str = Field(description="Brief working, at most a few sentences.")
    answer: str = Field(description="The option letter, or the free-text answer.")


def to_candidate(parent: Item, draft: VariantDraft) -> Candidate:
    """The draft as a corpus item on the parent's concepts, or why it is not one."""
    raw = {
        "concepts": list(parent.concepts),
        "difficulty": draft.difficulty,
        "type": draft.type,
        "stem": draft.stem,
        "options": [o.model_dump() for o in draft.options],
        "answer_key": draft.answer_key or None if draft.type == "free_text" else draft.answer_key,
        "answer": draft.answer,
        "solution_steps": [{"text": s} for s in draft.solution_steps if s.strip()],
        "hints": [h for h in draft.hints if h.strip()],
        "common_mistakes": [m for m in draft.common_mistakes if m.strip()],
    }
    raw = {"id": f"{parent.id}-v{text.fingerprint(raw)[:8]}", **raw}
    try:
        return Candidate(draft.transformation, Item.model_validate(raw), raw)
    except ValidationError as exc:
        return Candidate(draft.transformation, None, raw, error=str(exc))
