"""An outage ends in one typed error within the configured timeout, saying when to try again."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.llm.conftest import MODEL, Provider, Sleeps
from tutor.errors import LLM_RETRY_AFTER, LLMUnavailableError
from tutor.llm import Gateway, Message

ASK = [Message(role="user", content="Explain temperature.")]


class _Stalled(httpx.AsyncByteStream):
    """A body that sends ``first`` and then nothing, without closing the connection."""

    def __init__(self, first: bytes = b"") -> None:
        self.first = first

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if self.first:
            yield self.first
        await asyncio.sleep(3600)
        yield b""


async def _hang(_: httpx.Request) -> httpx.Response:
    await asyncio.sleep(3600)
    raise AssertionError("unreachable")


async def test_a_429_s_retry_after_is_what_the_client_is_told(provider: Provider) -> None:
    gateway = Gateway(MODEL, max_retries=1, sleep=Sleeps())
    provider.route().mock(
        return_value=provider.error(429, "rate limited", headers={"retry-after": "12.5"})
    )

    with pytest.raises(LLMUnavailableError) as caught:
        await gateway.complete(ASK, prompt="explain@1")

    assert caught.value.retry_after == 13


async def test_an_outage_without_retry_after_tells_the_default(provider: Provider) -> None:
    gateway = Gateway(MODEL, max_retries=0, sleep=Sleeps())
    provider.route().mock(return_value=provider.error(500, "internal error"))

    with pytest.raises(LLMUnavailableError) as caught:
        await gateway.complete(ASK, prompt="explain@1")

    assert caught.value.retry_after == LLM_RETRY_AFTER


async def test_a_provider_that_never_answers_times_out_and_is_retried(provider: Provider) -> None:
    sleeps = Sleeps()
    gateway = Gateway(MODEL, max_retries=1, sleep=sleeps, timeout=0.3)
    provider.route().mock(side_effect=_hang)
    started = time.monotonic()

    with pytest.raises(LLMUnavailableError, match="timeout"):
        await gateway.complete(ASK, prompt="explain@1")

    assert len(sleeps) == 1  # tried twice (respx counts a call only once it is answered)
    assert time.monotonic() - started < 3


async def test_a_stream_that_stalls_midway_ends_with_llm_unavailable(provider: Provider) -> None:
    gateway = Gateway(MODEL, max_retries=0, timeout=2)
    first_event = provider.sse(["Part one. ", "Part two."]).content.split(b"\n\n")[1] + b"\n\n"
    stalled = httpx.Response(
        200, stream=_Stalled(first_event), headers={"content-type": "text/event-stream"}
    )
    provider.route().mock(return_value=stalled)
    received: list[str] = []
    waited = time.monotonic()

    with pytest.raises(LLMUnavailableError, match="sent nothing for 2 s"):
        async for delta in gateway.stream(ASK, prompt="explain@1"):
            received.append(delta)
            waited = time.monotonic()

    assert received == ["Part one. "]
    assert 1.5 < time.monotonic() - waited < 4


async def test_a_stream_of_malformed_json_ends_with_llm_unavailable(provider: Provider) -> None:
    gateway = Gateway(MODEL, max_retries=0)
    good = provider.sse(["Part one. "]).content.split(b"\n\n")[1] + b"\n\n"
    body = good + b'data: {"id": "chatcmpl-test", "choices": [{"delta": \n\n'
    provider.route().mock(
        return_value=httpx.Response(
            200, content=body, headers={"content-type": "text/event-stream"}
        )
    )

    with pytest.raises(LLMUnavailableError, match="stopped in the middle"):
        [d async for d in gateway.stream(ASK, prompt="explain@1")]
