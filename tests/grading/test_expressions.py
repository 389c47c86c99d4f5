"""Keys that are an expression or a complexity, compared by value."""

from __future__ import annotations

import pytest

from tutor.grading.expressions import (
    complexities,
    expressions,
    gives_expression,
    key_expression,
    other_complexity,
)


@pytest.mark.parametrize(
    ("key", "is_expression"),
    [
        ("2x + 6", True),
        ("y = 3x - 1", True),
        ("(x + 1)\u00b2.", True),
        ("3x", True),
        ("12 m", False),  # a figure and a unit: the figure check's
        ("H2O", False),  # a formula
        ("x = -3", False),  # a figure
        ("4 + 5 = 9", False),  # no variable: a worked sum
        ("A comparison between two things", False),
        ("E = mc^2", False),  # a word of two letters
        ("O(log n)", False),
    ],
)
def test_a_key_that_is_nothing_but_an_expression(key: str, is_expression: bool) -> None:
    assert (key_expression(key) is not None) is is_expression


@pytest.mark.parametrize(
    ("answer", "key", "gives"),
    [
        ("2x + 6", "2x + 6", True),
        ("6 + 2x", "2x + 6", True),
        ("2(x+3)", "2x + 6", True),
        ("It simplifies to 2x + 6.", "2x + 6", True),
        ("x^2 + 2x + 1", "(x + 1)\u00b2", True),
        ("(x+1)(x-1)", "x^2 - 1", True),
        ("y = 3x - 1", "y = 3x - 1", True),
        ("2x + 3", "2x + 6", False),
        ("x^2 + 1", "(x+1)^2", False),
        ("3x + 1", "y = 3x - 1", False),
        ("2 times x plus 6", "2x + 6", None),  # in words: the models'
        ("Add 3 to both sides, then divide by 2", "2x + 6", None),
        ("I think it is a x", "2x + 6", None),  # letters beside each other multiply only unspaced
        ("2x + 6", "Double it and add six.", None),  # no expression key
    ],
)
def test_an_answer_gives_the_key_expression_or_another(
    answer: str, key: str, gives: bool | None
) -> None:
    assert gives_expression(answer, key) is gives


def test_expressions_never_run_anything_but_arithmetic() -> None:
    assert expressions("__import__('os') and 2 ** 999999 and x / 0") == []


def test_complexities_written_any_way_are_one() -> None:
    assert complexities("O(log n), O(lg n), O(log(n)) and O(logn)") == {"logn"}
    assert complexities("O(n^2) or O(n\u00b2) or O(n squared)") == {"n2"}
    assert other_complexity("O(n)", "O(log n)")
    assert not other_complexity("O(log n), as it halves the range", "O(log n)")
    assert not other_complexity("It takes logarithmic time.", "O(log n)")  # no complexity said
    assert not other_complexity("O(n)", "It takes linear time.")  # no complexity key
