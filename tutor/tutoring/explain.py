"""Explain: retrieve, answer from the passages, keep only citations of retrieved passages.

When nothing relevant is retrieved the engine is not called at all: the reply says honestly
that the course does not cover the question and names the nearest lessons (``not_covered@1``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from tutor.engines import Draft, Engine, OfflineEngine
from tutor.offload import offload
from tutor.tutoring.citations import Citation, check_citations
from tutor.tutoring.context import LessonRef, Retrieved, Retriever

logger = logging.getLogger("tutor.tutoring")

NOT_COVERED_PROMPT = "not_covered@1"
NOT_COVERED = "The course material I have does not cover this"


@dataclass(frozen=True)
class ExplainReply:
    answer: str
    citations: tuple[Citation, ...]
    covered: bool
    nearest_lessons: tuple[LessonRef, ...]
    invalid_citations: int
    engine: str
    prompt: str


def nearest_text(lessons: tuple[LessonRef, ...]) -> str:
    if not lessons:
        return "No lessons are indexed yet (run `tutor index`)."
    names = [f'"{lesson.title}" ({lesson.id})' for lesson in lessons]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"The lessons that come closest are {listed}."


def not_covered(retrieved: Retrieved, engine: str) -> ExplainReply:
    prefix = "Offline answer: " if engine == OfflineEngine.name else ""
    text = f"{prefix}{NOT_COVERED}, so I will not guess an answer. "
    text += nearest_text(retrieved.nearest_lessons)
    if retrieved.nearest_lessons:
        text += " You could ask about one of them, or rephrase your question in the course's terms."
    return ExplainReply(text, (), False, retrieved.nearest_lessons, 0, engine, NOT_COVERED_PROMPT)


def finish(draft: Draft, retrieved: Retrieved) -> ExplainReply:
    """Check the draft's citations against the passages it was given."""
    checked = check_citations(draft.text, draft.cited, retrieved.passages)
    text = checked.text
    if not draft.covered and retrieved.nearest_lessons:
        text = f"{text.rstrip()}\n\n{nearest_text(retrieved.nearest_lessons)}"
    reply = ExplainReply(
        answer=text,
        citations=checked.citations,
        covered=draft.covered,
        nearest_lessons=retrieved.nearest_lessons,
        invalid_citations=checked.invalid,
        engine=draft.engine,
        prompt=draft.prompt,
    )
    log(reply, retrieved)
    return reply


async def answer(engine: Engine, retrieved: Retrieved, question: str) -> ExplainReply:
    if not retrieved.covered:
        reply = not_covered(retrieved, engine.name)
        log(reply, retrieved)
        return reply
    return finish(await engine.explain(question, retrieved.passages), retrieved)


async def explain(
    engine: Engine, retriever: Retriever, question: str, lesson: str | None = None
) -> ExplainReply:
    retrieved = retriever.recalled(question, lesson)
    if retrieved is None:
        retrieved = await offload(retriever.retrieve, question, lesson)
    return await answer(engine, retrieved, question)


def log(reply: ExplainReply, retrieved: Retrieved) -> None:
    logger.info(
        "explain engine=%s prompt=%s covered=%s top_score=%.3f citations=%d invalid_citations=%d",
        reply.engine,
        reply.prompt,
        reply.covered,
        retrieved.top_score,
        len(reply.citations),
        reply.invalid_citations,
    )
