"""The shapes that cross the gateway: chat messages in, validated completions out."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

Role = Literal["system", "user", "assistant"]

# "name@version", e.g. "explain@1": every call says which prompt file produced it.
PROMPT_REF = re.compile(r"^[a-z][a-z0-9_]*@[1-9][0-9]*$")

T = TypeVar("T", bound=BaseModel)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Message(Strict):
    role: Role
    content: str


class ChatRequest(Strict):
    """Everything that decides a reply, apart from which model gives it."""

    prompt: str = Field(pattern=PROMPT_REF.pattern)
    messages: tuple[Message, ...] = Field(min_length=1)
    temperature: float = Field(default=0.0, ge=0.0, le=2.0)
    max_tokens: int | None = Field(default=None, ge=1)
    response_format: dict[str, Any] | None = None

    def cache_key(self, model: str, api_base: str | None = None) -> str:
        """sha256 over the model, the API base (when one is set), the prompt ref, the rendered
        messages and every parameter."""
        payload = {"v": 1, "model": model, **self.model_dump(mode="json")}
        if api_base:
            payload["api_base"] = api_base
        blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def followed_by(self, *messages: Message) -> ChatRequest:
        return self.model_copy(update={"messages": (*self.messages, *messages)})


class TokenUsage(Strict):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    # of ``prompt_tokens``, those the provider read from its prompt cache (a prefix it had
    # seen: OpenAI's ``prompt_tokens_details.cached_tokens``), billed at its cached price
    cached_prompt_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def __add__(self, other: TokenUsage) -> TokenUsage:
        return TokenUsage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            cached_prompt_tokens=self.cached_prompt_tokens + other.cached_prompt_tokens,
        )


class Completion(Strict):
    """A text reply. ``cost_usd`` is what this call spent: 0 when cached, None when unknown."""

    text: str
    model: str
    prompt: str
    usage: TokenUsage
    cost_usd: float | None
    cached: bool


class StructuredCompletion(Strict, Generic[T]):
    """A reply validated into ``output``; usage and cost add up every call it took."""

    output: T
    text: str
    model: str
    prompt: str
    usage: TokenUsage
    cost_usd: float | None
    cached: bool
    repaired: bool = False
