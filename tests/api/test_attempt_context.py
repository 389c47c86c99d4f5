"""A practice attempt is the context of a follow-up only in its own practice session, or when
the learner names or quotes it (issue 14): it must not leak into unrelated chats.

A server of its own, so the attempts made here do not become other tests' context.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import serve, service_settings
from tutor.api import create_app
from tutor.store import Role, create_learner, issue_api_key, open_database

WRONG = "A higher temperature makes the model more creative and smarter."
LEAK_MARK = "About your attempt"


@pytest.fixture(scope="module")
def learner_api(
    indexed_data_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[httpx.Client]:
    """A learner who has just answered samp-02 wrongly."""
    settings = service_settings(indexed_data_dir, tmp_path_factory.mktemp("attempts") / "t.db")
    database = open_database(settings)
    try:
        learner = create_learner(database, "Grace")
        key = issue_api_key(database, Role.LEARNER, learner_id=learner.id).secret
    finally:
        database.dispose()
    with serve(create_app(settings)) as url:
        headers = {"authorization": f"Bearer {key}"}
        with httpx.Client(base_url=url, headers=headers, timeout=60) as api:
            attempt = api.post("/v1/items/samp-02/attempts", json={"answer": WRONG})
            assert attempt.status_code == 200, attempt.text
            yield api


def _say(api: httpx.Client, session: str, text: str) -> dict[str, object]:
    reply = api.post(f"/v1/sessions/{session}/messages", json={"content": text})
    assert reply.status_code == 200, reply.text
    message: dict[str, object] = reply.json()["reply"]
    return message


def _lessons(message: dict[str, object]) -> set[str]:
    citations = message["citations"]
    assert isinstance(citations, list)
    return {c["lesson_id"] for c in citations}


def test_a_new_chat_about_something_else_does_not_pull_in_the_attempt(
    learner_api: httpx.Client,
) -> None:
    session = learner_api.post("/v1/sessions", json={}).json()["id"]
    _say(learner_api, session, "What is a context window?")

    why = _say(learner_api, session, "why?")

    content = str(why["content"])
    assert LEAK_MARK not in content and "samp-02" not in content
    assert _lessons(why) == {"context-windows-and-tokens"}


def test_an_openai_chat_about_something_else_does_not_pull_in_the_attempt(
    learner_api: httpx.Client,
) -> None:
    ask = [{"role": "user", "content": "What is a context window?"}]
    first = learner_api.post("/v1/chat/completions", json={"model": "tutor", "messages": ask})
    assert first.status_code == 200, first.text
    answer = first.json()["choices"][0]["message"]["content"]
    history = [*ask, {"role": "assistant", "content": answer}, {"role": "user", "content": "why?"}]

    why = learner_api.post("/v1/chat/completions", json={"model": "tutor", "messages": history})

    assert why.status_code == 200, why.text
    content = why.json()["choices"][0]["message"]["content"]
    assert LEAK_MARK not in content and "samp-02" not in content
    assert "temperature" not in content.lower()


def test_the_items_own_practice_session_follows_up_on_the_attempt(
    learner_api: httpx.Client,
) -> None:
    created = learner_api.post("/v1/sessions", json={"item": "samp-02"})
    assert created.status_code == 201, created.text
    session = created.json()
    assert session["item"] == "samp-02" and session["lesson"] == "sampling-and-temperature"

    why = _say(learner_api, session["id"], "why?")

    assert f"{LEAK_MARK} at samp-02" in str(why["content"])
    assert _lessons(why) == {"sampling-and-temperature"}


def test_naming_the_item_in_any_chat_brings_the_attempt_in(learner_api: httpx.Client) -> None:
    session = learner_api.post("/v1/sessions", json={}).json()["id"]
    _say(learner_api, session, "What is a context window?")

    named = _say(learner_api, session, "Why was my answer to samp-02 marked wrong?")

    assert f"{LEAK_MARK} at samp-02" in str(named["content"])


def test_a_session_for_an_unknown_item_is_a_404(learner_api: httpx.Client) -> None:
    created = learner_api.post("/v1/sessions", json={"item": "no-such-item"})
    assert created.status_code == 404
