"""Which messages continue the conversation, and what they are about."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tutor.store import MessageRecord
from tutor.tutoring.followups import classify, dialogue_query, followed_question, topic


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


def _history(*learner: str) -> list[MessageRecord]:
    now = datetime.now(UTC)
    out = []
    for n, text in enumerate(learner):
        out.append(MessageRecord(2 * n, "s", "user", text, None, None, [], now))
        out.append(
            MessageRecord(2 * n + 1, "s", "assistant", "Because...", "offline", "x@1", [], now)
        )
    return out


def test_a_follow_up_that_names_enough_is_the_question_a_later_why_follows_up() -> None:
    history = _history(
        "What does temperature do when sampling?",
        "Why is temperature 0 not a guarantee of identical output?",
    )
    assert followed_question(history) == history[2].content
    assert followed_question(_history("What does temperature do?", "why?")) == (
        "What does temperature do?"
    )


@pytest.mark.parametrize(
    ("message", "asks_example"),
    [
        ("can you give an example of that?", True),
        ("an example?", True),
        ("for instance?", True),
        ("why does the last example matter?", False),  # few-shot examples are the subject
        ("and how many examples should I use?", False),
    ],
)
def test_only_a_request_for_an_example_prefers_the_example_sections(
    message: str, asks_example: bool
) -> None:
    history = _history("How should I choose few-shot examples?")
    query = dialogue_query(message, classify(message, True), history)
    assert bool(query.prefer) is asks_example
