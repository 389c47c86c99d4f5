"""An answer the grader cannot read gets flagged, an English one never does."""

from __future__ import annotations

import pytest

from tutor.grading.lexical import deduplicated
from tutor.grading.readable import language, unreadable

QUESTION = ["What does lowering the temperature do to a language model's output?"]


@pytest.mark.parametrize(
    ("answer", "why"),
    [
        ("La température plus basse rend les sorties plus prévisibles et moins variées.", "French"),
        (
            "Bajar la temperatura hace que el modelo elija casi siempre el token más probable.",
            "Spanish",
        ),
        (
            "Die Temperatur senken macht die Ausgabe vorhersehbarer, weil das Modell es wählt.",
            "German",
        ),
        (
            "Abbassare la temperatura rende l'output più prevedibile e meno vario, perché il "
            "modello sceglie quasi sempre il token più probabile.",
            "Italian",
        ),
        ("asdf qwer zxcv hjkl uiop fghj", "not words"),
    ],
)
def test_other_languages_and_mash_are_unreadable(answer: str, why: str) -> None:
    reason = unreadable(answer, QUESTION)
    assert reason is not None and why in reason


@pytest.mark.parametrize(
    "answer",
    [
        "Lowering the temperature makes the output more predictable.",
        "No base case, so the recursion never stops.",  # "no" is English too
        "RAG retrieves passages from a vector store and the LLM cites them.",
        "It is more deterministic",  # short answers are judged as they are
        # a calculation: "per" is English too (it read as Italian, and a right answer went to
        # review with "This answer looks written in it")
        "Input: 2,000 x 3,000 = 6,000,000 tokens at $1 per million = $6. Output: 2,000 x 500 = "
        "1,000,000 tokens at $4 per million = $4. Total: $10 per day.",
    ],
)
def test_english_answers_are_readable(answer: str) -> None:
    assert unreadable(answer, QUESTION) is None
    assert language(answer) == "en"


def test_repeated_sentences_count_once() -> None:
    once = "The prompt is vague. "
    assert deduplicated(once * 40 + "It guesses.") == "The prompt is vague. It guesses."
    assert deduplicated("x y z x y z x y z x y z") == "x y z"
    assert deduplicated("the the cat sat on the mat") == "the the cat sat on the mat"
