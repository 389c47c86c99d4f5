"""A NUL character or a lone surrogate in an answer, a message or an id is a 422 naming the
field, on SQLite and on Postgres alike (Postgres cannot store either), and nothing is stored."""

from __future__ import annotations

import httpx
import pytest

NUL = "\\u0000"  # as the JSON escape: the raw byte is not valid JSON
SURROGATE = "\\ud800"


def _post(client: httpx.Client, path: str, raw_json: str) -> httpx.Response:
    return client.post(path, content=raw_json, headers={"content-type": "application/json"})


def _field(reply: httpx.Response) -> str:
    assert reply.status_code == 422, reply.text
    error = reply.json()["error"]
    assert error["code"] == "invalid_request"
    assert "cannot be stored" in error["message"] or "not Unicode text" in error["message"]
    assert "Value error" not in error["message"]  # pydantic's prefix, meaningless to a caller
    field: str = error["details"][0]["field"]
    return field


@pytest.mark.parametrize("bad", [NUL, SURROGATE])
def test_an_answer_with_unstorable_text_is_a_422_and_not_stored(
    client: httpx.Client, bad: str
) -> None:
    learner = client.get("/v1/me").json()["learner_id"]
    before = client.get(f"/v1/learners/{learner}/attempts").json()
    reply = _post(client, "/v1/items/pb-01/attempts", f'{{"answer": "a{bad}b"}}')
    assert _field(reply) == "body.answer"
    assert client.get(f"/v1/learners/{learner}/attempts").json() == before


def test_a_chat_message_with_a_nul_is_a_422(client: httpx.Client) -> None:
    session = client.post("/v1/sessions", json={}).json()["id"]
    reply = _post(client, f"/v1/sessions/{session}/messages", f'{{"content": "why{NUL}?"}}')
    assert _field(reply) == "body.content"
    assert client.get(f"/v1/sessions/{session}").json()["messages"] == []


def test_nested_and_openai_messages_name_the_field(client: httpx.Client) -> None:
    grade = (
        '{"question": "q?", "reference": "r", "answer": "a", '
        f'"examples": [{{"answer": "x{NUL}", "score": 1}}]}}'
    )
    assert _field(_post(client, "/v1/grade", grade)) == "body.examples.0.answer"
    chat = f'{{"model": "tutor", "messages": [{{"role": "user", "content": "hi{NUL}"}}]}}'
    reply = _post(client, "/v1/chat/completions", chat)
    assert reply.status_code == 400, reply.text  # the OpenAI wire format's invalid request
    assert "messages.0.content" in reply.text


def test_an_id_with_a_nul_is_a_422_naming_it(client: httpx.Client) -> None:
    assert _field(client.get("/v1/attempts/abc%00def")) == "path.attempt_id"
    assert _field(client.get("/v1/learners/x%00/mastery")) == "path.learner_id"
    assert _field(client.get("/v1/learners", params={"name": "a\x00"})) == "query.name"


def test_an_escaped_backslash_is_ordinary_text(client: httpx.Client) -> None:
    reply = _post(
        client, "/v1/grade", '{"question": "q?", "reference": "r", "answer": "\\\\u0000"}'
    )
    assert reply.status_code == 200, reply.text
