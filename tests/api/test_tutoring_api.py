"""Explain, sessions, messages (JSON and server-sent events) and hints over a real server."""

from __future__ import annotations

import httpx

from tests.api.sse import read_events

MESSAGE_KEYS = {"role", "content", "citations", "engine", "prompt", "created_at"}
CITATION_KEYS = {"passage_id", "lesson_id", "lesson_title", "title", "section", "text", "score"}


def test_explain_answers_with_citations(client: httpx.Client) -> None:
    reply = client.post("/v1/explain", json={"question": "What does temperature do?"})

    assert reply.status_code == 200
    body = reply.json()
    assert set(body) == {
        "answer", "citations", "covered", "nearest_lessons", "invalid_citations", "engine",
        "prompt",
    }  # fmt: skip
    assert body["covered"] and body["engine"] == "offline"
    assert body["prompt"] == "offline_explain@1" and body["invalid_citations"] == 0
    assert body["citations"] and set(body["citations"][0]) == CITATION_KEYS
    assert body["citations"][0]["lesson_id"] == "sampling-and-temperature"
    assert f"[{body['citations'][0]['passage_id']}]" in body["answer"]
    assert set(body["nearest_lessons"][0]) == {"id", "title"}


def test_explain_says_honestly_when_the_course_does_not_cover_it(client: httpx.Client) -> None:
    body = client.post("/v1/explain", json={"question": "Who won the 1998 World Cup?"}).json()
    assert body["covered"] is False and body["citations"] == []
    assert body["prompt"] == "not_covered@1" and body["nearest_lessons"]
    assert "does not cover this" in body["answer"]


def test_a_session_remembers_its_turns(client: httpx.Client) -> None:
    created = client.post("/v1/sessions", json={"lesson": None})
    assert created.status_code == 201
    session = created.json()
    assert set(session) == {"id", "lesson", "item", "created_at"} and session["lesson"] is None
    assert session["item"] is None
    url = f"/v1/sessions/{session['id']}"

    first = client.post(f"{url}/messages", json={"content": "What is a context window?"})
    why = client.post(f"{url}/messages", json={"content": "why?"})

    assert first.status_code == why.status_code == 200
    turn = why.json()
    assert set(turn) == {"reply", "covered"} and turn["covered"] is True
    assert set(turn["reply"]) == MESSAGE_KEYS and turn["reply"]["role"] == "assistant"
    assert turn["reply"]["prompt"] == "offline_follow_up@1"
    lessons = {c["lesson_id"] for c in turn["reply"]["citations"]}
    assert lessons == {"context-windows-and-tokens"}
    detail = client.get(url).json()
    assert [m["role"] for m in detail["messages"]] == ["user", "assistant"] * 2
    assert detail["messages"][3] == turn["reply"]
    assert all(set(m) == MESSAGE_KEYS for m in detail["messages"])


def test_a_streamed_reply_arrives_as_deltas_then_done(client: httpx.Client) -> None:
    session = client.post("/v1/sessions", json={"lesson": "sampling-and-temperature"}).json()
    assert session["lesson"] == "sampling-and-temperature"
    url = f"/v1/sessions/{session['id']}/messages"
    client.post(url, json={"content": "What does temperature change?"})

    with client.stream("POST", url, json={"content": "why?", "stream": True}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = read_events(response)

    names = [name for name, _ in events]
    assert names[-1] == "done" and set(names[:-1]) == {"delta"} and len(names) > 3
    done = events[-1][1]
    assert set(done) == {"reply", "covered"}
    assert "".join(data["text"] for name, data in events[:-1]) == done["reply"]["content"]
    stored = client.get(f"/v1/sessions/{session['id']}").json()["messages"][-1]
    assert stored == done["reply"]


def test_hints_come_in_levels_without_the_answer(client: httpx.Client) -> None:
    replies = [
        client.post("/v1/items/pb-01/hints", json={"level": level}).json() for level in (1, 2, 3)
    ]
    for level, body in enumerate(replies, start=1):
        assert set(body) == {"item_id", "level", "hint", "engine", "prompt", "leak_blocked"}
        assert (body["item_id"], body["level"], body["engine"]) == ("pb-01", level, "offline")
        assert "option C" not in body["hint"] and "60-80 word" not in body["hint"]
    assert len({body["hint"] for body in replies}) == 3


def test_a_hint_with_a_session_joins_the_conversation(client: httpx.Client) -> None:
    session = client.post("/v1/sessions", json={}).json()
    hint = client.post("/v1/items/pb-02/hints", json={"level": 1, "session": session["id"]})
    assert hint.status_code == 200
    messages = client.get(f"/v1/sessions/{session['id']}").json()["messages"]
    assert [m["content"] for m in messages] == [hint.json()["hint"]]


def test_errors_are_json(client: httpx.Client) -> None:
    unknown_session = client.post("/v1/sessions/nope/messages", json={"content": "hi"})
    assert unknown_session.status_code == 404
    assert unknown_session.json()["error"]["code"] == "not_found"
    streamed = client.post("/v1/sessions/nope/messages", json={"content": "hi", "stream": True})
    assert streamed.status_code == 404 and streamed.json()["error"]["code"] == "not_found"
    assert client.get("/v1/sessions/nope").status_code == 404
    unknown_item = client.post("/v1/items/nope/hints", json={"level": 1})
    assert unknown_item.status_code == 404
    assert unknown_item.json() == {"error": {"code": "not_found", "message": "no item 'nope'"}}
    unknown_lesson = client.post("/v1/sessions", json={"lesson": "nope"})
    assert unknown_lesson.status_code == 404

    too_long = client.post("/v1/explain", json={"question": "why " * 600})
    assert too_long.status_code == 422
    assert too_long.json()["error"]["details"][0]["field"] == "body.question"
    blank = client.post("/v1/explain", json={"question": "   "})
    assert blank.status_code == 422
    bad_level = client.post("/v1/items/pb-01/hints", json={"level": 4})
    assert bad_level.status_code == 422

    huge = client.post("/v1/explain", json={"question": "x", "lesson": "y" * 70_000})
    assert huge.status_code == 413
    assert huge.json()["error"]["code"] == "payload_too_large"


def test_a_huge_chunked_body_is_refused(client: httpx.Client) -> None:
    def chunks() -> object:
        for _ in range(20):
            yield b" " * 8192

    reply = client.post(
        "/v1/explain", content=chunks(), headers={"content-type": "application/json"}
    )
    assert reply.status_code == 413
    assert reply.json()["error"]["code"] == "payload_too_large"


def test_the_tutoring_routes_are_documented(client: httpx.Client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {
        "/v1/explain",
        "/v1/sessions",
        "/v1/sessions/{session_id}",
        "/v1/sessions/{session_id}/messages",
        "/v1/items/{item_id}/hints",
    } <= set(paths)
    streamed = paths["/v1/sessions/{session_id}/messages"]["post"]["responses"]["200"]
    assert "text/event-stream" in streamed["content"]
