"""The service on the LLM engine (TUTOR_MODEL set), the provider mocked at its HTTP edge."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import respx

from tests.api.conftest import serve, service_settings
from tests.api.sse import read_events
from tests.engines.fake_provider import CHAT_URL, DUMMY_KEY, MODEL, FakeOpenAI, cut_off
from tutor.api import create_app


@pytest.fixture(scope="module")
def llm_server(
    indexed_data_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, FakeOpenAI]]:
    fake = FakeOpenAI()
    database = tmp_path_factory.mktemp("llm-api") / "tutor.db"
    settings = service_settings(
        indexed_data_dir, database, model=MODEL, llm_cache="off", llm_max_retries=0
    )
    with (
        pytest.MonkeyPatch.context() as env,
        respx.mock(assert_all_mocked=True, assert_all_called=False) as router,
    ):
        env.setenv("OPENAI_API_KEY", DUMMY_KEY)
        router.route(host="127.0.0.1").pass_through()  # the test's own calls to the server
        router.post(CHAT_URL).mock(side_effect=fake)
        with serve(create_app(settings)) as url:
            yield url, fake


@pytest.fixture
def llm(llm_server: tuple[str, FakeOpenAI]) -> Iterator[tuple[httpx.Client, FakeOpenAI]]:
    url, fake = llm_server
    with httpx.Client(base_url=url, timeout=30) as http:
        yield http, fake


def test_health_names_the_model(llm: tuple[httpx.Client, FakeOpenAI]) -> None:
    http, _ = llm
    assert http.get("/health").json()["engine"] == MODEL


def test_explain_reports_model_prompt_and_dropped_citations(
    llm: tuple[httpx.Client, FakeOpenAI],
) -> None:
    http, fake = llm
    fake.structured.append(
        {
            "answer": "Top-p keeps the likeliest tokens [sampling-and-temperature/key-takeaways]"
            " and was invented in 1066 [history/normans].",
            "citations": ["sampling-and-temperature/key-takeaways", "history/normans"],
            "covered": True,
        }
    )

    body = http.post("/v1/explain", json={"question": "What is top-p sampling?"}).json()

    assert (body["engine"], body["prompt"]) == (MODEL, "explain@1")
    assert body["invalid_citations"] == 1 and "history/normans" not in body["answer"]
    assert [c["passage_id"] for c in body["citations"]] == [
        "sampling-and-temperature/key-takeaways"
    ]


def test_a_follow_up_streams_the_models_deltas_as_server_sent_events(
    llm: tuple[httpx.Client, FakeOpenAI],
) -> None:
    http, fake = llm
    fake.structured.append(
        {"answer": "It reshapes the distribution [sampling-and-temperature/key-takeaways].",
         "citations": ["sampling-and-temperature/key-takeaways"], "covered": True}
    )  # fmt: skip
    deltas = ["Because dividing ", "the scores ", "sharpens them ", "[made/up]."]
    fake.streams.append(deltas)
    session = http.post("/v1/sessions", json={"lesson": None}).json()
    url = f"/v1/sessions/{session['id']}/messages"
    first = http.post(url, json={"content": "What does temperature do?"}).json()
    assert (first["reply"]["engine"], first["reply"]["prompt"]) == (MODEL, "explain@1")

    with http.stream("POST", url, json={"content": "why?", "stream": True}) as response:
        events = read_events(response)

    assert [data["text"] for name, data in events if name == "delta"] == deltas
    name, done = events[-1]
    assert name == "done" and done["covered"] is True
    reply = done["reply"]
    assert (reply["engine"], reply["prompt"]) == (MODEL, "followup_why@2")
    assert reply["content"] == "Because dividing the scores sharpens them."  # made/up dropped
    assert fake.requests[-1]["stream"] is True


def test_an_error_mid_stream_becomes_an_error_event(
    llm: tuple[httpx.Client, FakeOpenAI],
) -> None:
    http, fake = llm
    fake.structured.append({"answer": "Tokens [context-windows-and-tokens/big-idea].",
                            "citations": [], "covered": True})  # fmt: skip
    session = http.post("/v1/sessions", json={}).json()
    url = f"/v1/sessions/{session['id']}/messages"
    http.post(url, json={"content": "What is a context window?"})
    fake.streams.append(cut_off(["Because the window ", "is shared "]))

    with http.stream("POST", url, json={"content": "why?", "stream": True}) as response:
        events = read_events(response)

    assert events[:-1] == [("delta", {"text": "Because the window "}),
                           ("delta", {"text": "is shared "})]  # fmt: skip
    name, data = events[-1]
    assert name == "error" and data["code"] == "llm_unavailable"
    assert "stopped in the middle" in data["message"]
    stored = http.get(f"/v1/sessions/{session['id']}").json()["messages"]
    assert len(stored) == 2  # the broken turn is not stored


def test_a_leaking_hint_is_blocked(llm: tuple[httpx.Client, FakeOpenAI]) -> None:
    http, fake = llm
    fake.texts.append("Between the four, (C) is clearly the most specific.")

    body = http.post("/v1/items/pb-01/hints", json={"level": 3}).json()

    assert body["leak_blocked"] is True and body["engine"] == MODEL
    assert body["prompt"] == "safe_hint@1" and "(C)" not in body["hint"]


def test_a_model_nudge_that_points_at_the_answer_is_replaced_at_level_one(
    llm: tuple[httpx.Client, FakeOpenAI],
) -> None:
    http, fake = llm
    # samp-03's answer: "the smallest top set whose probabilities reach at least 0.9". The leak
    # check lets this through (two of its words), but as a nudge it names the deciding idea.
    pointed = "Keep adding tokens until the running total reaches at least the threshold."
    fake.texts.append(pointed)
    nudge = http.post("/v1/items/samp-03/hints", json={"level": 1}).json()
    fake.texts.append(pointed)
    strategy = http.post("/v1/items/samp-03/hints", json={"level": 2}).json()

    assert nudge["leak_blocked"] is True and nudge["prompt"] == "safe_hint@1"
    assert pointed not in nudge["hint"] and "running total first reaches" in nudge["hint"]
    assert strategy["leak_blocked"] is False and strategy["hint"] == pointed  # level 2 may
