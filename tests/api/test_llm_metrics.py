"""The service on the LLM engine, the provider mocked at its HTTP edge (respx): every provider
call is counted with its tokens and cost, cache hits and failures too, and what the provider
says back reaches the log without the API key it may echo."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import respx

from tests.api.conftest import serve, service_settings
from tests.api.log_capture import json_lines
from tests.api.metrics_scrape import change, scrape
from tests.engines.fake_provider import CHAT_URL, DUMMY_KEY, MODEL, FakeOpenAI
from tutor.api import create_app

EXPLAIN = {"model": MODEL, "prompt": "explain@1", "kind": "structured"}


class Provider:
    """The fake OpenAI endpoint, which first answers ``failures`` queued 500s whose body
    echoes the caller's API key (as a careless proxy in front of a provider may)."""

    def __init__(self) -> None:
        self.fake = FakeOpenAI()
        self.failures = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if self.failures:
            self.failures -= 1
            echo = f"upstream failed for Authorization: {request.headers['authorization']}"
            return httpx.Response(500, json={"error": {"message": echo, "type": "server_error"}})
        return self.fake(request)

    def explains(self, answer: str) -> None:
        citation = "sampling-and-temperature/key-takeaways"
        self.fake.structured.append(
            {"answer": f"{answer} [{citation}].", "citations": [citation], "covered": True}
        )


@pytest.fixture(scope="module")
def llm_server(
    indexed_data_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Provider]]:
    provider = Provider()
    database = tmp_path_factory.mktemp("llm-metrics") / "tutor.db"
    settings = service_settings(
        indexed_data_dir, database, model=MODEL, llm_cache="memory", llm_max_retries=1
    )
    with (
        pytest.MonkeyPatch.context() as env,
        respx.mock(assert_all_mocked=True, assert_all_called=False) as router,
    ):
        env.setenv("OPENAI_API_KEY", DUMMY_KEY)
        router.route(host="127.0.0.1").pass_through()  # the test's own calls to the server
        router.post(CHAT_URL).mock(side_effect=provider)
        with serve(create_app(settings)) as url:
            yield url, provider


@pytest.fixture
def llm(llm_server: tuple[str, Provider]) -> Iterator[tuple[httpx.Client, Provider]]:
    url, provider = llm_server
    with httpx.Client(base_url=url, timeout=60) as http:
        yield http, provider


def test_an_llm_call_is_counted_with_its_tokens_and_cost_and_a_repeat_as_a_cache_hit(
    llm: tuple[httpx.Client, Provider],
) -> None:
    http, provider = llm
    provider.explains("Top-p keeps the likeliest tokens")
    question = {"question": "What does top-p sampling keep?"}
    before = scrape(http)
    assert http.post("/v1/explain", json=question).status_code == 200
    middle = scrape(http)
    assert http.post("/v1/explain", json=question).status_code == 200  # the same call again
    after = scrape(http)

    assert change(before, middle, "tutor_llm_calls_total", **EXPLAIN) == 1
    # the fake provider reports 20 prompt and 5 completion tokens per reply
    assert change(before, middle, "tutor_llm_tokens_total", model=MODEL, direction="prompt") == 20
    tokens = change(before, middle, "tutor_llm_tokens_total", model=MODEL, direction="completion")
    assert tokens == 5
    assert change(before, middle, "tutor_llm_cost_usd_total", model=MODEL) > 0  # a known price
    seconds = "tutor_llm_call_duration_seconds_count"
    assert change(before, middle, seconds, model=MODEL, kind="structured") == 1
    assert change(before, middle, "tutor_cache_requests_total", cache="llm", result="miss") == 1

    assert change(middle, after, "tutor_cache_requests_total", cache="llm", result="hit") == 1
    assert change(middle, after, "tutor_llm_calls_total", **EXPLAIN) == 0
    assert change(middle, after, "tutor_llm_tokens_total", model=MODEL, direction="prompt") == 0


def test_the_providers_words_are_logged_without_the_key_under_the_request_id(
    llm: tuple[httpx.Client, Provider],
) -> None:
    http, provider = llm
    provider.failures = 1  # one 500 echoing the key, then the answer (one retry allowed)
    provider.explains("Temperature rescales the scores")
    headers = {"x-request-id": "retry-trace-1", "authorization": "Bearer tutor_notakey0123456789"}
    with json_lines() as lines:
        reply = http.post(
            "/v1/explain", json={"question": "What does temperature change?"}, headers=headers
        )
    assert reply.status_code == 200, reply.text
    assert reply.headers["x-request-id"] == "retry-trace-1"

    text = "\n".join(json.dumps(line) for line in lines)
    assert DUMMY_KEY not in text and "tutor_notakey0123456789" not in text
    retry = [line for line in lines if line["message"].startswith("llm retry")]
    assert len(retry) == 1 and "[redacted]" in retry[0]["message"]  # the echo reached the log
    assert retry[0]["request_id"] == "retry-trace-1"
    mine = [line for line in lines if line["request_id"] == "retry-trace-1"]
    assert {line["logger"] for line in mine} >= {"tutor.llm", "tutor.access"}


def test_a_model_that_keeps_failing_is_counted_and_its_words_answered_without_the_key(
    llm: tuple[httpx.Client, Provider],
) -> None:
    http, provider = llm
    provider.failures = 2  # the call and its one retry
    before = scrape(http)
    reply = http.post("/v1/explain", json={"question": "Why does top-k sampling cut the tail?"})
    after = scrape(http)
    assert reply.status_code == 503
    assert "upstream failed" in reply.text and DUMMY_KEY not in reply.text  # said, not the key
    failed = {"prompt": "explain@1", "error": "llm_unavailable"}
    assert change(before, after, "tutor_llm_failures_total", **failed) == 1
    route = {"method": "POST", "route": "/v1/explain", "status": "503"}
    assert change(before, after, "tutor_http_requests_total", **route) == 1


def test_an_offline_grade_standing_in_for_the_model_is_counted_as_such(
    llm: tuple[httpx.Client, Provider],
) -> None:
    """A learner's attempt while the model is down: the offline grade stands in for it."""
    http, provider = llm
    provider.failures = 2  # the grading call and its one retry
    answer = {"answer": "Lower temperature sharpens the distribution, so likely tokens win."}
    before = scrape(http)
    reply = http.post("/v1/items/samp-02/attempts", json=answer)
    after = scrape(http)
    assert reply.status_code in (200, 201), reply.text
    grade = reply.json()["grade"]
    assert grade["engine"] == "offline" and "llm_unavailable" in grade["flags"]
    assert change(before, after, "tutor_grades_total", engine="offline") == 1
    assert change(before, after, "tutor_grades_total", engine=MODEL) == 0
    assert change(before, after, "tutor_grade_stand_ins_total") == 1
    failed = {
        dict(labels)["prompt"]: change(before, after, name, **dict(labels))
        for (name, labels) in after
        if name == "tutor_llm_failures_total" and dict(labels)["error"] == "llm_unavailable"
    }
    assert [count for prompt, count in failed.items() if prompt.startswith("grade")] == [1]
