"""What a grade looks like, for every engine: the API returns it, the CLI prints it with
``--json``, batch grading writes it and the eval harness reads it."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Unit = Annotated[float, Field(ge=0.0, le=1.0)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Verdict(StrEnum):
    CORRECT = "correct"
    PARTIALLY_CORRECT = "partially_correct"
    INCORRECT = "incorrect"


class Flag(StrEnum):
    EMPTY = "empty"  # blank, no letters or digits, or only "I don't know"
    OFF_TOPIC = "off_topic"  # unrelated to both the question and the reference answer
    INJECTION_SUSPECTED = "injection_suspected"  # the answer talks to the grader
    # Another language, or not words: the offline grader cannot judge it (it reads English).
    UNREADABLE = "unreadable"
    NEEDS_REVIEW = "needs_review"  # a teacher should look: low confidence or a flag above
    # The model could not grade (outage, refusal, invalid reply): the offline grader did.
    # Only the service sets it; a model's reply may carry the four flags above (GraderFlag).
    LLM_UNAVAILABLE = "llm_unavailable"


class GradedExample(Strict):
    """An answer to the same question that a person (or a dataset) already graded."""

    answer: str
    score: Unit


class Feedback(Strict):
    """What is right, what is missing, and one next step; ``text`` says all three in prose."""

    correct: list[str] = Field(default_factory=list)
    missing: list[str] = Field(default_factory=list)
    next_step: str
    text: str


class Grade(Strict):
    verdict: Verdict
    score: Unit
    feedback: Feedback
    mistakes: list[str] = Field(
        default_factory=list, description="the item's common mistakes that the answer shows"
    )
    confidence: Unit
    flags: list[Flag] = Field(default_factory=list)
    engine: str = Field(description="'offline' or the model that graded")
    prompt: str = Field(description="name@version of the prompt or grader artifact used")


class GradeRequest(Strict):
    """One answer to grade, with everything the grader may compare it against."""

    question: str
    references: list[str] = Field(min_length=1)
    answer: str
    examples: list[GradedExample] = Field(default_factory=list)
    common_mistakes: list[str] = Field(default_factory=list)
    solution_steps: list[str] = Field(default_factory=list)
