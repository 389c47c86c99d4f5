"""Keys of a name or a yes/no (tutor.grading.short_keys): another name, the other yes/no."""

from __future__ import annotations

import pytest

from tutor.grading.short_keys import list_items, lists_fewer, names_other, opposite


@pytest.mark.parametrize(
    ("answer", "key", "other"),
    [
        ("London", "Paris", True),
        ("london", "Paris", True),
        ("I think it is London, not Paris", "Paris", True),
        ("Christopher Marlowe", "William Shakespeare", True),
        ("paris", "Paris", False),
        ("It's Paris, not London.", "Paris", False),
        ("Shakespeare", "William Shakespeare", False),
        ("Hyper Text Markup Language", "HyperText Markup Language", False),
        # a longer answer may describe the thing without its name: left to the models
        ("Plants turn light, water and carbon dioxide into sugar", "Photosynthesis", False),
        # keys of common words are answered with synonyms (Mohler's): left to the models
        ("infinite", "Unlimited number.", False),
        ("iteratively", "Through iteration.", False),
        ("columns", "By rows.", False),
        ("a stack", "queue", False),
        # a key that is a sentence is the other checks'
        ("The bulb will not light.", "The bulb will light.", False),
    ],
)
def test_another_name_for_a_key_that_is_a_name(answer: str, key: str, other: bool) -> None:
    assert names_other(answer, key) is other


def test_a_longer_answer_naming_another_thing_in_the_question_s_words() -> None:
    """Besides the question's words the answer says one thing, and not the key's name."""
    asked = "Which planet is closest to the Sun?"
    assert names_other("Venus is the closest planet to the Sun.", "Mercury", asked)
    assert not names_other("Mercury is the closest planet to the Sun.", "Mercury", asked)
    assert not names_other("Venus is the closest planet to the Sun.", "Mercury")  # 7 words
    describes = "The small rocky planet that orbits nearest to the Sun."
    assert not names_other(describes, "Mercury", asked)


@pytest.mark.parametrize(
    ("answer", "key", "flipped"),
    [
        ("Yes", "No", True),
        ("yes, it is flat", "No", True),
        ("True", "False", True),
        ("false: it only looks flat", "False", False),
        ("No, it is roughly a sphere.", "No", False),
        ("Nope", "No", None),  # neither word: left to the models
        # a key that says more than its yes/no: the other reply is still the opposite ...
        ("Yes", "No, the Earth is roughly a sphere.", True),
        (
            "Yes, because it is only divisible by 1 and itself.",
            "No, because it is divisible by 3 and 5.",
            True,
        ),
        ("yes. It is.", "No: 15 = 3 x 5.", True),
        # ... and its own reply is left to the models, who grade the reason
        ("No", "No, the Earth is roughly a sphere.", None),
        ("No, because it is odd.", "No, because it is divisible by 3 and 5.", None),
        # "No one", "Yesterday": no reply; a key whose "no" is no reply reads no answer
        ("No one knows the answer", "Yes, it is.", None),
        ("Yes, they can.", "No light escapes from a black hole.", None),
    ],
)
def test_the_other_yes_or_no_for_a_bare_yes_or_no_key(
    answer: str, key: str, flipped: bool | None
) -> None:
    assert opposite(answer, key) is flipped


def test_a_key_that_is_a_list_of_three_or_more() -> None:
    key = "Sunlight, water and carbon dioxide."
    assert list_items(key) == ["Sunlight", "water", "carbon dioxide"]
    assert list_items("Red, green or blue.") is None  # alternatives
    assert list_items("Plants need light because they make sugar.") is None
    assert lists_fewer("Water and light.", key) and lists_fewer("water", key)
    assert not lists_fewer("It needs light, water and CO2.", key)
    assert not lists_fewer("Light and water, plus air.", "Abstraction and reusability.")
    assert not lists_fewer("Plants need water and light to make sugar from the air.", key)


@pytest.mark.parametrize(
    ("answer", "other"),
    [
        ("H2O2", True),
        ("CO2", True),
        ("It is CO2.", True),
        ("H2O", False),
        ("h2o", False),
        ("H\u2082O", False),  # written with a subscript
        ("It is H2O: two hydrogen atoms and one oxygen atom.", False),
        ("water", False),  # no formula said: the models'
    ],
)
def test_a_formula_key_is_named_only_by_that_formula(answer: str, other: bool) -> None:
    assert names_other(answer, "H2O", "What is the chemical formula of water?") is other


@pytest.mark.parametrize(
    ("answer", "key", "other"),
    [
        ("HyperText Machine Language", "HyperText Markup Language", True),
        ("George Bush", "George Washington", True),
        ("William Shakespear", "William Shakespeare", False),  # misspelt, not another name
        ("Washington", "George Washington", False),  # part of the name
        ("George Washington", "George Washington", False),
    ],
)
def test_a_name_with_one_word_replaced_names_another(answer: str, key: str, other: bool) -> None:
    assert names_other(answer, key) is other
