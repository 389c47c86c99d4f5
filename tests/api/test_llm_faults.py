"""Fault injection at the provider's HTTP edge (issue 13): whatever the provider does, every
request ends in a success or a documented error within the configured timeout.

The fault modes are those of a real provider having a bad day: the connection refused, a 500,
a 429 with ``Retry-After``, no answer at all, a reply that is not JSON, and a connection dropped
in the middle of the body. They drive explanations, chat (a session's first turn, a streamed
follow-up, ``/v1/chat/completions`` plain and streamed) and practice attempts, which the
offline grader grades while the model is down, saying so.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from tests.api.conftest import serve, service_settings
from tests.api.sse import read_events
from tests.engines.fake_provider import CHAT_URL, DUMMY_KEY, MODEL, _sse
from tests.provider_replies import chat_completion
from tutor.api import create_app
from tutor.errors import LLM_RETRY_AFTER

TIMEOUT = 2.0  # TUTOR_LLM_TIMEOUT for these servers
BOUND = 4 * TIMEOUT  # no request may take longer (one attempt, no retries, plus our own work)
FAULTS = ["connect", "http_500", "http_429", "hang", "not_json", "dropped"]
EXPLANATION = {
    "answer": "Temperature rescales the scores [sampling-and-temperature/key-takeaways].",
    "citations": ["sampling-and-temperature/key-takeaways"],
    "covered": True,
}


class _Dropped(httpx.AsyncByteStream):
    """A body that sends its first bytes and then loses the connection."""

    def __init__(self, first: bytes) -> None:
        self.first = first

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self.first
        raise httpx.ReadError("connection dropped")


class FaultyProvider:
    """The OpenAI chat endpoint in one ``fault`` mode (None: healthy)."""

    def __init__(self) -> None:
        self.fault: str | None = None

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        body: dict[str, Any] = json.loads(request.content)
        streamed, fault = bool(body.get("stream")), self.fault
        if fault == "connect":
            raise httpx.ConnectError("connection refused")
        if fault == "http_500":
            return httpx.Response(500, json={"error": {"message": "internal", "type": "server"}})
        if fault == "http_429":
            error = {"error": {"message": "rate limited", "type": "requests"}}
            return httpx.Response(429, json=error, headers={"retry-after": "7"})
        if fault == "hang":
            await asyncio.sleep(3600)
        if streamed:
            whole = _sse(["Because dividing ", "the scores ", "sharpens them."]).content
            if fault == "not_json":
                return _event_stream(whole.split(b"\n\n")[1] + b'\n\ndata: {"choices": [\n\n')
            if fault == "dropped":
                return httpx.Response(
                    200,
                    stream=_Dropped(b"\n\n".join(whole.split(b"\n\n")[:3]) + b"\n\n"),
                    headers={"content-type": "text/event-stream"},
                )
            return _event_stream(whole)
        reply = json.dumps(EXPLANATION) if body.get("response_format") else "0.0"
        if fault == "not_json":
            return chat_completion("this is not the JSON you asked for")
        whole = chat_completion(reply).content
        if fault == "dropped":
            return httpx.Response(
                200, stream=_Dropped(whole[: len(whole) // 2]),
                headers={"content-type": "application/json"},
            )  # fmt: skip
        return httpx.Response(200, content=whole, headers={"content-type": "application/json"})


def _event_stream(body: bytes) -> httpx.Response:
    return httpx.Response(200, content=body, headers={"content-type": "text/event-stream"})


@pytest.fixture(scope="module")
def faulty_server(
    indexed_data_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, FaultyProvider]]:
    provider = FaultyProvider()
    database = tmp_path_factory.mktemp("llm-faults") / "tutor.db"
    settings = service_settings(
        indexed_data_dir, database, model=MODEL, llm_cache="off", llm_max_retries=0,
        llm_timeout=TIMEOUT,
    )  # fmt: skip
    with (
        pytest.MonkeyPatch.context() as env,
        respx.mock(assert_all_mocked=True, assert_all_called=False) as router,
    ):
        env.setenv("OPENAI_API_KEY", DUMMY_KEY)
        router.route(host="127.0.0.1").pass_through()  # the test's own calls to the server
        router.post(CHAT_URL).mock(side_effect=provider)
        with serve(create_app(settings)) as url:
            provider.fault = "connect"  # load the offline grader now: its start is not timed
            httpx.post(f"{url}/v1/items/pi-02/attempts", json={"answer": "Warm."}, timeout=120)
            yield url, provider


@pytest.fixture
def faulty(
    faulty_server: tuple[str, FaultyProvider],
) -> Iterator[tuple[httpx.Client, FaultyProvider]]:
    url, provider = faulty_server
    provider.fault = None
    with httpx.Client(base_url=url, timeout=60) as http:
        yield http, provider
    provider.fault = None


def _timed(send: Any, *args: Any, **kwargs: Any) -> httpx.Response:
    started = time.monotonic()
    response: httpx.Response = send(*args, **kwargs)
    assert time.monotonic() - started < BOUND, f"{args} took longer than {BOUND} s"
    return response


def _is_model_unavailable(response: httpx.Response, fault: str) -> None:
    """The one documented "the model could not answer": 503, llm_unavailable, Retry-After."""
    assert response.status_code == 503, response.text
    error = response.json()["error"]
    assert error["code"] == "llm_unavailable" and error["message"]
    assert "Traceback" not in error["message"]
    wanted = "7" if fault == "http_429" else str(LLM_RETRY_AFTER)
    assert response.headers["retry-after"] == wanted


@pytest.mark.parametrize("fault", FAULTS)
def test_explanations_hints_and_chat_answer_one_503_with_retry_after(
    faulty: tuple[httpx.Client, FaultyProvider], fault: str
) -> None:
    http, provider = faulty
    session = http.post("/v1/sessions", json={}).json()
    provider.fault = fault
    question = {"question": "What does temperature do?"}

    _is_model_unavailable(_timed(http.post, "/v1/explain", json=question), fault)
    turn = {"content": "What does temperature do?"}
    url = f"/v1/sessions/{session['id']}/messages"
    _is_model_unavailable(_timed(http.post, url, json=turn), fault)
    hint = _timed(http.post, "/v1/items/pi-02/hints", json={"level": 2})
    if fault == "not_json":  # a hint is plain text: any text is a reply (the leak check guards it)
        assert hint.status_code == 200
    else:
        _is_model_unavailable(hint, fault)
    completion = {"model": "tutor", "messages": [{"role": "user", "content": turn["content"]}]}
    reply = _timed(http.post, "/v1/chat/completions", json=completion)
    assert reply.status_code == 503 and reply.headers["retry-after"]
    assert reply.json()["error"]["code"] == "llm_unavailable"  # in OpenAI's error shape

    provider.fault = None
    assert http.post("/v1/explain", json=question).status_code == 200  # and it heals
    assert len(http.get(f"/v1/sessions/{session['id']}").json()["messages"]) == 0


@pytest.mark.parametrize("fault", FAULTS)
def test_a_streamed_follow_up_ends_with_an_error_event(
    faulty: tuple[httpx.Client, FaultyProvider], fault: str
) -> None:
    http, provider = faulty
    session = http.post("/v1/sessions", json={}).json()
    url = f"/v1/sessions/{session['id']}/messages"
    assert http.post(url, json={"content": "What does temperature do?"}).status_code == 200
    provider.fault = fault
    started = time.monotonic()

    with http.stream("POST", url, json={"content": "why?", "stream": True}) as response:
        assert response.status_code == 200
        events = read_events(response)

    assert time.monotonic() - started < BOUND
    assert all(name == "delta" for name, _ in events[:-1])
    name, data = events[-1]
    assert name == "error" and data["code"] == "llm_unavailable" and data["message"]
    stored = http.get(f"/v1/sessions/{session['id']}").json()["messages"]
    assert len(stored) == 2  # the broken turn is not stored; the first one is


@pytest.mark.parametrize("fault", FAULTS)
def test_a_streamed_chat_completion_ends_in_a_documented_error(
    faulty: tuple[httpx.Client, FaultyProvider], fault: str
) -> None:
    http, provider = faulty
    provider.fault = fault
    history = [
        {"role": "user", "content": "What does temperature do?"},
        {"role": "assistant", "content": "It rescales the scores. [1]"},
        {"role": "user", "content": "Why?"},
    ]
    body = {"model": "tutor", "messages": history, "stream": True}
    started = time.monotonic()

    with http.stream("POST", "/v1/chat/completions", json=body) as response:
        if response.status_code != 200:  # failed before the first chunk: a plain error
            response.read()
            assert response.status_code == 503 and response.headers["retry-after"]
            assert response.json()["error"]["code"] == "llm_unavailable"
            return
        lines = [line for line in response.iter_lines() if line.startswith("data: ")]

    assert time.monotonic() - started < BOUND
    last = json.loads(lines[-1][len("data: ") :])
    assert last["error"]["code"] == "llm_unavailable" and last["error"]["message"]
    assert "data: [DONE]" not in lines


@pytest.mark.parametrize("fault", FAULTS)
def test_an_attempt_is_graded_offline_while_the_model_is_down_and_says_so(
    faulty: tuple[httpx.Client, FaultyProvider], fault: str
) -> None:
    http, provider = faulty
    provider.fault = fault
    answer = {"answer": f"All of it shares one token budget ({fault})."}

    reply = _timed(http.post, "/v1/items/pi-02/attempts", json=answer)

    assert reply.status_code == 200, reply.text
    attempt = reply.json()
    assert attempt["status"] == "graded"
    grade = attempt["grade"]
    assert grade["engine"] == "offline" and "llm_unavailable" in grade["flags"]
    stored = http.get(f"/v1/attempts/{attempt['id']}").json()  # stored, with its stand-in grade
    assert stored["status"] == "graded" and stored["grade"]["engine"] == "offline"
