"""OpenAI's chat-completions wire format over the tutor, so chat UIs and the openai SDK can use it.

    POST /v1/chat/completions   the last user message is the question; earlier user and
                                assistant messages are the conversation so far
    GET  /v1/models             "tutor" (all lessons) and "tutor/<lesson id>" (one lesson)

A lone question is answered like ``/v1/explain``. With earlier turns, a new tutoring session is
opened, the turns are stored in it, and the question goes down the session's follow-up path, so
"why?" works as it does on the chat page. The model is ``tutor`` (all lessons) or
``tutor/<lesson id>`` (retrieval scoped to that lesson); any other name (``gpt-4``) is a 404
``model_not_found`` listing these, as OpenAI answers an unknown model. System and developer
messages are ignored: the tutor's own prompts decide how it answers.

The reply's citations become ``[n]`` markers with a "Sources" list (and, for programs, the same
citations under ``tutor``); token counts are estimates (about four characters a token). Errors
in this family use OpenAI's shape, ``{"error": {"message", "type", "code", "param"}}``.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from tutor import __version__
from tutor.api.auth import PrincipalDep
from tutor.api.deps import CorpusDep, TutorDep
from tutor.api.openapi import BACKEND, OpenAIErrorBody, error_responses
from tutor.api.routes.openai_compat.conversation import Conversation, Reply, start_reply
from tutor.api.routes.openai_compat.numbering import estimate_tokens, sources_text
from tutor.api.routes.openai_compat.wire import (
    MODEL,
    OWNER,
    AssistantMessage,
    ChatCompletion,
    ChatCompletionRequest,
    Choice,
    ModelCard,
    ModelList,
    OpenAIRoute,
    Usage,
    error_body,
)
from tutor.errors import TutorError

logger = logging.getLogger("tutor.api")

router = APIRouter(prefix="/v1", tags=["openai-compatible"], route_class=OpenAIRoute)

# --- the routes --------------------------------------------------------------------------------


@router.get("/models")
def list_models(corpus: CorpusDep) -> ModelList:
    created = int(time.time())
    names = [MODEL, *(f"{MODEL}/{lesson_id}" for lesson_id in corpus.lessons)]
    return ModelList(data=[ModelCard(id=n, created=created, owned_by=OWNER) for n in names])


@router.post(
    "/chat/completions",
    response_model=None,
    responses=error_responses(400, *BACKEND, body=OpenAIErrorBody),
)
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
