"""The leak check catches the ways a hint can give an answer away, and passes real hints."""

from __future__ import annotations

import pytest

from tutor.corpus import Corpus, Item
from tutor.retrieval import MiniLMEmbedder
from tutor.tutoring import AnswerGuard, redact


@pytest.fixture
def choice(starter_corpus: Corpus) -> Item:
    return starter_corpus.item("pb-01")[1]  # answer C: the 60-80 word kettle description


@pytest.fixture
def computed(starter_corpus: Corpus) -> Item:
    return starter_corpus.item("ctx-04")[1]  # answer: ... Total: $10 per day.


@pytest.mark.parametrize(
    "hint",
    [
        "The answer is C.",
        "Go with option C here.",
        "I'd pick C.",
        "(C) is the one.",
        "C is the best choice because it is specific.",
        "Answer: C",
        "Options A, B and D are all vague, so rule them out.",
        "It is the 1.7 litre stainless-steel kettle one, for first-time buyers.",
        "Write a 60-80 word product description of our 1.7 litre stainless-steel kettle for a "
        "home-goods website, aimed at first-time buyers, mentioning the 3-minute boil time and "
        "the auto shut-off.",
    ],
)
def test_multiple_choice_leaks_are_caught(choice: Item, hint: str) -> None:
    assert AnswerGuard(choice).check(hint).leaked


@pytest.mark.parametrize(
    "hint",
    [
        "A good prompt lets two writers produce nearly the same result.",
        "Count the concrete facts in each option. Is option A any more specific than B?",
        "A vague adjective such as 'amazing' constrains nothing.",
    ],
)
def test_multiple_choice_hints_that_do_not_leak_pass(choice: Item, hint: str) -> None:
    assert not AnswerGuard(choice).check(hint).leaked


def test_free_text_leaks_are_caught(computed: Item, embedder: MiniLMEmbedder) -> None:
    guard = AnswerGuard(computed, embedder)
    assert guard.check("So the total comes to $10 per day.").leaked
    assert guard.check("Is it 10?").reason == "states the answer's result"
    assert guard.check(
        "Input is 6,000,000 tokens costing $6, output 1,000,000 tokens costing $4."
    ).leaked
    assert not guard.check("Work out input and output tokens separately, then price each.").leaked


@pytest.mark.parametrize(
    "paraphrase",
    [
        "Answers will be more consistent, but hallucination will not stop: at temperature 0 the "
        "model repeats its most likely answer, so if it is wrong because the model lacks the "
        "facts, it is wrong every time.",
        "It makes the answers consistent without stopping hallucination, since at temperature 0 "
        "the model repeats its top answer, which is wrong every time if it misremembers facts.",
        "Temperature zero gives consistency, not correctness. Fix it with grounding in "
        "authoritative dosage sources, letting it say it does not know, and human review.",
    ],
)
def test_a_paraphrase_of_a_free_text_answer_is_caught(
    starter_corpus: Corpus, embedder: MiniLMEmbedder, paraphrase: str
) -> None:
    _, item = starter_corpus.item("samp-05")
    guard = AnswerGuard(item, embedder)
    assert guard.check(paraphrase).leaked
    assert not guard.check("What does temperature change, and what does it not change?").leaked


def test_an_embedding_close_restatement_is_caught(
    starter_corpus: Corpus, embedder: MiniLMEmbedder
) -> None:
    _, item = starter_corpus.item("samp-05")
    verdict = AnswerGuard(item, embedder).check(item.answer.replace("It will", "This will"))
    assert verdict.leaked


def test_the_items_own_hints_pass_the_check(
    starter_corpus: Corpus, embedder: MiniLMEmbedder
) -> None:
    for _, item in starter_corpus.items():
        guard = AnswerGuard(item, embedder)
        for hint in item.hints:
            assert not guard.check(hint).leaked, f"{item.id}: {hint}"


def test_redact_removes_only_the_leaking_sentences(choice: Item) -> None:
    text = "Look at the facts each prompt gives.\n\nIt is option C. Then count the numbers."
    safe, changed = redact(text, AnswerGuard(choice), "fallback")
    assert changed and safe == "Look at the facts each prompt gives.\n\nThen count the numbers."
    assert redact("It is option C.", AnswerGuard(choice), "fallback") == ("fallback", True)
    assert redact("Fine.", AnswerGuard(choice), "fallback") == ("Fine.", False)
