"""OpenAI's wire shapes (requests, replies, model cards) and its error format."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, Literal

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field

from tutor.api.errors import challenge
from tutor.api.schemas import CitationPublic, Public
from tutor.errors import TutorError

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
    include_usage: bool = Field(default=False, strict=True)


class ChatCompletionRequest(_Lenient):
    model: str = Field(min_length=1, max_length=200)
    messages: list[WireMessage] = Field(min_length=1, max_length=500)
    stream: bool = Field(default=False, strict=True)
    stream_options: StreamOptions | None = None
    n: int = Field(default=1, ge=1, le=1, strict=True)


class AssistantMessage(Public):
    role: Literal["assistant"] = "assistant"
    content: str
    refusal: None = None


class Choice(Public):
    index: int = 0
    message: AssistantMessage
    logprobs: None = None
    finish_reason: Literal["stop"] = "stop"


class Usage(Public):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class CitedSource(CitationPublic):
    """A cited passage with the number ``[n]`` the reply's text uses for it."""

    n: int


class TutorExtras(Public):
    """What an OpenAI client ignores but a program may want: engine, prompt and sources."""

    engine: str
    prompt: str
    covered: bool
    citations: list[CitedSource]
    session: str | None = Field(
        description="The tutoring session that now holds the conversation; null for a lone "
        "question, which is answered like /v1/explain and not stored."
    )


class ChatCompletion(Public):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    system_fingerprint: str
    choices: list[Choice]
    usage: Usage
    tutor: TutorExtras


class ModelCard(Public):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str


class ModelList(Public):
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
            headers: dict[str, str] = {}
            try:
                return await handler(request)
            except RequestValidationError as exc:
                error = _validation_error(exc)
            except WireError as exc:
                error = exc
            except TutorError as exc:
                error = WireError(exc.message, status=exc.status_code, code=exc.code)
                headers = challenge(exc)
            body = error_body(error.message, error.status, error.code, error.param)
            return JSONResponse(body, status_code=error.status, headers=headers)

        return route
