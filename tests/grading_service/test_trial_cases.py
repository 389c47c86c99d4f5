"""The cases a new user tried (issue 11), through ``tutor grade`` as a user runs it.

Each failed on the grader before this one: backwards facts graded correct, a negated claim
graded correct, a paraphrase only partly correct, padding raising a grade to correct, stated
common mistakes not reported, a right answer in French graded incorrect with full confidence.
Those still failing are strict xfails: they turn red the day they pass.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tutor.cli import app
from tutor.grading.offline import OfflineGrader

runner = CliRunner()


@pytest.fixture(autouse=True)
def data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, offline: OfflineGrader) -> Path:
    monkeypatch.setenv("TUTOR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TUTOR_DATABASE_URL", f"sqlite:///{tmp_path / 'tutor.db'}")
    return tmp_path / "data"


def grade(*args: str) -> dict[str, Any]:
    result = runner.invoke(app, ["grade", *args, "--json"])
    assert result.exit_code == 0, result.output
    graded: dict[str, Any] = json.loads(result.stdout)
    return graded


BINARY_SEARCH = (
    "--question", "Why does binary search need sorted input?",
    "--reference", "Each comparison with the middle element tells which half can hold the target "
    "only because the list is sorted, so the other half can be discarded.",
)  # fmt: skip


def test_backwards_facts_are_not_correct() -> None:
    """The key's two directions swapped: each answer clause turns a word of its key clause
    into the opposite (the cross-encoder alone graded it correct 0.94)."""
    backwards = (
        "Lowering the temperature flattens the distribution so unlikely tokens are picked more "
        "often; raising it sharpens the distribution so the top token almost always wins."
    )
    graded = grade("--item", "samp-02", "--answer", backwards)
    assert graded["verdict"] == "incorrect", graded
    assert "opposite" in graded["feedback"]["text"] and graded["feedback"]["correct"] == []


def test_both_directions_in_the_other_order_stay_correct() -> None:
    """The same two directions, right, with the clauses in the other order and other words."""
    right = (
        "Raising the temperature flattens the distribution, so unlikely tokens get picked more "
        "often; lowering it sharpens the distribution, so the top token almost always wins."
    )
    assert grade("--item", "samp-02", "--answer", right)["verdict"] == "correct"


TEMPERATURE = (
    "--question", "What does the temperature setting do to the next-token distribution?",
    "--reference", "Lowering it sharpens the distribution so the top tokens dominate; raising it "
    "flattens it so unlikely tokens are picked more often.",
)  # fmt: skip


@pytest.mark.parametrize(
    "answer",
    [
        "Lowering it flattens the distribution so unlikely tokens are picked more often; raising "
        "it sharpens it so the top tokens dominate.",
        "Raising it sharpens the distribution so the top tokens dominate; lowering it flattens "
        "it so unlikely tokens are picked more often.",
    ],
    ids=["effects-swapped", "causes-swapped"],
)
def test_swapped_directions_with_short_clauses_are_not_correct(answer: str) -> None:
    """Found through ``POST /v1/grade`` (graded correct 0.93): "raising it flattens it" and
    "raising it sharpens it" share one content word, so the clauses were never compared."""
    graded = grade(*TEMPERATURE, "--answer", answer)
    assert graded["verdict"] == "incorrect", graded
    assert "needs_review" in graded["flags"]


def test_short_clauses_right_in_the_other_order_stay_correct() -> None:
    right = (
        "Raising it flattens it so unlikely tokens are picked more often; lowering it sharpens "
        "the distribution so the top tokens dominate."
    )
    assert grade(*TEMPERATURE, "--answer", right)["verdict"] == "correct"


def test_the_right_method_with_a_wrong_total_is_not_correct() -> None:
    """The models read "$12" and "$10" alike: this was graded correct 0.97, no review."""
    wrong_total = (
        "Input: 2,000 x 3,000 = 6,000,000 tokens, costing $6. Output: 2,000 x 500 = "
        "1,000,000 tokens, costing $4. Total: $12 per day."
    )
    graded = grade("--item", "ctx-04", "--answer", wrong_total)
    assert graded["verdict"] == "partially_correct", graded
    assert "needs_review" in graded["flags"]
    assert "final figure" in graded["feedback"]["text"]
    assert not any("$10" in point for point in graded["feedback"]["correct"])
    right = "Input is 6M tokens so $6, output is 1M tokens so $4: ten dollars a day."
    assert grade("--item", "ctx-04", "--answer", right)["verdict"] == "correct"


def test_a_wrong_estimate_to_how_many_is_not_correct() -> None:
    """A question asking how many, its key a figure: half that figure was graded correct."""
    tokens = (
        "--question", "Roughly how many tokens does a tokenizer produce for 750 words of English?",
        "--reference", "About 1,000 tokens, as a token is about three quarters of a word.",
    )  # fmt: skip
    wrong = "About 1,500 tokens, as a token is about three quarters of a word."  # was 0.88
    graded = grade(*tokens, "--answer", wrong)
    assert graded["verdict"] != "correct", graded
    assert "final figure" in graded["feedback"]["text"]
    right = "Around 1k tokens, since each token is roughly three quarters of a word."
    assert grade(*tokens, "--answer", right)["verdict"] == "correct"


def test_a_wrong_number_for_a_bare_figure_key_is_incorrect() -> None:
    """Neither "how many" nor a worked key: "5" for "What is 2+2?" was graded correct 0.66.
    A key that is nothing but a figure leaves no working to credit: another figure is wrong."""
    sum_of = ("--question", "What is 2+2?", "--reference", "4")
    for wrong in ("5", "2 + 2 = 5"):
        graded = grade(*sum_of, "--answer", wrong)
        assert graded["verdict"] == "incorrect", graded
        assert "final figure" in graded["feedback"]["text"]
    for right in ("4", "four", "It is 4."):
        assert grade(*sum_of, "--answer", right)["verdict"] == "correct", right


def test_a_bare_figure_key_read_in_its_own_terms() -> None:
    """The key's figure written another way was partially correct ("fifty-six" 0.49, "100 C"
    for "100 degrees Celsius" 0.40); a hedge ("56 or 54") and "not 56" were correct. Another
    figure in another unit is not known wrong: it goes to a teacher, not under the band."""
    product = ("--question", "What is 7 x 8?", "--reference", "56")
    assert grade(*product, "--answer", "fifty-six")["verdict"] == "correct"
    assert grade(*product, "--answer", "56 or 54")["verdict"] == "partially_correct"
    denied = grade(*product, "--answer", "not 56")
    assert denied["verdict"] == "incorrect" and denied["feedback"]["correct"] == [], denied
    assert "opposite" in denied["feedback"]["text"]
    boiling = ("--question", "What is the boiling point of water at sea level in Celsius?",
               "--reference", "100 degrees Celsius.")  # fmt: skip
    assert grade(*boiling, "--answer", "100 C")["verdict"] == "correct"
    assert grade(*boiling, "--answer", "90 degrees")["verdict"] == "incorrect"
    other_unit = grade(*boiling, "--answer", "212 degrees Fahrenheit")
    assert other_unit["verdict"] == "partially_correct" and "needs_review" in other_unit["flags"]


def test_a_list_of_fewer_items_than_the_keys_is_partly_right() -> None:
    """ "Red and green." for the three primary colours of light was graded correct 0.92."""
    colours = ("--question", "What are the three primary colours of light?",
               "--reference", "Red, green and blue.")  # fmt: skip
    graded = grade(*colours, "--answer", "Red and green.")
    assert graded["verdict"] == "partially_correct", graded
    assert "blue" in graded["feedback"]["missing"]
    assert grade(*colours, "--answer", "green, blue and red")["verdict"] == "correct"


def test_feedback_credits_a_term_only_when_it_is_said() -> None:
    """Word vectors put co-hyponyms as close as synonyms: "oxygen" was told "You correctly
    mention: carbon dioxide", and "red, green, blue" that it mentions "yellow"."""
    gas = ("--question", "What gas do plants absorb from the air?", "--reference", "Carbon dioxide")
    graded = grade(*gas, "--answer", "oxygen")
    assert graded["feedback"]["correct"] == [], graded["feedback"]
    assert graded["feedback"]["missing"] == ["carbon dioxide"]
    assert grade(*gas, "--answer", "carbon dioxide")["feedback"]["correct"] == ["carbon dioxide"]
    colours = ("--question", "Name the three primary colours of paint.",
               "--reference", "Red, yellow and blue")  # fmt: skip
    feedback = grade(*colours, "--answer", "red, green, blue")["feedback"]
    assert "yellow" not in " ".join(feedback["correct"]), feedback
    assert "yellow" in " ".join(feedback["missing"])
    key = "Ice is less dense than liquid water because its molecules form an open lattice."
    ice = ("--question", "Why does ice float on water?", "--reference", key)
    feedback = grade(*ice, "--answer", "Ice is more dense than water.")["feedback"]
    assert "less dense" not in feedback["correct"] and "less dense" in feedback["missing"]
    assert "less dense" in grade(*ice, "--answer", "It is less dense.")["feedback"]["correct"]


@pytest.mark.parametrize(
    ("question", "key", "wrong", "right", "told"),
    [
        ("What is the capital of France?", "Paris", "London", "It is Paris.", None),
        ("Who wrote Hamlet?", "William Shakespeare", "Christopher Marlowe", "Shakespeare", None),
        ("Is the Earth flat?", "No", "Yes", "No, it is roughly a sphere.", None),
        ("What pH range do acids have?", "Below 7", "Above 7", "below 7", "opposite"),
        ("Does heating a gas at constant volume raise or lower its pressure?",
         "It raises the pressure.", "It lowers the pressure.",
         "It raises the pressure: the molecules hit the walls harder.", "opposite"),
    ],
)  # fmt: skip
def test_a_short_key_answered_wrong_and_right(
    question: str, key: str, wrong: str, right: str, told: str | None
) -> None:
    """Against keys this short the models grade by topic: "London" was partially correct 0.41,
    "Christopher Marlowe" 0.37, the right "No, it is roughly a sphere." 0.50, "Above 7"
    correct 0.70, "It lowers the pressure." partially correct 0.57. An answer that says the key
    the other way round is told so."""
    ad_hoc = ("--question", question, "--reference", key)
    graded = grade(*ad_hoc, "--answer", wrong)
    assert graded["verdict"] == "incorrect", graded
    if told is not None:
        assert told in graded["feedback"]["text"]
    assert grade(*ad_hoc, "--answer", right)["verdict"] == "correct"


@pytest.mark.parametrize(
    ("question", "key", "wrong", "right"),
    [
        ("Why do we see lightning before we hear thunder?",
         "Light travels much faster than sound.",
         "Because sound is faster than light.", "Sound is slower than light."),
        ("Why does ice float on water?", "Ice is less dense than liquid water.",
         "Because ice is denser than water.", "Water is denser than ice, so ice floats."),
        ("Why is the ground wet this morning?", "It rained overnight, so the ground is wet.",
         "The ground is wet, so it rained.", "The ground is wet because it rained overnight."),
    ],
)  # fmt: skip
def test_a_comparison_or_a_cause_the_other_way_round_is_not_correct(
    question: str, key: str, wrong: str, right: str
) -> None:
    """The two things swapped, or the direction turned, were graded correct 0.77 and 0.78;
    both turned at once say the key again. So was a cause given as the effect (0.75)."""
    ad_hoc = ("--question", question, "--reference", key)
    graded = grade(*ad_hoc, "--answer", wrong)
    assert graded["verdict"] == "incorrect" and "opposite" in graded["feedback"]["text"], graded
    assert grade(*ad_hoc, "--answer", right)["verdict"] == "correct"


def test_a_right_total_with_a_wrong_monthly_figure_is_not_correct() -> None:
    """ctx-04's steps say "about $300 per month"; this was graded correct 0.87."""
    answer = (
        "Daily input is 2,000 requests times 3,000 tokens, 6M tokens, so $6; daily output is "
        "2,000 times 500, 1M tokens, so another $4. Ten dollars per day, which comes to roughly "
        "$3,650 per month."
    )
    graded = grade("--item", "ctx-04", "--answer", answer)
    assert graded["verdict"] == "partially_correct", graded
    assert "does not match" in graded["feedback"]["text"]
    assert not any("per month" in point for point in graded["feedback"]["correct"])


def test_a_wrong_figure_per_unit_leaves_the_right_result_covered() -> None:
    """Only the monthly figure is wrong: the daily total the answer gets right stays covered."""
    graded = grade(
        "--question", "A feature makes 2,000 requests a day of 3,000 input and 500 output tokens "
        "at $1 and $4 per million. What does it cost?",
        "--reference", "It comes to about $300 per month: input costs $6 and output $4, so "
        "$6 + $4 = $10 per day.",
        "--answer", "Input costs $6 and output $4, so $6 + $4 = $10 per day, roughly $3,650 per "
        "month.",
    )  # fmt: skip
    assert graded["verdict"] == "partially_correct", graded
    assert any("10 per day" in point for point in graded["feedback"]["correct"]), graded


def test_a_negated_claim_is_not_correct() -> None:
    negated = "The list does not need to be sorted; binary search works on any order."
    assert grade(*BINARY_SEARCH, "--answer", negated)["verdict"] != "correct"


PLANTS = (
    "--question", "Why do plants need sunlight?",
    "--reference", "Plants use the energy of sunlight to make food by photosynthesis.",
)  # fmt: skip


@pytest.mark.parametrize(
    ("answer", "verdict"),
    [
        # the question's own fact denied, in its own words (correct 0.70 with the blend for a
        # key of one reference, before the check)
        ("Plants do not need sunlight; they get their food from the soil.", "incorrect"),
        ("Plants don't need sunlight.", "incorrect"),
        # explanations that negate, with words of their own, are not read as denials (they
        # leave energy and photosynthesis out: partly correct)
        ("Without sunlight plants cannot make food.", "partially_correct"),
        ("They need it because they cannot make food without light.", "partially_correct"),
        ("They use the light's energy to make their food through photosynthesis.", "correct"),
    ],
)
def test_an_answer_denying_what_a_why_question_asks_is_incorrect(answer: str, verdict: str) -> None:
    graded = grade(*PLANTS, "--answer", answer)
    assert graded["verdict"] == verdict, graded
    denied = graded["feedback"]["text"].startswith("Your answer says the opposite")
    assert denied is (verdict == "incorrect"), graded


def test_a_key_said_backwards_is_not_correct_beside_graded_answers() -> None:
    """samp-04 has graded answers; this one shares their words and reverses two of the key's
    clauses (it was graded correct 0.82, the neighbours vouching for its words)."""
    backwards = (
        "At temperature 0 the model does not pick its most likely token, so the same prompt "
        "does not produce the same output every time. Raising the temperature or top-p would "
        "not make it sample less likely continuations."
    )
    graded = grade("--item", "samp-04", "--answer", backwards)
    assert graded["verdict"] == "incorrect", graded
    assert graded["feedback"]["correct"] == []


def test_a_key_negated_clause_by_clause_beside_graded_answers_is_incorrect() -> None:
    """pb-03's key says "..., not as instructions"; the answer negates its first clause and
    asserts what the second denies (graded correct 0.77)."""
    negated = (
        "They do not mark where the data starts and ends, so the model treats it as instructions."
    )
    assert grade("--item", "pb-03", "--answer", negated)["verdict"] == "incorrect"


PHOTOSYNTHESIS = (
    "--question", "What is photosynthesis?",
    "--reference", "Plants use light energy to turn carbon dioxide and water into glucose and "
    "oxygen.",
)  # fmt: skip


def test_a_change_run_backwards_is_not_correct() -> None:
    """Reactants and products swapped (graded correct 0.93); the same change told in other
    words stays correct."""
    backwards = "Plants use light energy to turn glucose and oxygen into carbon dioxide and water."
    assert grade(*PHOTOSYNTHESIS, "--answer", backwards)["verdict"] == "incorrect"
    right = "Plants turn carbon dioxide and water into sugar and oxygen, using the energy of light."
    assert grade(*PHOTOSYNTHESIS, "--answer", right)["verdict"] == "correct"


def test_two_terms_swapped_are_not_correct() -> None:
    """Weather and climate given each other's definitions (graded correct 0.79)."""
    climate = ("--question", "What is the difference between weather and climate?",
               "--reference", "Weather is the day-to-day conditions, and climate is the "
               "long-term average.")  # fmt: skip
    swapped = "Climate is the day to day conditions and weather is the long-term average."
    assert grade(*climate, "--answer", swapped)["verdict"] == "incorrect"
    right = "Weather is what the conditions are on a given day; climate is their long-term average."
    assert grade(*climate, "--answer", right)["verdict"] != "incorrect"


@pytest.mark.parametrize(
    ("question", "key", "wrong"),
    [
        # a fourth probe of 20 ad-hoc answers: graded correct 0.69-0.93
        ("Which planet is closest to the Sun?", "Mercury",
         "Venus is the closest planet to the Sun."),
        ("In what order do you do these: wash your hands, dry them?",
         "First wash your hands, then dry them.", "First dry your hands, then wash them."),
        ("Why does a metal spoon in hot soup get hot?",
         "Metal is a good conductor, so heat flows from the soup into the spoon.",
         "Metal is a good insulator, so heat flows from the soup into the spoon."),
        ("Why is binary search faster than linear search on a sorted list?",
         "It halves the search range at each step, so it takes about log n steps instead of n.",
         "It doubles the search range at each step, so it takes about n squared steps."),
        # a fifth probe: 15 wrong verdicts of 20, 11 of them a key term swapped for its
        # opposite or a term learners mix it up with, graded correct 0.66-0.95
        # (tutor.grading.opposites)
        ("What kind of reaction releases heat to the surroundings?",
         "An exothermic reaction releases heat.", "An endothermic reaction releases heat."),
        ("Why does salt disappear when stirred into water?",
         "Salt is soluble, so it dissolves in water.",
         "Salt is insoluble, so it dissolves in water."),
        ("What does a Python tuple not allow that a list does?",
         "Tuples are immutable, so you cannot change their items after creating them.",
         "Tuples are mutable, so you cannot change their items after creating them."),
        ("Which animals eat only plants?", "Herbivores eat only plants.",
         "Carnivores eat only plants."),
        # a sixth and seventh probe (76 ad-hoc answers, 18 wrong verdicts): graded correct
        # 0.67-0.94, a sign, a formula, an inequality, an expression, a complexity, a
        # "non-", the other reply to a reasoned yes/no and confusable terms
        ("Solve 2x + 6 = 0.", "x = -3", "x = 3"),
        ("What is the chemical formula of water?", "H2O", "H2O2"),
        ("Solve the inequality x + 2 > 7.", "x > 5", "x < 5"),
        ("Simplify 2(x + 3).", "2x + 6", "2x + 3"),
        ("What is the time complexity of binary search?", "O(log n)", "O(n)"),
        ("Is coal a renewable or a non-renewable resource? Why?",
         "Coal is non-renewable, because it forms over millions of years and we use it far "
         "faster than it forms.", "Coal is renewable, because it forms over millions of years."),
        ("Is 15 a prime number? Explain.", "No, because it is divisible by 3 and 5.",
         "Yes, because it is only divisible by 1 and itself."),
        ("What is the function of red blood cells?",
         "They carry oxygen from the lungs to the rest of the body.",
         "They carry carbon dioxide from the lungs to the rest of the body."),
        ("What is condensation?", "When a gas cools and turns into a liquid.",
         "When a gas heats up and turns into a solid."),
        ("Why are the tropical rainforests important for the climate?",
         "They absorb large amounts of carbon dioxide and store carbon in their trees, which "
         "slows global warming.",
         "They release large amounts of carbon dioxide, which speeds up global warming."),
        # an eighth probe (39 answers): a fraction, a power of ten, two terms exchanged
        ("Write 0.75 as a fraction.", "3/4", "4/3"),
        ("What is the speed of light in a vacuum?", "About 3 x 10^8 metres per second.",
         "About 3 x 10^5 metres per second."),
        ("What is the difference between speed and velocity?",
         "Velocity is speed in a given direction; speed has no direction.",
         "Speed is velocity in a given direction; velocity has no direction."),
        ("What is the main job of the lungs?",
         "To take in oxygen and remove carbon dioxide from the blood.",
         "To take in carbon dioxide and remove oxygen from the blood."),
        # a ninth probe (28 answers of two or three sentences): 6 wrong verdicts, graded
        # correct 0.79-0.95
        ("Why is the sky blue?",
         "Air molecules scatter short blue wavelengths of sunlight much more than long red "
         "wavelengths, so blue light reaches our eyes from all directions.",
         "Air molecules scatter long red wavelengths much more than short blue wavelengths."),
        ("What does an enzyme do?", "It speeds up a chemical reaction without being used up.",
         "It slows down a chemical reaction without being used up."),
        ("Why do we have day and night?",
         "Because the Earth rotates on its axis once every 24 hours.",
         "Because the Earth orbits the Sun once every 24 hours."),
        # a tenth probe, of computing (20 answers, 7 wrong verdicts, graded correct 0.75-0.94)
        ("Why use a hash table?",
         "It finds, inserts and deletes items in constant time on average.",
         "It finds, inserts and deletes items in linear time on average."),
        ("What does HTML stand for?", "HyperText Markup Language", "HyperText Machine Language"),
        ("Which is faster to search, a sorted array with binary search or an unsorted array "
         "with linear search?", "The sorted array with binary search.",
         "The unsorted array with linear search."),
        # an eleventh probe (30 answers of history, geography, economics, health, chemistry,
        # words and arithmetic): 9 wrong verdicts, graded correct 0.75-0.93
        ("What was the main cause of the Great Depression?",
         "The 1929 stock market crash, followed by bank failures and a collapse in spending.",
         "The 1929 stock market boom, followed by bank growth and a rise in spending."),
        ("What causes tides?", "Mainly the Moon's gravity pulling on the Earth's oceans.",
         "Mainly the Sun's gravity pulling on the Earth's oceans."),
        ("What happens to demand when the price of a good rises, other things equal?",
         "Demand falls: people buy less of it.", "Demand rises: people buy more of it."),
        ("Is rusting a physical or a chemical change? Why?",
         "A chemical change, because a new substance, iron oxide, is formed.",
         "A physical change, because a new substance, iron oxide, is formed."),
        ("Why does iron rust?", "Iron reacts with oxygen and water to form iron oxide.",
         "Iron reacts with nitrogen and water to form iron nitride."),
        ("A shirt costs $40 and is 25% off. What is the sale price?", "$30",
         "25% of 40 is 10, so 40 + 10 = $50."),
    ],
)  # fmt: skip
def test_ad_hoc_wrong_answers_from_the_probes_are_incorrect(
    question: str, key: str, wrong: str
) -> None:
    graded = grade("--question", question, "--reference", key, "--answer", wrong)
    assert graded["verdict"] == "incorrect", graded


def test_a_wrong_formula_is_told_its_result_is_not_the_key_s() -> None:
    """Not that it says the opposite of the key, nor that it mentions the key's "2 x 6"."""
    graded = grade("--question", "Simplify 2(x + 3).", "--reference", "2x + 6",
                   "--answer", "2x + 3")  # fmt: skip
    assert "expression does not match" in graded["feedback"]["text"], graded
    assert graded["feedback"]["missing"] == ["2x + 6"] and graded["feedback"]["correct"] == []
    graded = grade("--question", "What is the time complexity of binary search?",
                   "--reference", "O(log n)", "--answer", "O(n)")  # fmt: skip
    assert graded["feedback"]["missing"] == ["O(log n)"] and graded["feedback"]["correct"] == []


def test_a_wrong_year_is_not_correct() -> None:
    """The right event with another year (`correct` 0.78): partly right, for review."""
    graded = grade(
        "--question", "Why did World War I start?",
        "--reference", "The assassination of Archduke Franz Ferdinand in 1914 set off a war "
        "between alliances that were already in tension.",
        "--answer", "The assassination of Archduke Franz Ferdinand in 1939 set off a war "
        "between alliances.",
    )  # fmt: skip
    assert graded["verdict"] == "partially_correct", graded


@pytest.mark.parametrize(
    ("question", "key", "right"),
    [
        ("Solve 2x + 6 = 0.", "x = -3", "x = -3"),
        ("What is the chemical formula of water?", "H2O",
         "It is H2O: two hydrogen atoms and one oxygen atom."),
        ("Solve the inequality x + 2 > 7.", "x > 5", "5 < x"),
        ("Simplify 2(x + 3).", "2x + 6", "6 + 2x"),
        ("What is the time complexity of binary search?", "O(log n)",
         "O(log n), because it halves the range each step."),
        ("Is 15 a prime number? Explain.", "No, because it is divisible by 3 and 5.",
         "No: 15 = 3 x 5, so it has factors other than 1 and 15."),
        ("What does a plant need for photosynthesis?", "Light, water and carbon dioxide.",
         "Sunlight, water and CO2."),
        ("Write 0.75 as a fraction.", "3/4", "6/8"),
        ("What is one half written as a decimal?", "0.5", "1/2 = 0.5"),
        ("What is the speed of light in a vacuum?", "About 3 x 10^8 metres per second.",
         "About 300,000,000 metres per second."),
        ("What is the speed of light in a vacuum?", "About 3 x 10^8 metres per second.",
         "3 x 10^8 m/s"),
        ("Why is the sky blue?",
         "Air molecules scatter short blue wavelengths of sunlight much more than long red "
         "wavelengths, so blue light reaches our eyes from all directions.",
         "Blue light has a shorter wavelength, so the gases in the air bounce it around far "
         "more than red light, and it comes at us from the whole sky."),
        ("What does an enzyme do?", "It speeds up a chemical reaction without being used up.",
         "An enzyme is a catalyst: it makes a reaction happen faster and is left unchanged "
         "afterwards."),
        ("Why use a hash table?",
         "It finds, inserts and deletes items in constant time on average.",
         "Lookups, insertions and deletions take O(1) time on average."),
        ("Is melting ice a physical or a chemical change?",
         "A physical change: it is still water, only its state changes.",
         "Physical, since no new substance forms; water just goes from solid to liquid."),
        # a twelfth probe (20 answers): the working to a bare figure, the figure alone where
        # the question asks for no reason (`partially_correct` 0.50 and 0.62)
        ("A shirt costs $40 and is 25% off. What is the sale price?", "$30",
         "25% of 40 is 10, so 40 - 10 = $30."),
        ("What is the next number: 2, 4, 8, 16, ...?", "32, since each number doubles.", "32"),
        ("Why did World War I start?",
         "The assassination of Archduke Franz Ferdinand in 1914 set off a war between "
         "alliances that were already in tension.",
         "In 1914 Franz Ferdinand was shot, and the alliances, already tense, pulled each "
         "other into war."),
    ],
)  # fmt: skip
def test_ad_hoc_right_answers_from_the_probes_stay_correct(
    question: str, key: str, right: str
) -> None:
    graded = grade("--question", question, "--reference", key, "--answer", right)
    assert graded["verdict"] == "correct", graded


SOLID = "Is ice at -5 C a solid, a liquid or a gas?"


@pytest.mark.parametrize(
    ("question", "key", "right"),
    [
        (SOLID, "solid", "solid"),  # partially_correct 0.51: the question's own word
        (SOLID, "solid", "It is a solid."),
        (SOLID, "solid", "Ice at -5 C is a solid."),
        ("Which is denser, ice or liquid water?", "liquid water", "liquid water"),  # 0.58
        ("Which organ pumps blood around the body?", "the heart", "The heart pumps blood."),
        ("Does the Moon orbit the Earth or the Sun?", "the Earth", "The Moon orbits the Earth."),
        ("What is the charge of an electron?", "negative", "An electron has a negative charge."),
        ("Which is denser, ice or liquid water?", "liquid water",
         "Liquid water is denser than ice."),
        ("Which is the largest planet in the Solar System?", "Jupiter",
         "Jupiter; Mercury is the smallest."),
        ("Which falls faster in a vacuum, a feather or a hammer?", "neither", "neither"),
        ("At sea level, does water boil at a higher or lower temperature than it freezes?",
         "higher", "A higher temperature."),
        ("What forms when an acid reacts with a base?", "salt and water",
         "Salt and water form, not acid."),
        ("What travels faster than sound?", "light", "Light travels faster than sound."),
        ("What does the Moon orbit?", "the Earth", "The Earth is orbited by the Moon."),
        ("Who painted the Mona Lisa?", "Leonardo da Vinci",
         "Leonardo da Vinci painted the Mona Lisa."),
        ("Does salt water freeze at a higher or lower temperature than pure water?", "lower",
         "At a lower temperature."),  # partially_correct 0.62: "temperature" read as an option
        # incorrect 0.12, flagged off topic: its words are far from the question's
        ("Can sound travel through a vacuum?", "no", "No, it needs a medium."),
        ("What stays the same when you move an object to the Moon: its mass or its weight?",
         "its mass", "The mass stays the same."),  # partially_correct 0.61
        ("Why does ice float on water?", "It is less dense", "Ice is less dense than water."),
        # a synonym of a one-word key (WordNet, tutor/grading/synonyms.py): partial 0.53 before
        ("Give a word that means the same as 'rapid'.", "fast", "quick"),
        ("Give a word that means the same as 'rich'.", "wealthy", "It means affluent."),
    ],
)  # fmt: skip
def test_a_short_key_stated_as_written_is_correct(question: str, key: str, right: str) -> None:
    """A key of a common word or two, and the answer says it with nothing but the question's
    words around it (three probes: 160 answers to 32 short-key questions)."""
    graded = grade("--question", question, "--reference", key, "--answer", right)
    assert graded["verdict"] == "correct", graded


def test_true_sentences_about_something_else_do_not_hide_a_reversed_key() -> None:
    """A wrong answer padded with sentences about computing diluted the reversal check, which
    reads how much of the answer restates the key: `correct` 0.76 for an answer graded
    `incorrect` 0.30 alone."""
    catalyst = (
        "--question", "What does a catalyst do in a chemical reaction?",
        "--reference", "It speeds up the reaction by lowering the activation energy, without "
        "being used up.",
    )  # fmt: skip
    wrong = "It slows the reaction down by raising the activation energy."
    padding = (
        " Machine learning is a branch of artificial intelligence. Cloud providers rent "
        "computing power by the hour. The first computers filled entire rooms."
    )
    alone = grade(*catalyst, "--answer", wrong)
    padded = grade(*catalyst, "--answer", wrong + padding)
    assert alone["verdict"] == padded["verdict"] == "incorrect", (alone, padded)
    right = grade(*catalyst, "--answer", "It makes the reaction faster by lowering the energy "
                  "needed to start it, and it is not consumed." + padding)  # fmt: skip
    assert right["verdict"] != "incorrect", right


def test_feedback_credits_a_key_word_said_with_a_synonym() -> None:
    """The verdict credited "quick" for "fast" while the feedback said "Missing: fast"."""
    graded = grade("--question", "Give a word that means the same as 'rapid'.",
                   "--reference", "fast", "--answer", "quick")  # fmt: skip
    assert graded["feedback"]["correct"] == ["fast"] and not graded["feedback"]["missing"]
    other = grade("--question", "Give a word that means the same as 'rapid'.",
                  "--reference", "fast", "--answer", "slow")  # fmt: skip
    assert other["feedback"]["missing"] == ["fast"], other


def test_a_flow_run_backwards_to_a_pro_form_is_not_correct() -> None:
    """ "from a dilute solution to a concentrated one" and back: both ends end in "one", which
    the flow check read as a word both ends share (correct 0.92)."""
    osmosis = (
        "--question", "What is osmosis?",
        "--reference", "The movement of water across a membrane from a dilute solution to a "
        "concentrated one.",
    )  # fmt: skip
    backwards = "Water moving through a membrane from a concentrated solution to a dilute one."
    assert grade(*osmosis, "--answer", backwards)["verdict"] == "incorrect"
    right = "Water moving through a membrane from a weak solution to a strong one."
    assert grade(*osmosis, "--answer", right)["verdict"] == "correct"


def test_a_relation_turned_passive_is_not_correct() -> None:
    """The key's object made the passive's agent, its subject kept: correct 0.94 before."""
    predator = ("--question", "What is a predator?",
                "--reference", "An animal that hunts and eats other animals.")  # fmt: skip
    turned = "An animal that is hunted and eaten by other animals."
    assert grade(*predator, "--answer", turned)["verdict"] == "incorrect"
    right = "An animal that hunts other animals for food."
    assert grade(*predator, "--answer", right)["verdict"] == "correct"
    kept = (
        "--question",
        "What do plants make in photosynthesis?",
        "--reference",
        "Plants produce glucose.",
        "--answer",
        "Glucose is produced by plants.",
    )
    assert grade(*kept)["verdict"] == "correct"  # the roles kept


def test_a_key_the_question_states_whole_is_its_own_point() -> None:
    """The choice among the question's options is the answer: its feedback names it (it
    named no point at all, the key's words being the question's)."""
    right = grade("--question", SOLID, "--reference", "solid", "--answer", "It is a solid.")
    assert right["feedback"]["correct"] == ["solid"], right
    wrong = grade("--question", SOLID, "--reference", "solid", "--answer", "a gas")
    assert wrong["verdict"] != "correct" and wrong["feedback"]["missing"] == ["solid"], wrong


@pytest.mark.parametrize(
    ("question", "key", "wrong", "verdict"),
    [
        # the opposite of the question's word in its place: correct 0.85 and 0.81 before
        ("Which is the largest ocean?", "the Pacific", "The Pacific is the smallest ocean.",
         "incorrect"),
        ("Which gas do plants absorb from the air for photosynthesis?", "carbon dioxide",
         "They release carbon dioxide into the air.", "incorrect"),
        # both of the question's options: correct 0.70 before
        ("Does the Moon orbit the Earth or the Sun?", "the Earth", "Earth and Sun",
         "partially_correct"),
        ("Is lemon juice acidic or alkaline?", "acidic", "acidic and alkaline",
         "partially_correct"),
        # the key and one of the question's words exchanged: correct 0.77-0.90 before
        ("What travels faster than sound?", "light", "Sound travels faster than light.",
         "incorrect"),
        ("In a food chain, what eats a herbivore?", "a carnivore", "A herbivore eats a carnivore.",
         "incorrect"),
        ("Who painted the Mona Lisa?", "Leonardo da Vinci",
         "The Mona Lisa painted Leonardo da Vinci.", "incorrect"),
        ("What does a caterpillar turn into?", "a butterfly",
         "A butterfly turns into a caterpillar.", "incorrect"),
        ("What is the hardest substance in the human body?", "tooth enamel",
         "tooth enamel is the softest substance", "incorrect"),
        # the key's comparison turned or left out: correct 0.83 and 0.82 before
        ("Why does ice float on water?", "It is less dense", "It is more dense.", "incorrect"),
        ("Why does ice float on water?", "It is less dense", "It is dense.",
         "partially_correct"),
        ("Why does ice float on water?", "It is less dense", "Ice is denser than water.",
         "incorrect"),  # "denser": more dense (correct 0.80 before)
        ("Which colour of light has the longest wavelength?", "red",
         "Red light has the shortest wavelength.", "incorrect"),
        ("What gives leaves their green colour?", "chlorophyll",
         "The green colour gives leaves chlorophyll.", "incorrect"),
        # a WordNet antonym of a one-word key: correct 0.72 and 0.68 before
        ("Give a synonym of 'wealthy'.", "rich", "poor", "incorrect"),
        ("Give a word that means the same as 'purchase'.", "buy", "sell", "incorrect"),
        # an opposite or a confusable in the key word's place: correct 0.73 and 0.69 before
        ("What do we call an animal that eats only plants?", "a herbivore", "a carnivore",
         "incorrect"),
        ("What do we call an animal that eats only plants?", "a herbivore", "an omnivore",
         "incorrect"),
    ],
)  # fmt: skip
def test_a_short_key_said_with_the_question_turned_is_not_correct(
    question: str, key: str, wrong: str, verdict: str
) -> None:
    graded = grade("--question", question, "--reference", key, "--answer", wrong)
    assert graded["verdict"] == verdict, graded


def test_a_term_said_in_other_words_stays_correct() -> None:
    right = "Herbivores: they live on a diet of plants."
    graded = grade("--question", "Which animals eat only plants?",
                   "--reference", "Herbivores eat only plants.", "--answer", right)  # fmt: skip
    assert graded["verdict"] == "correct", graded


def test_the_other_end_of_a_stack_is_not_correct() -> None:
    """ "pushed first" for a stack's "most recently pushed" (graded correct 0.95)."""
    stack = ("--question", "What does a stack do when you pop?",
             "--reference", "It removes and returns the most recently pushed item.")  # fmt: skip
    graded = grade(*stack, "--answer", "It removes and returns the item that was pushed first.")
    assert graded["verdict"] != "correct", graded
    right = "You get back the last thing you put on, and it is taken off the stack."
    assert grade(*stack, "--answer", right)["verdict"] == "correct"


def test_the_figure_a_key_opens_with_alone_is_partly_right() -> None:
    """samp-01's key is "0 or close to 0, because ..."; "0" alone was graded incorrect 0.03
    with no review. Its question asks which setting, so "0" answers it; where the question
    asks why too, it gives the answer without the reason. Another figure stays incorrect."""
    assert grade("--item", "samp-01", "--answer", "0")["verdict"] == "correct"
    assert grade("--item", "samp-01", "--answer", "1.0")["verdict"] == "incorrect"
    why = ("--question", "Which temperature suits extracting invoice fields, and why?",
           "--reference", "0 or close to 0, because each field has one correct value.")  # fmt: skip
    assert grade(*why, "--answer", "0")["verdict"] == "partially_correct"


def test_the_key_terms_strung_together_go_to_a_teacher() -> None:
    salad = "temperature low high sharpen flatten distribution tokens predictable varied output"
    graded = grade("--item", "samp-04", "--answer", salad)
    assert graded["verdict"] != "correct"
    assert "needs_review" in graded["flags"]
    assert "sentences" in graded["feedback"]["text"]


def test_a_right_paraphrase_is_correct() -> None:
    paraphrase = (
        "A low temperature makes the top-scoring tokens even more likely, so the text is "
        "predictable and repeats itself; a high temperature evens the odds out, so rarer tokens "
        "get picked and the text varies more."
    )
    assert grade("--item", "samp-02", "--answer", paraphrase)["verdict"] == "correct"


def test_padding_does_not_pay() -> None:
    sentence = "Temperature changes how random the output is. "
    once = grade("--item", "samp-02", "--answer", sentence)
    padded = grade("--item", "samp-02", "--answer", (sentence * 110)[:4990])
    assert padded["score"] <= once["score"] + 1e-9
    assert padded["verdict"] == once["verdict"] != "correct"


def test_stated_common_mistakes_are_reported() -> None:
    # the second clause is nearer the key's sentence on delimiters than the mistake by the
    # vectors, but says the mistake's words ("completely" for "fully"): mistakes.words_said
    answer = (
        "The system prompt travels on its own protected channel that the data can never touch, "
        "and anyway wrapping the data in delimiters completely solves injection."
    )
    graded = grade("--item", "pi-02", "--answer", answer)
    assert len(graded["mistakes"]) == 2, graded
    assert graded["verdict"] != "correct"


def test_a_right_answer_in_french_goes_to_review() -> None:
    french = (
        "La température redistribue les probabilités : plus basse, les jetons les plus "
        "probables dominent et la sortie est prévisible ; plus haute, la distribution "
        "s'aplatit et la sortie est plus variée."
    )
    graded = grade("--item", "samp-02", "--answer", french)
    assert "unreadable" in graded["flags"] and "needs_review" in graded["flags"]
    assert graded["confidence"] <= 0.5
    assert "teacher will check" in graded["feedback"]["text"]
    # nothing is listed as missing from an answer the grader could not read
    assert graded["feedback"]["missing"] == graded["feedback"]["correct"] == []
    assert "Missing" not in graded["feedback"]["text"]
    assert "in English" in graded["feedback"]["next_step"]
