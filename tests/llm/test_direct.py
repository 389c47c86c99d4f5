"""An ``openai/`` model on a set ``api_base`` is called straight, without litellm: the same
request on the wire, the same reply, usage, price and failures as through litellm.

Most tests here mock the provider with respx (httpx, as tests/conftest.py has litellm use);
the last ones run the aiohttp transport that `tutor serve` uses against a real HTTP server on
127.0.0.1.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
from aiohttp import web

from tests.llm.conftest import DUMMY_KEY, Provider, Sleeps
from tests.ports import free_port
from tutor.engines.llm import Explanation
from tutor.errors import ConfigurationError, LLMRequestError, LLMUnavailableError
from tutor.llm import Gateway, Message, direct
from tutor.llm import provider as llm_provider
from tutor.llm.messages import ChatRequest, TokenUsage

BASE = "http://127.0.0.1:9/v1"
URL = f"{BASE}/chat/completions"
MODEL = "openai/house-model"
ASK = [Message(role="system", content="Be brief."), Message(role="user", content="Why examples?")]


@pytest.fixture(autouse=True)
def no_litellm(monkeypatch: pytest.MonkeyPatch) -> None:
    """A call that reached litellm fails the test."""
    import litellm

    async def refused(**_: object) -> None:
        raise AssertionError("litellm was called")

    monkeypatch.setattr(litellm, "acompletion", refused)


def _gateway(**options: object) -> Gateway:
    return Gateway(MODEL, direct=True, api_base=BASE, sleep=Sleeps(), **options)  # type: ignore[arg-type]


async def test_the_request_and_the_reply_are_litellm_s(provider: Provider) -> None:
    route = provider.router.post(URL).mock(
        return_value=Provider.chat(
            "Examples fix the format.", prompt_tokens=40, completion_tokens=7
        )
    )

    reply = await _gateway(max_retries=0).complete(ASK, prompt="explain@1", max_tokens=50)

    assert reply.text == "Examples fix the format."
    assert (reply.usage.prompt_tokens, reply.usage.completion_tokens) == (40, 7)
    assert reply.model == MODEL and reply.cost_usd is None  # a model without a known price
    sent = Provider.sent(route)
    assert sent == {
        "model": "house-model",
        "messages": [m.model_dump() for m in ASK],
        "temperature": 0.0,
        "max_tokens": 50,
    }
    assert route.calls[-1].request.headers["authorization"] == f"Bearer {DUMMY_KEY}"


async def test_a_structured_reply_sends_its_schema(provider: Provider) -> None:
    answer = {"answer": "Because [p1].", "citations": ["p1"], "covered": True}
    route = provider.router.post(URL).mock(return_value=Provider.chat(json.dumps(answer)))

    reply = await _gateway(max_retries=0).structured(ASK, Explanation, prompt="explain@1")

    assert reply.output.citations == ["p1"]
    assert Provider.sent(route)["response_format"]["type"] == "json_schema"


async def test_a_known_model_is_priced_once_by_the_gateway(
    provider: Provider, monkeypatch: pytest.MonkeyPatch
) -> None:
    provider.router.post(URL).mock(
        return_value=Provider.chat("ok", prompt_tokens=120, completion_tokens=30)
    )
    prices: list[str] = []
    price = llm_provider.cost_usd

    def counted(model: str, usage: TokenUsage) -> float | None:
        prices.append(model)
        return price(model, usage)

    monkeypatch.setattr(llm_provider, "cost_usd", counted)
    reply = await Gateway("openai/gpt-4o-mini", direct=True, api_base=BASE, max_retries=0).complete(
        ASK, prompt="p@1"
    )

    assert prices == ["openai/gpt-4o-mini"]
    assert reply.cost_usd is not None and reply.cost_usd > 0
    assert reply.cost_usd == pytest.approx(price("openai/gpt-4o-mini", reply.usage))


async def test_a_429_is_retried_after_the_provider_s_retry_after(provider: Provider) -> None:
    sleeps = Sleeps()
    provider.router.post(URL).mock(
        side_effect=[
            Provider.error(429, "slow down", headers={"retry-after": "3"}),
            Provider.chat("done"),
        ]
    )

    reply = await Gateway(MODEL, direct=True, api_base=BASE, sleep=sleeps, max_retries=1).complete(
        ASK, prompt="p@1"
    )

    assert reply.text == "done" and sleeps == [3.0]


@pytest.mark.parametrize(
    ("status", "error"),
    [(401, ConfigurationError), (404, ConfigurationError), (400, LLMRequestError),
     (503, LLMUnavailableError)],
)  # fmt: skip
async def test_an_http_error_is_triaged_as_litellm_s_is(
    provider: Provider, status: int, error: type[Exception]
) -> None:
    provider.router.post(URL).mock(return_value=Provider.error(status, "the provider says no"))

    with pytest.raises(error) as caught:
        await _gateway(max_retries=0).complete(ASK, prompt="p@1")

    if status == 400:
        assert "the provider says no" in str(caught.value)


@pytest.mark.parametrize(
    "failure",
    [httpx.ConnectError("refused"), httpx.ReadTimeout("slow"),
     httpx.Response(200, text="<html>proxy error</html>")],
)  # fmt: skip
async def test_no_connection_a_timeout_or_a_page_that_is_no_reply_is_retried(
    provider: Provider, failure: Exception | httpx.Response
) -> None:
    sleeps = Sleeps()
    provider.router.post(URL).mock(side_effect=[failure, Provider.chat("done")])

    reply = await Gateway(MODEL, direct=True, api_base=BASE, sleep=sleeps, max_retries=1).complete(
        ASK, prompt="p@1"
    )

    assert reply.text == "done" and len(sleeps) == 1


def test_only_an_openai_model_on_a_set_base_goes_direct() -> None:
    assert direct.applies("openai/gpt-4o-mini", BASE)
    assert not direct.applies("openai/gpt-4o-mini", None)  # OpenAI itself: litellm knows it
    assert not direct.applies("anthropic/claude-3-5-haiku", BASE)
    assert not direct.applies("openai/", BASE)


# -- the aiohttp transport, against a real server on 127.0.0.1 ----------------------------


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


async def _serve(handler: Handler) -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_post("/v1/chat/completions", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        await runner.cleanup()


@pytest.fixture
def aiohttp_transport(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISABLE_AIOHTTP_TRANSPORT", raising=False)


@pytest.mark.usefixtures("aiohttp_transport")
async def test_the_aiohttp_transport_sends_the_request_and_reads_errors() -> None:
    seen: list[dict[str, object]] = []

    async def chat(request: web.Request) -> web.StreamResponse:
        body = await request.json()
        seen.append({"body": body, "auth": request.headers.get("Authorization")})
        if len(seen) == 2:
            return web.json_response({"error": {"message": "busy"}}, status=429,
                                     headers={"Retry-After": "2"})  # fmt: skip
        return web.json_response(Provider.chat("hello", prompt_tokens=3).json())

    async for base in _serve(chat):
        sleeps = Sleeps()
        gateway = Gateway(MODEL, direct=True, api_base=base, sleep=sleeps, max_retries=0)
        reply = await gateway.complete(ASK, prompt="p@1")
        with pytest.raises(LLMUnavailableError) as caught:
            await gateway.complete(ASK, prompt="p@1")
        await direct.close()

    assert reply.text == "hello" and reply.usage.prompt_tokens == 3
    assert seen[0]["auth"] == f"Bearer {DUMMY_KEY}"
    assert seen[0]["body"] == direct.request_body(
        MODEL, ChatRequest(prompt="p@1", messages=tuple(ASK))
    )
    assert caught.value.retry_after == 2


@pytest.mark.usefixtures("aiohttp_transport")
async def test_the_aiohttp_transport_s_refused_connection_is_a_connection_error() -> None:
    base = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there

    with pytest.raises(LLMUnavailableError, match="connection"):
        await Gateway(MODEL, direct=True, api_base=base, sleep=Sleeps(), max_retries=0).complete(
            ASK, prompt="p@1"
        )


@pytest.mark.usefixtures("aiohttp_transport")
def test_a_loop_s_session_is_closed_when_the_loop_ends() -> None:
    async def chat(_: web.Request) -> web.StreamResponse:
        return web.json_response(Provider.chat("hi").json())

    async def once() -> object:
        async for base in _serve(chat):
            await Gateway(MODEL, direct=True, api_base=base, max_retries=0).complete(
                ASK, prompt="p@1"
            )
        (session, _) = direct._SESSIONS[asyncio.get_running_loop()]
        return session

    session = asyncio.run(once())

    assert session.closed  # type: ignore[attr-defined]


@pytest.mark.usefixtures("aiohttp_transport")
async def test_a_kept_alive_connection_the_server_closed_is_tried_once_more() -> None:
    """The server drops idle connections fast; the loop is busy (blocked) when its FIN comes,
    so the next request goes out on the dead connection and is sent again on a fresh one."""

    async def chat(_: web.Request) -> web.StreamResponse:
        return web.json_response(Provider.chat("hi").json())

    app = web.Application()
    app.router.add_post("/v1/chat/completions", chat)
    runner = web.AppRunner(app, keepalive_timeout=0.05)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        gateway = Gateway(MODEL, direct=True, api_base=f"http://127.0.0.1:{port}/v1", max_retries=0)
        assert (await gateway.complete(ASK, prompt="p@1")).text == "hi"
        time.sleep(0.3)
        assert (await gateway.complete(ASK, prompt="p@1")).text == "hi"
    finally:
        await direct.close()
        await runner.cleanup()
