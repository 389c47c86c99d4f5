"""Explaining on the offline engine, over the real starter index."""

from __future__ import annotations

import re

import pytest

from tutor.engines.extractive import split_sentences
from tutor.retrieval import PassageIndex
from tutor.tutoring import NOT_COVERED, Tutor, cited_ids
from tutor.tutoring.context import Retriever

# Measured with minilm-int8 on the starter corpus (docs/design/tutoring.md): on-topic questions
# score 0.38-0.72 at the top, unrelated ones 0.06-0.31. The threshold is 0.33.
ON_TOPIC = [
    "Why do few-shot examples help a model?",
    "What does temperature do when sampling?",
    "How do I get JSON output from a model reliably?",
    "When should I fine-tune instead of prompting?",
    "Why is my model's output different every time?",
]
# In-domain topics the course does not teach: their best passage passes the threshold (they are
# about prompting or models), but the course never uses their key words.
NOT_TAUGHT = [
    "What is chain of thought prompting?",
    "What is speculative decoding?",
    "What is tree of thoughts?",
    "What is knowledge distillation?",
    "What is the Model Context Protocol?",
]
OFF_TOPIC = [
    "What is the capital of France?",
    "How do I bake sourdough bread?",
    "How does a SQL index work?",
    "What is a REST API?",
    "How do vaccines work?",
]


def _flat(text: str) -> str:
    return " ".join(text.split())


def _body_sentences(answer: str) -> list[str]:
    """The quoted sentences of an offline answer: its paragraphs before the key takeaways."""
    paragraphs = answer.split("\n\n")[1:]
    quoted = []
    for paragraph in paragraphs:
        if not paragraph.startswith(("Key takeaways", "Next:")):
            quoted += split_sentences(re.sub(r"\s*\[[^\]]+\]$", "", paragraph))
    return quoted


async def test_a_covered_question_is_answered_from_the_retrieved_passages(
    tutor: Tutor, starter_index: PassageIndex
) -> None:
    question = "Why do few-shot examples help a model?"
    reply = await tutor.explain(question)

    assert reply.covered and reply.engine == "offline" and reply.prompt == "offline_explain@1"
    assert reply.answer.startswith("Offline answer")
    assert reply.invalid_citations == 0
    retrieved = {h.passage_id: h for h in tutor.retriever.retrieve(question).passages}
    assert reply.citations and {c.passage_id for c in reply.citations} <= set(retrieved)
    assert set(cited_ids(reply.answer)) == {c.passage_id for c in reply.citations}
    assert reply.citations[0].lesson_id == "few-shot-prompting"
    for citation in reply.citations:
        assert citation.text == retrieved[citation.passage_id].text
    cited_text = " ".join(_flat(c.text) for c in reply.citations)
    body = _body_sentences(reply.answer)
    assert body and all(_flat(sentence) in cited_text for sentence in body)
    assert "Key takeaways from Few-shot prompting" in reply.answer
    assert re.search(r"Next: try practice item fsp-\d+", reply.answer)


async def test_a_lesson_scopes_the_answer(tutor: Tutor) -> None:
    reply = await tutor.explain("How should I choose examples?", lesson="few-shot-prompting")
    assert reply.covered
    assert {c.lesson_id for c in reply.citations} == {"few-shot-prompting"}


@pytest.mark.parametrize("question", ON_TOPIC)
async def test_on_topic_questions_are_covered(tutor: Tutor, question: str) -> None:
    retrieved = tutor.retriever.retrieve(question)
    assert retrieved.top_score >= tutor.retriever.threshold + 0.04  # with margin
    assert (await tutor.explain(question)).covered


@pytest.mark.parametrize("question", OFF_TOPIC)
async def test_off_corpus_questions_get_an_honest_not_covered(tutor: Tutor, question: str) -> None:
    retrieved = tutor.retriever.retrieve(question)
    assert retrieved.top_score < tutor.retriever.threshold

    reply = await tutor.explain(question)

    assert not reply.covered and reply.citations == ()
    assert reply.answer.startswith(f"Offline answer: {NOT_COVERED}")
    assert reply.prompt == "not_covered@1" and reply.engine == "offline"
    assert 2 <= len(reply.nearest_lessons) <= 3
    assert all(lesson.id in reply.answer for lesson in reply.nearest_lessons)


@pytest.mark.parametrize("question", NOT_TAUGHT)
async def test_topics_the_course_does_not_teach_are_not_covered(
    tutor: Tutor, question: str
) -> None:
    retriever = tutor.retriever
    assert retriever.index.search(question, 1)[0].score >= retriever.threshold  # similarity alone
    assert retriever.vocabulary is not None and retriever.vocabulary.unknown(question)

    reply = await tutor.explain(question)

    assert not reply.covered and reply.citations == ()
    assert reply.answer.startswith(f"Offline answer: {NOT_COVERED}")


async def test_the_vocabulary_check_refuses_no_practice_item_or_concept(tutor: Tutor) -> None:
    """Every item stem and "What is <concept>?" is judged as by similarity alone: the check only
    ever turns away short questions about words the course does not use."""
    questions = [item.stem for _, item in tutor.corpus.items()]
    questions += [f"What is {c.name}?" for c in tutor.corpus.concepts().values()]
    plain = Retriever(tutor.index, tutor.retriever.threshold)
    changed = [q for q in questions
               if plain.retrieve(q).covered != tutor.retriever.retrieve(q).covered]  # fmt: skip
    assert len(questions) > 100 and changed == []


async def test_an_unknown_lesson_is_not_found(tutor: Tutor) -> None:
    from tutor.errors import NotFoundError

    with pytest.raises(NotFoundError, match="no lesson 'nope'"):
        await tutor.explain("What is a token?", lesson="nope")


async def test_a_question_asked_again_is_answered_the_same_without_a_new_search(
    tutor: Tutor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The retriever recalls what it found for the question (on the event loop, no worker
    thread): the same passages, so the same reply."""
    question = "Why do few-shot examples help a model follow a format?"
    first = await tutor.explain(question, lesson="few-shot-prompting")
    searches: list[str] = []
    search = tutor.index.search

    def counted(query: str, *args: object, **kwargs: object) -> object:
        searches.append(query)
        return search(query, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(tutor.index, "search", counted)
    again = await tutor.explain(question, lesson="few-shot-prompting")

    assert again == first and searches == []
    assert (await tutor.explain(question)).covered  # without the lesson: searched afresh
    assert searches and set(searches) == {question}
