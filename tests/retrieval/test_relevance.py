"""Search relevance on the starter corpus: questions whose right passage we know."""

from __future__ import annotations

import pytest

from tutor.retrieval import PassageIndex

KNOWN = [
    (
        "how should I split documents into chunks before embedding them",
        "retrieval-augmented-generation/chunking-and-embeddings",
    ),
    (
        "my JSON output fails validation, what should I do",
        "structured-output/validation-and-repair-loop",
    ),
    (
        "can an LLM judge grade answers fairly, what biases does it have",
        "evaluating-llm-output/judge-biases",
    ),
    ("use delimiters to separate instructions from data", "prompt-basics/format-and-delimiters"),
    ("someone hid instructions inside a web page the model reads", "prompt-injection/real-example"),
    (
        "why does a low temperature make the output more deterministic",
        "sampling-and-temperature/big-idea",
    ),
    ("when is it worth fine-tuning rather than prompting", "fine-tuning-vs-prompting/solution"),
    (
        "what happens when the conversation is longer than the context window",
        "context-windows-and-tokens/big-idea",
    ),
]


@pytest.mark.parametrize(("query", "passage_id"), KNOWN)
def test_the_right_passage_is_in_the_top_three(
    starter_index: PassageIndex, query: str, passage_id: str
) -> None:
    hits = starter_index.search(query, 3)
    assert passage_id in [h.passage_id for h in hits]
    assert hits[0].lesson_id == passage_id.split("/")[0]


def test_an_unrelated_question_scores_low(starter_index: PassageIndex) -> None:
    on_topic = starter_index.search("how many examples should I put in a few-shot prompt", 1)[0]
    off_topic = starter_index.search("what is the best recipe for sourdough bread", 1)[0]
    assert on_topic.score > 0.6
    assert off_topic.score < 0.35
