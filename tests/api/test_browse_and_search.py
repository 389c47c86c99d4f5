"""The JSON API over a real server: health, lessons, items, search, and JSON errors."""

from __future__ import annotations

import httpx

from tutor.corpus import Corpus


def test_health_reports_the_offline_engine_and_index(
    client: httpx.Client, starter_corpus: Corpus
) -> None:
    body = client.get("/health").json()
    assert body["status"] == "ok"
    assert body["engine"] == "offline"
    assert body["lessons"] == len(starter_corpus.lessons)
    assert body["indexed_passages"] == len(starter_corpus.passages())


def test_lessons_and_items_hide_answers(client: httpx.Client, starter_corpus: Corpus) -> None:
    lessons = client.get("/v1/lessons").json()
    assert {lsn["id"] for lsn in lessons} == set(starter_corpus.lessons)
    lesson_id = lessons[0]["id"]
    detail = client.get(f"/v1/lessons/{lesson_id}").json()
    assert detail["passages"][0]["id"].startswith(f"{lesson_id}/")
    item = detail["practice"][0]
    assert set(item) == {"id", "lesson_id", "concepts", "difficulty", "type", "stem", "options"}
    assert client.get(f"/v1/items/{item['id']}").json() == item


def test_search_returns_cited_passages(client: httpx.Client) -> None:
    reply = client.post(
        "/v1/search", json={"query": "what does temperature do when sampling?", "k": 3}
    )
    assert reply.status_code == 200
    hits = reply.json()
    assert len(hits) == 3
    assert all({"passage_id", "lesson_title", "section", "score", "text"} <= set(h) for h in hits)
    assert hits[0]["lesson_id"] == "sampling-and-temperature"


def test_errors_are_json_with_code_and_message(client: httpx.Client) -> None:
    missing = client.get("/v1/lessons/no-such-lesson")
    assert missing.status_code == 404
    assert missing.json() == {
        "error": {"code": "not_found", "message": "no lesson 'no-such-lesson'"}
    }

    invalid = client.post("/v1/search", json={"query": "", "k": 500, "colour": "blue"})
    assert invalid.status_code == 422
    error = invalid.json()["error"]
    assert error["code"] == "invalid_request"
    assert {d["field"] for d in error["details"]} == {"body.query", "body.k", "body.colour"}

    not_json = client.post(
        "/v1/search", content=b"{oops", headers={"content-type": "application/json"}
    )
    assert not_json.status_code == 422
    assert not_json.json()["error"]["code"] == "invalid_request"


def test_the_page_and_openapi_docs_are_served(client: httpx.Client) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "<title>tutor</title>" in page.text
    spec = client.get("/openapi.json").json()
    assert {"/health", "/v1/lessons", "/v1/search"} <= set(spec["paths"])
