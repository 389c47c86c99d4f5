"""Numbers as learners write them, and a worked result that is not the key's."""

from __future__ import annotations

import pytest

from tutor.grading.quantities import (
    conflicting_units,
    crosses_relation,
    expected_figure,
    figure_key,
    gives_figure,
    gives_only_leading,
    hedges_figure,
    in_key_terms,
    relations,
    states_result,
    values,
    worked_result,
    works_to_figure,
    wrong_result,
    wrong_year,
    years,
)

KEY = (
    "Input: 2,000 x 3,000 = 6,000,000 tokens, costing $6. Output: 2,000 x 500 = 1,000,000 "
    "tokens, costing $4. Total: $10 per day."
)
QUESTION = (
    "A feature makes 2,000 requests a day. Each request sends 3,000 input tokens and receives "
    "500 output tokens. The price is $1 per million input tokens and $4 per million output "
    "tokens. What is the daily cost?"
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2,000 x 3,000 = 6,000,000", (2000, 3000, 6_000_000)),
        ("2k calls, 6M tokens, 1.5 million more", (2000, 6_000_000, 1_500_000)),
        ("six million tokens from two thousand calls", (6_000_000, 2000)),
        ("two hundred twenty five, then ten dollars", (225, 10)),
        ("$4 per million, 70%, 0.8 to 1.0", (4, 70, 0.8, 1.0)),
        ("a 6 m tall wall", (6,)),  # a unit, not "million"
        ("x = -3, or \u22122.5 and (-4)", (-3, -2.5, -4)),  # a minus right before the digits
        ("pages 3-5, error E-4012, 5 - 3", (3, 5, 4012, 5, 3)),  # a range, a code, a sum
        ("H2O, CO2, mp3 and H\u2082O hold no figure; 2x + 6 does", (2, 6)),
        ("3/4 of 1/2, not 3/4/2020", (0.75, 0.5, 3, 4, 2020)),  # fractions; a date is not one
        ("3 x 10^8 m/s, 1.5*10**-3 and 6.0 \u00d7 10^23", (3e8, 1.5e-3, 6e23)),
    ],
)
def test_values_read_numbers_as_written(text: str, expected: tuple[float, ...]) -> None:
    assert values(text) == pytest.approx(expected)


def test_only_a_key_that_works_a_sum_has_a_result() -> None:
    assert worked_result(KEY) == 10
    assert worked_result("Use 3-5 chunks and a temperature of 0.8 to 1.0.") is None
    assert worked_result("Set temperature = 0.7 and top-k = 5 for this task.") is None


@pytest.mark.parametrize(
    "answer",
    [
        "Input 6,000,000 tokens cost $6 and output 1,000,000 tokens cost $4, so $12 per day.",
        "2,000 x 3,500 = 7,000,000 tokens at $1 per million: $7 a day.",
        "Input: 2,000 x 3,000 = 6,000,000 tokens at $4 per million = $24. Total $25 per day.",
    ],
)
def test_an_answer_reaching_another_result_is_wrong(answer: str) -> None:
    assert wrong_result(answer, QUESTION, KEY)


@pytest.mark.parametrize(
    "answer",
    [
        "6M input tokens cost six dollars and 1M output tokens four, so ten dollars a day.",
        "$6 + $4 = $10 per day, which is $300 a month.",  # a figure of its own beside the result
        "Multiply requests by tokens, then by each price, and add both costs.",  # no numbers
        "It costs 2,000 x 3,000 tokens at $1 per million ...",  # numbers of the question only
    ],
)
def test_the_key_result_or_no_result_of_its_own_is_left_to_the_models(answer: str) -> None:
    assert not wrong_result(answer, QUESTION, KEY)


def test_a_key_point_that_gives_the_result() -> None:
    assert states_result("The total is $10 per day, about $300 per month.", QUESTION, KEY)
    assert not states_result("6 million input tokens at $1 per million is $6.", QUESTION, KEY)


HOW_MANY = "Roughly how many tokens would a tokenizer produce for 750 words of English prose?"


def test_a_question_asking_how_many_has_the_key_figure_as_its_answer() -> None:
    assert expected_figure(HOW_MANY, "About 1,000 tokens.") == 1000
    explained = "About 1,000 tokens, since a token is roughly three quarters of a word."
    assert expected_figure(HOW_MANY, explained) == 1000
    assert expected_figure("Why do so many words become tokens?", explained) is None
    assert wrong_result("About 500 tokens.", HOW_MANY, "About 1,000 tokens.")
    assert not wrong_result("Around 1k tokens.", HOW_MANY, "About 1,000 tokens.")
    # an estimate near the key's estimate is one: within a quarter of it
    assert not wrong_result("Some 1,200 tokens.", HOW_MANY, "About 1,000 tokens.")
    assert wrong_result("Some 1,300 tokens.", HOW_MANY, "About 1,000 tokens.")
    assert wrong_result("1,200 tokens.", HOW_MANY, "Exactly 1,000 tokens.")
    # the question's own figure is no answer of the learner's: left to the models
    assert not wrong_result("About 750, one per word.", HOW_MANY, "About 1,000 tokens.")


STEPS = [KEY, "The total is $10 per day, about $300 per month."]


def test_a_figure_per_unit_must_be_the_keys_for_that_unit() -> None:
    right_total = "6M tokens in and 1M out cost $6 + $4 = $10 per day"
    assert conflicting_units(f"{right_total}, roughly $3,650 per month.", QUESTION, STEPS) == {
        "month"
    }
    # "about $300" is an estimate: a 31-day month is the same figure
    assert conflicting_units(f"{right_total}, about $310 a month.", QUESTION, STEPS) == set()
    # a unit the key gives no figure for, and the question's own figures, are left alone
    assert conflicting_units(f"{right_total}, $0.005 per request.", QUESTION, STEPS) == set()
    assert (
        conflicting_units("It makes 2,000 requests a day. $10 per day.", QUESTION, STEPS) == set()
    )
    assert conflicting_units("6,000,000 tokens a day in: $6.", QUESTION, STEPS) == set()
    # a misread question is a figure of its own
    assert conflicting_units("2,500 requests a day: $12.50 per day.", QUESTION, STEPS) == {"day"}
    # a sentence end is no unit: "$10. Each day ..." ties nothing to the day
    assert conflicting_units("It costs $12. Each day it grows.", QUESTION, STEPS) == set()


@pytest.mark.parametrize(
    ("key", "figure"),
    [
        ("4", 4),
        ("$10", 10),
        ("About 1,000 tokens.", 1000),
        ("forty-two", 42),
        ("Two apples and three pears.", None),  # two figures: which one?
        ("About 1,000 tokens, one per three quarters of a word.", None),  # an explanation
        ("Lowering the temperature sharpens the distribution.", None),
    ],
)
def test_a_key_that_is_nothing_but_a_figure_is_that_figure(key: str, figure: float | None) -> None:
    assert figure_key(key) == figure


def test_a_question_that_is_a_calculation_has_the_key_figure_as_its_answer() -> None:
    """Neither "how many" nor a worked key: "5" for "What is 2+2?" was graded correct 0.66."""
    assert expected_figure("What is 2+2?", "4") == 4
    assert expected_figure("Compute 15 x 4 and say what it means.", "60 seconds, one minute") == 60
    assert wrong_result("5", "What is 2+2?", "4")
    assert wrong_result("2 + 2 = 5", "What is 2+2?", "4")
    assert not wrong_result("four", "What is 2+2?", "4")
    assert not wrong_result("It is 4, because two and two make four.", "What is 2+2?", "4")


def test_a_bare_figure_key_in_its_own_terms() -> None:
    question, key = "What is the boiling point of water in Celsius?", "100 degrees Celsius"
    assert in_key_terms("100 C", question, key) and in_key_terms("about 90 degrees", question, key)
    assert not in_key_terms("212 degrees Fahrenheit", question, key)
    assert gives_figure("one hundred C", question, key) and not gives_figure("100 F", question, key)
    assert not gives_figure("100 or 90", question, key)
    assert hedges_figure("100 or 90", question, key) and not hedges_figure("100", question, key)
    assert not hedges_figure("between 800 and 1,200", "How many tokens?", "About 1,000 tokens")


def test_the_figure_a_key_opens_with() -> None:
    question = "Which temperature setting is most appropriate?"
    key = "0 or close to 0, because each field has one correct value."
    assert gives_only_leading("Temperature 0", question, key)
    assert gives_only_leading("zero", question, key)
    assert not gives_only_leading("0 because each field has one value", question, key)
    assert not gives_only_leading("0.7", question, key)
    assert not gives_only_leading("0", question, "Set it to 0 for extraction.")


def test_relations_between_a_variable_and_a_number() -> None:
    assert relations("x > 5, or 5 < x, and y <= -2") == {("x", ">", 5), ("y", "<=", -2)}
    assert relations("x \u2265 3 but not a > b") == {("x", ">=", 3)}
    assert relations("the answer is more than 5") == set()


@pytest.mark.parametrize(
    ("answer", "crosses"),
    [
        ("x < 5", True),
        ("x >= 5", True),
        ("x = 5", True),
        ("x > 5", False),
        ("5 < x", False),  # the same relation written the other way round
        ("x > 5, since x < 5 fails the check", False),  # says the key's relation
        ("x is more than 5", False),  # in words: the models'
        ("y < 5", False),  # another variable
    ],
)
def test_an_inequality_answered_the_other_way(answer: str, crosses: bool) -> None:
    assert crosses_relation(answer, "x > 5") is crosses


def test_an_equation_key_is_no_inequality() -> None:
    assert not crosses_relation("x = 3", "x = -3")  # the figure check reads it


def test_a_power_of_ten_is_a_figure_not_a_calculation() -> None:
    key = "About 3 x 10^8 metres per second."
    assert worked_result(key) is None
    assert figure_key(key) == pytest.approx(3e8)  # "per second" is the unit's, not a word
    question = "What is the speed of light in a vacuum?"
    assert gives_figure("About 300,000,000 metres per second.", question, key)
    assert gives_figure("3 x 10^8 m/s", question, key)
    assert wrong_result("About 3 x 10^5 metres per second.", question, key)


def test_a_fraction_is_its_value() -> None:
    question = "Write 0.75 as a fraction."
    assert gives_figure("6/8", question, "3/4")
    assert wrong_result("4/3", question, "3/4")
    assert gives_figure("1/2 = 0.5", "What is one half written as a decimal?", "0.5")


def test_a_year_other_than_the_key_s() -> None:
    key = "The assassination of Franz Ferdinand in 1914 set off a war between alliances."
    asked = "Why did World War I start?"
    assert years("in 1914, then 1,914 soldiers, $2000 and 20145 more") == {1914}
    assert wrong_year("It started in 1939 with an assassination.", asked, key)
    assert not wrong_year("It started in 1914.", asked, key)
    assert not wrong_year("An assassination set off the war.", asked, key)  # no year: models'
    assert not wrong_year("It ended in 1918.", "What happened in 1918?", "It ended in 1918.")
    assert not wrong_year("In 1939.", asked, "An assassination set off the war.")  # undated key


def test_working_that_ends_in_the_key_figure() -> None:
    asked = "A shirt costs $40 and is 25% off. What is the sale price?"
    assert works_to_figure("25% of 40 is 10, so 40 - 10 = $30.", asked, "$30")
    assert not works_to_figure("25% of 40 is 10, so 40 + 10 = $50.", asked, "$30")
    assert not works_to_figure("$30", asked, "$30")  # no working: gives_figure reads it
    assert not works_to_figure("40 - 10 = 30", asked, "The sale price is $30 after 25% off.")
