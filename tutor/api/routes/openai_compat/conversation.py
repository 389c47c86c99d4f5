"""From OpenAI messages to a tutor reply: the question, earlier turns, the lesson scope."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from tutor.api.routes.openai_compat.numbering import Numbering, estimate_tokens, restore
from tutor.api.routes.openai_compat.wire import (
    MAX_QUESTION,
    MODEL,
    ChatCompletionRequest,
    TutorExtras,
    WireError,
)
from tutor.corpus import Corpus
from tutor.engines import chunked
from tutor.store import add_message, find_continued_session
from tutor.tutoring import Citation, Tutor

# --- answering ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Turn:
    role: Literal["user", "assistant"]
    text: str
    citations: Sequence[Citation] = ()


class Conversation:
    """A request read as the tutor sees it: the question, the turns before it, the lesson."""

    def __init__(self, body: ChatCompletionRequest, corpus: Corpus) -> None:
        turns = [(m.role, m.text()) for m in body.messages]
        spoken = [(role, text.strip()) for role, text in turns if role in ("user", "assistant")]
        spoken = [(role, text) for role, text in spoken if text]
        if not any(role == "user" for role, _ in spoken):
            raise WireError("no user message: the last message must be the learner's question")
        if spoken[-1][0] != "user":
            raise WireError("the last message must be the learner's (role 'user')")
        self.question = spoken[-1][1]
        if len(self.question) > MAX_QUESTION:
            raise WireError(f"the question is longer than {MAX_QUESTION} characters")
        self.history = [
            Turn("assistant", *restore(text, corpus)) if role == "assistant" else Turn("user", text)
            for role, text in spoken[:-1]
        ]
        self.lesson = _lesson_of(body.model, set(corpus.lessons))
        self.prompt_tokens = sum(estimate_tokens(text) + 4 for _, text in turns) + 3


def _lesson_of(model: str, lessons: set[str]) -> str | None:
    """None for ``tutor`` (every lesson), the lesson id for ``tutor/<lesson id>``; any other
    name is OpenAI's 404 ``model_not_found``, listing the models this service serves."""
    prefix = MODEL + "/"
    if model == MODEL:
        return None
    lesson = model[len(prefix) :] if model.startswith(prefix) else None
    if lesson is None or lesson not in lessons:
        served = ", ".join(repr(m) for m in [MODEL, *(prefix + x for x in sorted(lessons))])
        raise WireError(
            f"The model {model!r} does not exist. This service serves {MODEL!r} (every lesson) "
            f"and {prefix}<lesson id> (one lesson): {served} (GET /v1/models lists them)",
            status=404, code="model_not_found", param="model",
        )  # fmt: skip
    return lesson


@dataclass(frozen=True)
class Finished:
    citations: Sequence[Citation]
    engine: str
    prompt: str
    covered: bool
    session: str | None = None


@dataclass
class Reply:
    """The tutor's answer to one request, renumbered as it streams (or all at once).

    ``finished`` tells what the service made of the whole reply once ``pieces`` is read.
    """

    deltas: AsyncIterator[str]
    numbering: Numbering
    finished: Callable[[], Finished]

    async def pieces(self) -> AsyncIterator[str]:
        async for delta in self.deltas:
            if text := self.numbering.feed(delta):
                yield text
        if text := self.numbering.flush():
            yield text

    def extras(self) -> TutorExtras:
        done = self.finished()
        sources = self.numbering.sources(done.citations)
        return TutorExtras(
            engine=done.engine,
            prompt=done.prompt,
            covered=done.covered,
            citations=sources,
            session=done.session,
        )


async def start_reply(tutor: Tutor, talk: Conversation, learner_id: str | None) -> Reply:
    """Everything that can fail with a plain HTTP error happens here, before any text is sent."""
    if not talk.history:
        answer = await tutor.explain(talk.question, talk.lesson)
        done = Finished(answer.citations, answer.engine, answer.prompt, answer.covered)
        return Reply(chunked(answer.answer), Numbering(answer.citations), lambda: done)
    session_id = await _continued_session(tutor, talk, learner_id)
    if session_id is None:
        session_id = (await tutor.create_session(talk.lesson, learner_id)).id

        def replay() -> None:
            for turn in talk.history:
                cited = [c.as_dict() for c in turn.citations]
                add_message(tutor.database, session_id, turn.role, turn.text, citations=cited)

        await asyncio.to_thread(replay)
    pending = await tutor.start_turn(session_id, talk.question)

    def finished() -> Finished:
        turn = pending.reply
        if turn is None:
            raise RuntimeError("the reply was read before it finished")
        message = turn.message
        citations = [Citation(**c) for c in message.citations]
        engine = message.engine or tutor.engine.name
        return Finished(citations, engine, message.prompt or "", turn.covered, session_id)

    allowed = [Citation.of(hit) for hit in pending.retrieved.passages]
    return Reply(pending.deltas(), Numbering(allowed), finished)


async def _continued_session(
    tutor: Tutor, talk: Conversation, learner_id: str | None
) -> str | None:
    """The stored session this request continues (its history is that session's messages), so
    a client resending the whole conversation talks in one session instead of a new one per
    request. Only for a learner: keys without one do not share sessions."""
    if learner_id is None:
        return None
    turns = [(turn.role, turn.text) for turn in talk.history]
    return await asyncio.to_thread(
        find_continued_session, tutor.database, learner_id, talk.lesson, turns
    )
