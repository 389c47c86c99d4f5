"""Which messages continue the conversation, and what they are about."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tutor.store import MessageRecord
from tutor.tutoring.followups import classify, topic


@pytest.mark.parametrize(
    ("message", "kind", "term"),
    [
        ("why?", "why", None),
        ("But why does that work?", "why", None),
        ("how come", "why", None),
        ("What do you mean by delimiters?", "clarify", "delimiters"),
        ("what does 'top-p' mean?", "clarify", "top-p"),
        ("What is meant by the context window?", "clarify", "context window"),
        ("what do you mean?", "clarify", None),
        ("and for JSON output?", "more", None),
        ("can you give an example of that?", "more", None),
        ("What is the difference between fine-tuning and RAG for changing facts?", None, None),
        ("Why do few-shot examples help a model to follow a format in a long prompt?", None, None),
    ],
)
def test_follow_ups_are_recognised(message: str, kind: str | None, term: str | None) -> None:
    classified = classify(message, has_history=True)
    assert (classified.kind, classified.term) == (kind, term)


def test_without_history_nothing_is_a_follow_up() -> None:
    assert classify("why?", has_history=False).kind is None


def test_the_topic_is_the_last_standalone_question_and_the_cited_lesson() -> None:
    now = datetime.now(UTC)
    cite = [{"passage_id": "sampling-and-temperature/solution", "lesson_title": "Sampling"}]
    history = [
        MessageRecord(1, "s", "user", "What does temperature do?", None, None, [], now),
        MessageRecord(2, "s", "assistant", "It reshapes...", "offline", "x@1", cite, now),
        MessageRecord(3, "s", "user", "why?", None, None, [], now),
        MessageRecord(4, "s", "assistant", "Because...", "offline", "x@1", [], now),
    ]
    assert topic(history) == "What does temperature do? Sampling"
