import httpx
import pytest

from tutor.errors import LLMUnavailableError
from tutor.llm import Message

ASK = [Message(role="user", content="Explain temperature.")]


async def test_stream_yields_deltas_and_records_usage(gateway, provider):
    route = provider.route().mock(
        return_value=provider.sse(["Temperature ", "controls ", "randomness."], completion_tokens=3)
    )

    deltas = [d async for d in gateway.stream(ASK, prompt="explain@1")]

    assert deltas == ["Temperature ", "controls ", "randomness."]
    body = provider.sent(route)
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    (record,) = gateway.ledger.records
    assert (record.kind, record.prompt, record.cached) == ("stream", "explain@1", False)
    assert (record.prompt_tokens, record.completion_tokens) == (9, 3)
    assert record.cost_usd and record.cost_usd > 0


async def test_a_finished_stream_is_cached(gateway, provider):
    route = provider.route().mock(return_value=provider.sse(["Once ", "only."]))
    first = [d async for d in gateway.stream(ASK, prompt="explain@1")]

    again = [d async for d in gateway.stream(ASK, prompt="explain@1")]
    completed = await gateway.complete(ASK, prompt="explain@1")

    assert route.call_count == 1
    assert "".join(again) == "".join(first) == completed.text == "Once only."
    assert completed.cached


async def test_stream_retries_before_the_first_delta(gateway, provider, sleeps):
    route = provider.route().mock(
        side_effect=[
            provider.error(429, "slow down", headers={"retry-after": "2"}),
            httpx.ConnectError("connection reset"),
            provider.sse(["ok"]),
        ]
    )

    deltas = [d async for d in gateway.stream(ASK, prompt="explain@1")]

    assert deltas == ["ok"]
    assert route.call_count == 3 and sleeps == [2.0, 2.0]


async def test_stream_that_never_starts_raises_llm_unavailable(gateway, provider):
    provider.route().mock(return_value=provider.error(502, "bad gateway"))

    with pytest.raises(LLMUnavailableError):
        [d async for d in gateway.stream(ASK, prompt="explain@1")]


class _BrokenBody(httpx.AsyncByteStream):
    """An SSE body whose connection drops after the first event."""

    def __init__(self, first: bytes) -> None:
        self.first = first

    async def __aiter__(self):  # type: ignore[override]
        yield self.first
        raise httpx.ReadError("connection dropped")


async def test_a_stream_cut_off_midway_raises_llm_unavailable_and_is_not_cached(gateway, provider):
    whole = provider.sse(["Part one. ", "Part two."]).content
    first_event = whole.split(b"\n\n")[1] + b"\n\n"
    route = provider.route().mock(
        side_effect=[
            httpx.Response(
                200, stream=_BrokenBody(first_event), headers={"content-type": "text/event-stream"}
            ),
            provider.sse(["Whole reply."]),
        ]
    )
    received: list[str] = []

    with pytest.raises(LLMUnavailableError, match="stopped in the middle"):
        async for delta in gateway.stream(ASK, prompt="explain@1"):
            received.append(delta)

    assert received == ["Part one. "]
    assert [d async for d in gateway.stream(ASK, prompt="explain@1")] == ["Whole reply."]
    assert route.call_count == 2


async def test_a_stream_abandoned_early_is_not_cached(gateway, provider):
    route = provider.route().mock(return_value=provider.sse(["First. ", "Second."]))

    async for _ in gateway.stream(ASK, prompt="explain@1"):
        break
    whole = [d async for d in gateway.stream(ASK, prompt="explain@1")]

    assert whole == ["First. ", "Second."]
    assert route.call_count == 2
    assert [r.cached for r in gateway.ledger.records] == [False]


async def test_a_stream_without_reported_usage_records_litellms_estimate(gateway, provider):
    """litellm counts the tokens itself (with its bundled tokenizer) when none are reported."""
    body = provider.sse(["No usage."]).text
    without_usage = "\n\n".join(e for e in body.split("\n\n") if '"usage"' not in e)
    provider.route().mock(
        return_value=httpx.Response(
            200, text=without_usage, headers={"content-type": "text/event-stream"}
        )
    )

    assert [d async for d in gateway.stream(ASK, prompt="explain@1")] == ["No usage."]

    (record,) = gateway.ledger.records
    assert record.prompt_tokens > 0 and record.completion_tokens > 0
    assert record.cost_usd is not None and record.cost_usd > 0


async def test_a_stream_says_which_model_answered_when_a_fallback_did(provider, sleeps):
    from tests.conftest import PROJECT_ROOT
    from tutor.engines import LLMEngine
    from tutor.engines.base import FollowUp
    from tutor.llm import Gateway, MemoryCache
    from tutor.prompts import PromptLibrary

    provider.route(json__model="gpt-4o-mini").mock(return_value=provider.error(503, "down"))
    provider.route(json__model="gpt-4o").mock(return_value=provider.sse(["From ", "the fallback."]))
    gateway = Gateway(
        "openai/gpt-4o-mini", fallbacks=["openai/gpt-4o"], max_retries=0, sleep=sleeps,
        cache=MemoryCache(),
    )  # fmt: skip
    seen: list[str] = []

    deltas = [d async for d in gateway.stream(ASK, prompt="explain@1", on_model=seen.append)]
    again = [d async for d in gateway.stream(ASK, prompt="explain@1", on_model=seen.append)]

    assert "".join(deltas) == "".join(again) == "From the fallback."
    assert seen == ["openai/gpt-4o", "openai/gpt-4o"]  # the cached reply keeps its model

    engine = LLMEngine(gateway, PromptLibrary(PROJECT_ROOT / "prompts"))
    request = FollowUp("why?", "why", None, (), None, ())
    streamed = await engine.follow_up(request)
    assert streamed.engine == "openai/gpt-4o-mini"  # not known before the stream opens
    assert "".join([d async for d in streamed.deltas]) == "From the fallback."
    assert streamed.engine == "openai/gpt-4o"
