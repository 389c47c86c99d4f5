"""OpenAI's chat-completions wire format over the tutor, so chat UIs and the openai SDK can use it.

    POST /v1/chat/completions   the last user message is the question; earlier user and
                                assistant messages are the conversation so far
    GET  /v1/models             "tutor" (all lessons) and "tutor/<lesson id>" (one lesson)

A lone question is answered like ``/v1/explain``. With earlier turns, a new tutoring session is
opened, the turns are stored in it, and the question goes down the session's follow-up path, so
"why?" works as it does on the chat page. Any model name is accepted: ``tutor/<lesson id>``
scopes retrieval to that lesson, any other name means all lessons. System and developer
messages are ignored: the tutor's own prompts decide how it answers.

The reply's citations become ``[n]`` markers with a "Sources" list (and, for programs, the same
citations under ``tutor``); token counts are estimates (about four characters a token). Errors
in this family use OpenAI's shape, ``{"error": {"message", "type", "code", "param"}}``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import re
import time
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field

from tutor import __version__
from tutor.api.auth import PrincipalDep
from tutor.api.deps import CorpusDep, TutorDep
from tutor.corpus import Corpus
from tutor.engines import chunked
from tutor.errors import TutorError
from tutor.store import add_message
from tutor.tutoring import Citation, Tutor

logger = logging.getLogger("tutor.api")
MODEL = "tutor"
MAX_QUESTION = 2000  # characters, as for the sessions API
OWNER = "tutor"

# --- the wire shapes -------------------------------------------------------------------------


class _Lenient(BaseModel):
    # Not extra="forbid": OpenAI clients send sampling settings (temperature, top_p, max_tokens,
    # tools, ...) that a grounded tutor does not use, and refusing them would break the clients.
    model_config = ConfigDict(extra="ignore")


class ContentPart(_Lenient):
    type: str
    text: str | None = None


class WireMessage(_Lenient):
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[ContentPart] | None = None

    def text(self) -> str:
        if self.content is None or isinstance(self.content, str):
            return self.content or ""
        if any(part.type != "text" for part in self.content):
            raise WireError("only text content is supported", param="messages")
        return "\n".join(part.text or "" for part in self.content)


class StreamOptions(_Lenient):
    include_usage: bool = False


class ChatCompletionRequest(_Lenient):
    model: str = Field(min_length=1, max_length=200)
    messages: list[WireMessage] = Field(min_length=1, max_length=500)
    stream: bool = False
    stream_options: StreamOptions | None = None
    n: int = Field(default=1, ge=1, le=1)


class _Public(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AssistantMessage(_Public):
    role: Literal["assistant"] = "assistant"
    content: str
    refusal: None = None


class Choice(_Public):
    index: int = 0
    message: AssistantMessage
    logprobs: None = None
    finish_reason: Literal["stop"] = "stop"


class Usage(_Public):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class CitedSource(_Public):
    n: int
    passage_id: str
    lesson_id: str
    lesson_title: str
    title: str
    section: str
    text: str
    score: float


class TutorExtras(_Public):
    """What an OpenAI client ignores but a program may want: engine, prompt and sources."""

    engine: str
    prompt: str
    covered: bool
    citations: list[CitedSource]
    session: str | None = Field(
        description="The tutoring session that now holds the conversation; null for a lone "
        "question, which is answered like /v1/explain and not stored."
    )


class ChatCompletion(_Public):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    system_fingerprint: str
    choices: list[Choice]
    usage: Usage
    tutor: TutorExtras


class ModelCard(_Public):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str


class ModelList(_Public):
    object: Literal["list"] = "list"
    data: list[ModelCard]


# --- errors in OpenAI's shape ------------------------------------------------------------------


class WireError(Exception):
    """A request this family refuses, rendered as OpenAI renders it."""

    def __init__(
        self, message: str, *, status: int = 400, code: str = "invalid_request",
        param: str | None = None,
    ) -> None:  # fmt: skip
        super().__init__(message)
        self.message, self.status, self.code, self.param = message, status, code, param


def _error_type(status: int) -> str:
    if status in (401, 403):
        return "authentication_error"
    if status == 429:
        return "rate_limit_error"
    return "invalid_request_error" if status < 500 else "server_error"


def error_body(message: str, status: int, code: str, param: str | None = None) -> dict[str, Any]:
    return {
        "error": {"message": message, "type": _error_type(status), "code": code, "param": param}
    }


def _validation_error(exc: RequestValidationError) -> WireError:
    errors = exc.errors()
    if errors and errors[0].get("type") == "json_invalid":
        reason = errors[0].get("ctx", {}).get("error", "")
        return WireError(f"the request body is not valid JSON ({reason})".replace(" ()", ""))
    first = errors[0] if errors else {"loc": (), "msg": "invalid request"}
    where = ".".join(str(p) for p in first["loc"] if p != "body")
    message = "; ".join(
        f"{'.'.join(str(p) for p in e['loc'] if p != 'body') or 'body'}: {e['msg']}"
        for e in errors[:5]
    )
    return WireError(message or "invalid request", param=where or None)


class OpenAIRoute(APIRoute):
    """Routes of this family answer errors in OpenAI's shape, not the service's own."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as exc:
                error = _validation_error(exc)
            except WireError as exc:
                error = exc
            except TutorError as exc:
                error = WireError(exc.message, status=exc.status_code, code=exc.code)
            body = error_body(error.message, error.status, error.code, error.param)
            return JSONResponse(body, status_code=error.status)

        return route


router = APIRouter(prefix="/v1", tags=["openai-compatible"], route_class=OpenAIRoute)

# --- citations as [n] ------------------------------------------------------------------------

_ID = r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+"  # a passage id, as tutor.tutoring.citations reads them
_BRACKET = re.compile(rf"(?P<lead>[ \t]?)\[\s*(?P<ids>{_ID}(?:\s*[,;]\s*{_ID})*)\s*\]")
_HOLD = 240  # characters held back while a "[" may still be opening a citation


class Numbering:
    """Rewrites ``[lesson/passage]`` citations as ``[n]``, numbered by first mention.

    Text can be fed in pieces as it streams: a piece ending inside a bracket is held back until
    the bracket closes. Ids not in ``allowed`` are dropped, as the tutoring service drops them.
    """

    def __init__(self, allowed: Iterable[Citation]) -> None:
        self.allowed = {c.passage_id: c for c in allowed}
        self.numbers: dict[str, int] = {}
        self._held = ""

    def feed(self, piece: str) -> str:
        text = self._held + piece
        cut = text.rfind("[")
        if cut < 0 or "]" in text[cut:] or len(text) - cut > _HOLD:
            cut = len(text)
        while cut > 0 and text[cut - 1] in " \t":  # the space a dropped citation takes along
            cut -= 1
        text, self._held = text[:cut], text[cut:]
        return _BRACKET.sub(self._renumber, text)

    def flush(self) -> str:
        text, self._held = self._held, ""
        return _BRACKET.sub(self._renumber, text)

    def number(self, passage_id: str) -> int:
        return self.numbers.setdefault(passage_id, len(self.numbers) + 1)

    def _renumber(self, match: re.Match[str]) -> str:
        ids = (i.strip() for i in re.split(r"[,;]", match["ids"]))
        kept = [i for i in dict.fromkeys(ids) if i in self.allowed]
        return match["lead"] + "".join(f"[{self.number(i)}]" for i in kept) if kept else ""

    def sources(self, final: Sequence[Citation] = ()) -> list[CitedSource]:
        """Every numbered citation, then any of ``final`` the text never mentioned."""
        for citation in final:
            self.allowed.setdefault(citation.passage_id, citation)
            self.number(citation.passage_id)
        return [CitedSource(n=n, **self.allowed[pid].as_dict()) for pid, n in self.numbers.items()]


def sources_text(sources: Sequence[CitedSource]) -> str:
    if not sources:
        return ""
    lines = [
        f"- [{s.n}] {s.lesson_title} — {s.title or s.section} ({s.passage_id})" for s in sources
    ]
    return "\n\nSources:\n" + "\n".join(lines)


_SOURCES_BLOCK = re.compile(r"\n\nSources:\n(?:- \[\d+\] [^\n]*(?:\n|$))+\s*$")
_SOURCE_LINE = re.compile(rf"^- \[(\d+)\] .*\(({_ID})\)$", re.MULTILINE)


def restore(text: str, corpus: Corpus) -> tuple[str, list[Citation]]:
    """An assistant turn a client sends back, as the tutor would have stored it.

    The Sources list this route added comes off and becomes the turn's citations, and its
    ``[n]`` markers become passage ids again, so the dialogue sees the turn it wrote.
    """
    block = _SOURCES_BLOCK.search(text)
    if block is None:
        return text, []
    listed = dict(_SOURCE_LINE.findall(block.group(0)))
    known = {lesson.passage_id(p): (lesson, p) for lesson, p in corpus.passages()}
    body = re.sub(
        r"\[(\d+)\]",
        lambda m: f"[{listed[m[1]]}]" if listed.get(m[1]) in known else m[0],
        text[: block.start()],
    )
    citations = [
        Citation(pid, lesson.id, lesson.title, p.title, p.section.value, p.text, 0.0)
        for pid in listed.values()
        if pid in known
        for lesson, p in [known[pid]]
    ]
    return body, citations


def estimate_tokens(text: str) -> int:
    """About four characters a token: the offline engine has no tokenizer to count with."""
    return math.ceil(len(text) / 4)


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
    prefix = MODEL + "/"
    if not model.startswith(prefix):
        return None
    lesson = model[len(prefix) :]
    if lesson not in lessons:
        raise WireError(
            f"The model {model!r} does not exist: use {MODEL!r} or {prefix}<lesson id> "
            "(GET /v1/models lists them)",
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
    session = await tutor.create_session(talk.lesson, learner_id)

    def replay() -> None:
        for turn in talk.history:
            cited = [c.as_dict() for c in turn.citations]
            add_message(tutor.database, session.id, turn.role, turn.text, citations=cited)

    await asyncio.to_thread(replay)
    pending = await tutor.start_turn(session.id, talk.question)

    def finished() -> Finished:
        turn = pending.reply
        if turn is None:
            raise RuntimeError("the reply was read before it finished")
        message = turn.message
        citations = [Citation(**c) for c in message.citations]
        engine = message.engine or tutor.engine.name
        return Finished(citations, engine, message.prompt or "", turn.covered, session.id)

    allowed = [Citation.of(hit) for hit in pending.retrieved.passages]
    return Reply(pending.deltas(), Numbering(allowed), finished)


# --- the routes --------------------------------------------------------------------------------


@router.get("/models")
def list_models(corpus: CorpusDep) -> ModelList:
    created = int(time.time())
    names = [MODEL, *(f"{MODEL}/{lesson_id}" for lesson_id in corpus.lessons)]
    return ModelList(data=[ModelCard(id=n, created=created, owned_by=OWNER) for n in names])


@router.post("/chat/completions", response_model=None)
async def chat_completions(
    body: ChatCompletionRequest, tutor: TutorDep, principal: PrincipalDep
) -> ChatCompletion | StreamingResponse:
    talk = Conversation(body, tutor.corpus)
    reply = await start_reply(tutor, talk, principal.learner_id)
    completion_id = f"chatcmpl-{uuid.uuid4().hex}"
    created = int(time.time())
    if body.stream:
        include_usage = bool(body.stream_options and body.stream_options.include_usage)
        head = Head(completion_id, created, body.model, _fingerprint(tutor.engine.name))
        events = _stream(reply, talk, head, include_usage)
        return StreamingResponse(
            events,
            media_type="text/event-stream",
            headers={"cache-control": "no-cache", "x-accel-buffering": "no"},
        )
    text = "".join([piece async for piece in reply.pieces()])
    extras = reply.extras()
    content = text.rstrip() + sources_text(extras.citations)
    completion_tokens = estimate_tokens(content)
    return ChatCompletion(
        id=completion_id,
        created=created,
        model=body.model,
        system_fingerprint=_fingerprint(extras.engine),
        choices=[Choice(message=AssistantMessage(content=content))],
        usage=Usage(
            prompt_tokens=talk.prompt_tokens,
            completion_tokens=completion_tokens,
            total_tokens=talk.prompt_tokens + completion_tokens,
        ),
        tutor=extras,
    )


def _fingerprint(engine: str) -> str:
    return f"tutor-{__version__}-{engine}"


def _event(payload: dict[str, Any]) -> str:
    return f"data: {json.dumps(payload, ensure_ascii=False, separators=(',', ':'))}\n\n"


@dataclass(frozen=True)
class Head:
    """What every chunk of one streamed completion repeats."""

    id: str
    created: int
    model: str
    system_fingerprint: str

    def chunk(self, choices: list[dict[str, Any]], **extra: Any) -> str:
        return _event(
            {"id": self.id, "object": "chat.completion.chunk", "created": self.created,
             "model": self.model, "system_fingerprint": self.system_fingerprint,
             "choices": choices, **extra}
        )  # fmt: skip


async def _stream(
    reply: Reply, talk: Conversation, head: Head, include_usage: bool
) -> AsyncIterator[str]:
    def chunk(delta: dict[str, str], finish: str | None = None, **extra: Any) -> str:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        return head.chunk([choice], **extra)

    yield chunk({"role": "assistant", "content": ""})
    written: list[str] = []
    try:
        async for piece in reply.pieces():
            written.append(piece)
            yield chunk({"content": piece})
        extras = reply.extras()
    except TutorError as exc:  # headers are sent: the error goes in the stream, as OpenAI's does
        yield _event(error_body(exc.message, exc.status_code, exc.code))
        return
    except Exception:
        logger.exception("a streamed chat completion failed (%s)", head.id)
        yield _event(error_body("the reply failed; try again", 500, "internal_error"))
        return
    if sources := sources_text(extras.citations):
        written.append(sources)
        yield chunk({"content": sources})
    yield chunk({}, "stop", tutor=extras.model_dump(mode="json"))
    if include_usage:
        completion_tokens = estimate_tokens("".join(written))
        usage = Usage(
            prompt_tokens=talk.prompt_tokens,
            completion_tokens=completion_tokens,
            total_tokens=talk.prompt_tokens + completion_tokens,
        )
        yield head.chunk([], usage=usage.model_dump())
    yield "data: [DONE]\n\n"
