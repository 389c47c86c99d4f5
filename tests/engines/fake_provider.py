"""The OpenAI chat endpoint, mocked with respx: replies chosen by what each request asks for.

A request with ``stream`` gets the next queued stream, one with ``response_format`` the next
queued JSON reply, any other the next queued text. Every request is kept for assertions.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.provider_replies import chat_completion

CHAT_URL = "https://api.openai.com/v1/chat/completions"
MODEL = "openai/gpt-4o-mini"
DUMMY_KEY = "sk-test-not-a-real-key-1234567890"


class FakeOpenAI:
    def __init__(self) -> None:
        self.structured: list[dict[str, Any]] = []
        self.texts: list[str] = []
        self.streams: list[list[str] | httpx.Response] = []
        self.requests: list[dict[str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body: dict[str, Any] = json.loads(request.content)
        self.requests.append(body)
        if body.get("stream"):
            queued = self.streams.pop(0)
            return queued if isinstance(queued, httpx.Response) else _sse(queued)
        if body.get("response_format"):
            return _chat(json.dumps(self.structured.pop(0)))
        return _chat(self.texts.pop(0))

    def messages(self, index: int = -1) -> list[dict[str, str]]:
        messages: list[dict[str, str]] = self.requests[index]["messages"]
        return messages


def _usage() -> dict[str, int]:
    return {"prompt_tokens": 20, "completion_tokens": 5, "total_tokens": 25}


def _chat(text: str) -> httpx.Response:
    return chat_completion(text)


def _chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "created": 1_700_000_000,
        "model": "gpt-4o-mini",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def _sse(deltas: list[str]) -> httpx.Response:
    events = [_chunk({"role": "assistant", "content": ""})]
    events += [_chunk({"content": d}) for d in deltas]
    events.append(_chunk({}, "stop"))
    events.append({**_chunk({}), "choices": [], "usage": _usage()})
    text = "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"
    return httpx.Response(200, text=text, headers={"content-type": "text/event-stream"})


class _CutOff(httpx.AsyncByteStream):
    """An event stream whose connection drops after its first events."""

    def __init__(self, first: bytes) -> None:
        self.first = first

    async def __aiter__(self):  # type: ignore[no-untyped-def]
        yield self.first
        raise httpx.ReadError("connection dropped")


def cut_off(deltas: list[str]) -> httpx.Response:
    """A streamed reply that sends ``deltas`` and then loses its connection."""
    whole = _sse(deltas).content
    first = b"".join(e + b"\n\n" for e in whole.split(b"\n\n")[: 1 + len(deltas)])
    return httpx.Response(200, stream=_CutOff(first), headers={"content-type": "text/event-stream"})
