"""Tutoring sessions: each learner message is answered in the context of the earlier turns.

``Dialogue.start`` does everything that can fail with a plain error before any text exists
(unknown session, retrieval); the returned :class:`PendingTurn` then produces the reply as
text deltas and, once they are read to the end, stores both messages and sets ``reply``.

- A standalone question is explained like ``/v1/explain`` (structured for an LLM).
- A follow-up ("why?", "what do you mean by X?", "and for JSON?") is answered by the engine's
  ``follow_up`` (streamed for an LLM) from passages retrieved for the dialogue: the question
  followed up, the tutor's last answer and the new message, weighed by what each names.
- A practice attempt is context only in its item's practice session, or when the learner
  names or quotes it, and recent (:mod:`~tutor.tutoring.attempts`); then the reply is checked
  against that item's answer before any of it is sent, and leaking sentences are taken out.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from tutor.corpus import Corpus
from tutor.engines import AttemptContext, Engine, FollowUp, chunked
from tutor.retrieval import Embedder
from tutor.store import ChatSessionRecord, Database, MessageRecord, add_message
from tutor.tutoring import explain, memory
from tutor.tutoring.attempts import attempt_in_context
from tutor.tutoring.citations import check_citations
from tutor.tutoring.context import LessonRef, Retrieved, Retriever
from tutor.tutoring.followups import (
    Classified,
    classify,
    content_words,
    dialogue_query,
    followed_question,
    topic,
)
from tutor.tutoring.leak import AnswerGuard, guard_for, redact

logger = logging.getLogger("tutor.tutoring")


@dataclass(frozen=True)
class TurnReply:
    message: MessageRecord
    covered: bool
    invalid_citations: int
    nearest_lessons: tuple[LessonRef, ...]
    leak_blocked: bool = False


@dataclass
class PendingTurn:
    engine: Engine
    database: Database
    session: ChatSessionRecord
    question: str
    classified: Classified
    history: list[MessageRecord]
    attempt: AttemptContext | None
    retrieved: Retrieved
    guard: AnswerGuard | None
    reply: TurnReply | None = field(default=None, init=False)

    async def deltas(self) -> AsyncIterator[str]:
        """The reply's text in pieces; the stored reply may differ where a check removed text."""
        live = False  # deltas are sent as the model writes them
        if not self.retrieved.covered or self.classified.kind is None:
            result = await explain.answer(self.engine, self.retrieved, self.question)
            text, engine, prompt = result.answer, result.engine, result.prompt
            citations, invalid, covered = result.citations, result.invalid_citations, result.covered
        else:
            streamed = await self.engine.follow_up(self._follow_up())
            live = self.guard is None
            parts: list[str] = []
            async for delta in streamed.deltas:
                parts.append(delta)
                if live:
                    yield delta
            checked = check_citations("".join(parts), (), self.retrieved.passages)
            text, engine, prompt = checked.text, streamed.engine, streamed.prompt
            citations, invalid = checked.citations, checked.invalid
            covered = explain.NOT_COVERED.lower() not in text.lower()
        leaked = False
        if self.guard is not None:
            text, leaked = redact(text, self.guard, _fallback(self.attempt))
            if leaked:
                citations = check_citations(text, (), self.retrieved.passages).citations
        if not live:
            async for delta in chunked(text):
                yield delta
        cited = [c.as_dict() for c in citations]
        message = await asyncio.to_thread(self._store, text, engine, prompt, cited)
        self.reply = TurnReply(message, covered, invalid, self.retrieved.nearest_lessons, leaked)
        logger.info(
            "turn session=%s kind=%s engine=%s prompt=%s covered=%s citations=%d "
            "invalid_citations=%d leak_blocked=%s",
            self.session.id, self.classified.kind or "explain", engine, prompt, covered,
            len(cited), invalid, leaked,
        )  # fmt: skip

    def _follow_up(self) -> FollowUp:
        return FollowUp(
            question=self.question,
            kind=self.classified.kind or "more",
            term=self.classified.term,
            history=memory.turns(self.history),
            attempt=self.attempt,
            passages=self.retrieved.passages,
            topic=topic(self.history),
        )

    def _store(self, text: str, engine: str, prompt: str, citations: list[Any]) -> MessageRecord:
        add_message(self.database, self.session.id, "user", self.question)
        return add_message(
            self.database,
            self.session.id,
            "assistant",
            text,
            engine=engine,
            prompt=prompt,
            citations=citations,
        )


@dataclass
class Dialogue:
    engine: Engine
    retriever: Retriever
    database: Database
    corpus: Corpus
    embedder: Embedder | None = None
    history_turns: int = 10

    async def start(self, session: ChatSessionRecord, question: str) -> PendingTurn:
        return await asyncio.to_thread(self._start, session, question)

    async def send(self, session: ChatSessionRecord, question: str) -> TurnReply:
        pending = await self.start(session, question)
        async for _ in pending.deltas():
            pass
        assert pending.reply is not None
        return pending.reply

    def _start(self, session: ChatSessionRecord, question: str) -> PendingTurn:
        past = memory.history(self.database, session.id, self.history_turns)
        attempt = attempt_in_context(self.database, self.corpus, session, past, question)
        # a practice attempt is context too: "why was mine wrong?" may open a session
        classified = classify(question, bool(past) or attempt is not None)
        about = " ".join(part for part in (topic(past), attempt.stem if attempt else "") if part)
        if classified.kind:  # searched with the dialogue, not the bare "why?"
            stem = attempt.stem if attempt else ""
            query = dialogue_query(question, classified, past, stem)
            followed = followed_question(past)
            asked = f"{question} {followed if content_words(followed) else stem}".strip()
            retrieved = self.retriever.retrieve_weighted(
                query.parts, session.lesson_id, asked, query.prefer, query.term
            )
        else:
            retrieved = self.retriever.retrieve(question, session.lesson_id)
        if classified.kind is None and about and not retrieved.covered:
            with_topic = self.retriever.retrieve(f"{question} {about}", session.lesson_id)
            if with_topic.covered:  # a follow-up none of the patterns caught
                classified, retrieved = Classified("more"), with_topic
        guard = None
        if attempt is not None and attempt.item is not None:
            lesson, item = self.corpus.item(attempt.item.id)
            guard = guard_for(lesson, item, self.embedder)
        return PendingTurn(
            self.engine, self.database, session, question, classified, past, attempt, retrieved,
            guard,
        )  # fmt: skip


def _fallback(attempt: AttemptContext | None) -> str:
    item = attempt.item if attempt else None
    where = f" for {item.id}" if item else ""
    return (
        f"That would give away the answer to the practice item{where}, so I will leave the "
        "last step to you. Ask for a hint on the item if you would like a nudge."
    )
