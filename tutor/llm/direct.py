"""A whole (not streamed) chat completion from an OpenAI-compatible endpoint, without litellm.

litellm costs 4-6 ms of CPU per call on the event loop whatever tutor asks of it: its
synchronous set-up in a worker thread, the openai SDK's request and parsing, pricing the reply
and building a logging payload that no callback reads. Under 20 concurrent explanations that
work queued on the loop: a bare ``litellm.acompletion`` loop in a process of its own added ~100
ms to each call over a 300 ms loopback provider, a bare aiohttp loop ~7 ms. A service pointed at
one OpenAI-compatible server (``TUTOR_API_BASE`` with an ``openai/`` model: vLLM, Ollama, a
proxy, a gateway) needs none of that: one POST of the messages and parameters litellm would send,
and the reply's text and usage. Streams, and every other provider (or OpenAI itself, whose models
litellm knows the quirks of), still go through litellm.

Failures look to :func:`tutor.llm.provider.triage` as litellm's do: an HTTP error is a
:class:`ProviderHTTPError` with ``status_code`` and the response's headers (``Retry-After``), a
connection failure an ``httpx.TransportError``, a timeout a ``TimeoutError``.

The transport is aiohttp, as litellm's default is; with ``DISABLE_AIOHTTP_TRANSPORT`` set (the
tests, so that respx stands in for the provider) it is httpx, as litellm's is then.
"""

from __future__ import annotations

import asyncio
import json
import os
import weakref
from collections.abc import AsyncGenerator
from typing import TYPE_CHECKING, Any

import httpx

from tutor.llm.messages import ChatRequest

if TYPE_CHECKING:
    import aiohttp

PREFIX = "openai/"
KEEPALIVE_SECONDS = 4.0


class ProviderHTTPError(Exception):
    """The provider answered with an HTTP error (or a reply that is not a chat completion)."""

    def __init__(self, status_code: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status_code = status_code
        self.response = httpx.Response(status_code, headers=headers or {})


def applies(model: str, api_base: str | None) -> bool:
    """Whether ``model`` is sent straight to ``api_base``: an ``openai/`` model on a set base."""
    return bool(api_base) and model.startswith(PREFIX) and len(model) > len(PREFIX)


def _aiohttp() -> bool:
    return os.environ.get("DISABLE_AIOHTTP_TRANSPORT", "").strip().lower() not in {"1", "true"}


def request_body(model: str, request: ChatRequest) -> dict[str, Any]:
    """What litellm's OpenAI provider sends for the same call."""
    body: dict[str, Any] = {
        "model": model.removeprefix(PREFIX),
        "messages": [m.model_dump() for m in request.messages],
        "temperature": request.temperature,
    }
    if request.max_tokens is not None:
        body["max_tokens"] = request.max_tokens
    if request.response_format is not None:
        body["response_format"] = request.response_format
    return body


def _headers() -> dict[str, str]:
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if key := os.environ.get("OPENAI_API_KEY"):
        headers["Authorization"] = f"Bearer {key}"
    return headers


async def complete(
    model: str, request: ChatRequest, *, api_base: str, timeout: float
) -> dict[str, Any]:
    """The provider's reply to one request, as JSON (a chat completion)."""
    url = api_base.rstrip("/") + "/chat/completions"
    data = json.dumps(request_body(model, request)).encode()
    if _aiohttp():
        status, headers, content = await _post_aiohttp(url, data, timeout)
    else:
        status, headers, content = await _post_httpx(url, data, timeout)
    return _reply(status, headers, content)


def _reply(status: int, headers: dict[str, str], content: bytes) -> dict[str, Any]:
    try:
        reply = json.loads(content) if content else None
    except ValueError:
        reply = None
    if status >= 400:
        error = reply.get("error") if isinstance(reply, dict) else None
        said = error.get("message") if isinstance(error, dict) else error
        text = str(said) if said else content[:300].decode("utf-8", "replace")
        raise ProviderHTTPError(status, text, headers)
    if not isinstance(reply, dict) or not isinstance(reply.get("choices"), list):
        # a proxy's HTML page, a cut-off body: the provider's failure, worth a retry
        raise ProviderHTTPError(502, f"the provider's reply (HTTP {status}) is not a completion")
    return reply


async def _post_httpx(url: str, data: bytes, timeout: float) -> tuple[int, dict[str, str], bytes]:
    async with httpx.AsyncClient(timeout=timeout) as client:
        response = await client.post(url, content=data, headers=_headers())
        return response.status_code, dict(response.headers), response.content


async def _post_aiohttp(url: str, data: bytes, timeout: float) -> tuple[int, dict[str, str], bytes]:
    import aiohttp

    session = await _session()
    for attempt in (1, 2):
        try:
            async with session.post(
                url, data=data, headers=_headers(), timeout=aiohttp.ClientTimeout(total=timeout)
            ) as response:
                return response.status, dict(response.headers), await response.read()
        except aiohttp.ClientError as exc:  # refused, reset, cut off: as httpx would say it
            # A kept-alive connection the server had closed (the loop was busy when its FIN
            # came) resets or ends the request: sent once more, on a fresh connection. A refused
            # connection is not (ClientConnectorError): that server is down.
            dropped = isinstance(exc, aiohttp.ServerDisconnectedError | aiohttp.ClientOSError)
            if attempt == 2 or not dropped or isinstance(exc, aiohttp.ClientConnectorError):
                raise httpx.ConnectError(f"{type(exc).__name__}: {exc}") from exc
    raise AssertionError("unreachable")


# One aiohttp session (its connection pool) per event loop: a session belongs to the loop that
# made it. Each is closed when its loop shuts down, by an async generator that holds it:
# asyncio.run() and uvicorn close a loop's async generators before the loop itself.
_SESSIONS: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, tuple[aiohttp.ClientSession, AsyncGenerator[None, None]]
] = weakref.WeakKeyDictionary()


async def _session() -> aiohttp.ClientSession:
    loop = asyncio.get_running_loop()
    held = _SESSIONS.get(loop)
    if held is not None and not held[0].closed:
        return held[0]
    import aiohttp

    session = aiohttp.ClientSession(
        # idle connections are dropped after 4 s, before servers drop them (uvicorn after 5)
        connector=aiohttp.TCPConnector(limit=0, keepalive_timeout=KEEPALIVE_SECONDS),
        cookie_jar=aiohttp.DummyCookieJar(),
    )

    async def holder() -> AsyncGenerator[None, None]:
        try:
            yield
        finally:
            await session.close()

    keeper = holder()
    await anext(keeper)  # started: the loop's shutdown_asyncgens() will close it
    _SESSIONS[loop] = session, keeper
    return session


async def close() -> None:
    """Close this loop's session now (a service shutting down)."""
    held = _SESSIONS.pop(asyncio.get_running_loop(), None)
    if held is not None:
        await held[1].aclose()  # its finally closes the session
