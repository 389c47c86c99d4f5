"""Quizzes over the API (local mode, the shared server): ten questions that adapt, a summary."""

from __future__ import annotations

from typing import Any

import httpx

from tutor.corpus import Corpus

LEVELS = ["easy", "medium", "hard"]
WRONG = "No idea, sorry."


def _answer_for(corpus: Corpus, item_id: str, right: bool) -> str:
    _, item = corpus.item(item_id)
    return (item.answer_key or item.answer) if right else WRONG


def test_a_quiz_adapts_its_difficulty_and_ends_with_a_summary(
    client: httpx.Client, starter_corpus: Corpus
) -> None:
    lesson = "few-shot-prompting"
    started = client.post("/v1/quizzes", json={"lesson": lesson})
    assert started.status_code == 201, started.text
    quiz: dict[str, Any] = started.json()
    assert quiz["status"] == "active" and quiz["length"] == 10
    assert quiz["current"]["difficulty"] == "medium"  # the first question is medium
    plan = [True, True, False, False, True, False, True, True, False, True]
    levels = {i.id: i.difficulty.value for i in starter_corpus.lesson(lesson).items}
    asked: list[str] = []
    used: set[str] = set()
    for n, right in enumerate(plan):
        item = quiz["current"]
        assert item["lesson_id"] == lesson and "answer" not in item
        body = {"answer": _answer_for(starter_corpus, item["id"], right)}
        reply = client.post(f"/v1/quizzes/{quiz['id']}/answers", json=body)
        assert reply.status_code == 200, reply.text
        quiz = reply.json()["quiz"]
        attempt = reply.json()["attempt"]
        assert attempt["item_id"] == item["id"]
        assert (attempt["grade"]["verdict"] == "correct") is right, (item["id"], attempt)
        asked.append(item["difficulty"])
        used.add(item["id"])
        step = 1 if right else -1
        expected = LEVELS[min(max(LEVELS.index(item["difficulty"]) + step, 0), 2)]
        fresh = {i for i, level in levels.items() if level == expected} - used
        if quiz["status"] == "active" and n < 7 and fresh:  # (the last ones fill missing levels)
            assert quiz["current"]["difficulty"] == expected, (n, asked)
            assert quiz["current"]["id"] not in used  # no repeats while fresh items remain

    assert quiz["status"] == "finished" and quiz["current"] is None
    assert set(asked) == set(LEVELS)  # every quiz samples all three levels
    summary = quiz["summary"]
    assert summary["answered"] == 10 and summary["correct"] == sum(plan)
    assert sum(level["asked"] for level in summary["by_difficulty"].values()) == 10
    assert [q["score"] is not None for q in quiz["questions"]] == [True] * 10
    # the lesson has 8 items: each is asked once before any repeats, and the summary says why
    ids = [q["item_id"] for q in quiz["questions"]]
    assert len(set(ids[:8])) == 8 and summary["repeats"] == 2 and summary["lesson_items"] == 8
    assert "only 8 practice items for 10 questions" in summary["note"]

    again = client.post(f"/v1/quizzes/{quiz['id']}/answers", json={"answer": "late"})
    assert again.status_code == 409 and "finished" in again.json()["error"]["message"]
    assert client.get(f"/v1/quizzes/{quiz['id']}").json() == quiz


def test_a_retried_answer_counts_once(client: httpx.Client, starter_corpus: Corpus) -> None:
    quiz = client.post("/v1/quizzes", json={"lesson": "few-shot-prompting"}).json()
    body = {
        "answer": _answer_for(starter_corpus, quiz["current"]["id"], True),
        "idempotency_key": f"retry-{quiz['id']}",
    }
    first = client.post(f"/v1/quizzes/{quiz['id']}/answers", json=body).json()
    second = client.post(f"/v1/quizzes/{quiz['id']}/answers", json=body).json()
    assert first["quiz"]["summary"]["answered"] == 1
    assert second["quiz"] == first["quiz"]
    assert second["attempt"]["id"] == first["attempt"]["id"]


def test_bad_quiz_requests_are_clear_errors(client: httpx.Client) -> None:
    unknown = client.post("/v1/quizzes", json={"lesson": "no-such-lesson"})
    assert unknown.status_code == 404 and "no-such-lesson" in unknown.json()["error"]["message"]
    missing = client.get("/v1/quizzes/nope")
    assert missing.status_code == 404
    empty = client.post("/v1/quizzes", json={})
    assert empty.status_code == 422 and empty.json()["error"]["code"] == "invalid_request"
