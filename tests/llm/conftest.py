"""The provider's HTTP edge is mocked with respx; nothing here reaches a network."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx

from tests.provider_replies import chat_completion
from tutor.llm import Gateway, MemoryCache

CHAT_URL = "https://api.openai.com/v1/chat/completions"
MODEL = "openai/gpt-4o-mini"
DUMMY_KEY = "sk-test-not-a-real-key-1234567890"


class Sleeps(list[float]):
    """Stands in for asyncio.sleep: remembers each delay and returns at once."""

    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


class Provider:
    """The mocked OpenAI endpoint, and the replies it can send."""

    url = CHAT_URL
    model = MODEL

    def __init__(self, router: respx.MockRouter) -> None:
        self.router = router

    def route(self, **lookups: Any) -> respx.Route:
        return self.router.post(CHAT_URL, **lookups)

    @staticmethod
    def chat(text: str, *, prompt_tokens: int = 20, completion_tokens: int = 5) -> httpx.Response:
        return chat_completion(
            text, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens
        )

    @staticmethod
    def error(status: int, message: str, headers: dict[str, str] | None = None) -> httpx.Response:
        body = {"error": {"message": message, "type": "error", "code": None}}
        return httpx.Response(status, json=body, headers=headers)

    @staticmethod
    def sse(
        deltas: list[str], *, prompt_tokens: int = 9, completion_tokens: int = 3
    ) -> httpx.Response:
        events = [_chunk({"role": "assistant", "content": ""})]
        events += [_chunk({"content": d}) for d in deltas]
        events.append(_chunk({}, "stop"))
        events.append(
            {**_chunk({}), "choices": [], "usage": _usage(prompt_tokens, completion_tokens)}
        )
        text = "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"
        return httpx.Response(200, text=text, headers={"content-type": "text/event-stream"})

    @staticmethod
    def sent(route: respx.Route, index: int = -1) -> dict[str, Any]:
        """The JSON body of one request the route received."""
        body: dict[str, Any] = json.loads(route.calls[index].request.content)
        return body


def _usage(prompt_tokens: int, completion_tokens: int) -> dict[str, int]:
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }


def _chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "created": 1_700_000_000,
        "model": "gpt-4o-mini",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


@pytest.fixture(autouse=True)
def api_key(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("OPENAI_API_KEY", DUMMY_KEY)
    return DUMMY_KEY


@pytest.fixture(autouse=True)
def provider() -> Iterator[Provider]:
    """Every test here runs inside respx: an unmocked request fails instead of leaving."""
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        yield Provider(router)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def gateway(sleeps: Sleeps) -> Gateway:
    return Gateway(MODEL, max_retries=2, cache=MemoryCache(), sleep=sleeps, timeout=7)
