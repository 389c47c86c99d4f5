"""Knowledge tracing arithmetic, checked against values worked out by hand."""

from __future__ import annotations

import pytest

from tutor.learners import BKTParams
from tutor.learners.bkt import p_correct, posterior, update

DEFAULTS = BKTParams()  # prior 0.2, learn 0.15, guess 0.2, slip 0.08


def test_a_correct_answer_raises_p_known_by_the_textbook_amount() -> None:
    # P(K | correct) = 0.2*0.92 / (0.2*0.92 + 0.8*0.2) = 0.184 / 0.344
    assert posterior(0.2, 1.0, DEFAULTS) == pytest.approx(0.534884, abs=1e-6)
    # then learning: 0.534884 + (1 - 0.534884) * 0.15
    assert update(0.2, 1.0, DEFAULTS) == pytest.approx(0.604651, abs=1e-6)


def test_a_wrong_answer_lowers_it() -> None:
    # P(K | wrong) = 0.2*0.08 / (0.2*0.08 + 0.8*0.8) = 0.016 / 0.656
    assert posterior(0.2, 0.0, DEFAULTS) == pytest.approx(0.024390, abs=1e-6)
    assert update(0.2, 0.0, DEFAULTS) == pytest.approx(0.170732, abs=1e-6)


def test_predicted_success_mixes_slip_and_guess() -> None:
    assert p_correct(0.2, DEFAULTS) == pytest.approx(0.2 * 0.92 + 0.8 * 0.2)
    assert p_correct(1.0, DEFAULTS) == pytest.approx(0.92)


def test_partial_credit_is_fractional_evidence() -> None:
    # half credit: likelihoods 0.92^0.5 * 0.08^0.5 (known) and 0.2^0.5 * 0.8^0.5 (not known)
    known, unknown = (0.92 * 0.08) ** 0.5, (0.2 * 0.8) ** 0.5
    expected = 0.5 * known / (0.5 * known + 0.5 * unknown)
    assert posterior(0.5, 0.5, DEFAULTS) == pytest.approx(expected)
    scores = [update(0.4, s / 4, DEFAULTS) for s in range(5)]
    assert scores == sorted(scores) and scores[0] < scores[2] < scores[4]


def test_a_hard_item_makes_a_wrong_answer_less_damning() -> None:
    assert update(0.5, 0.0, DEFAULTS, difficulty=1.0) > update(0.5, 0.0, DEFAULTS)
    assert update(0.5, 1.0, DEFAULTS, difficulty=-1.0) < update(0.5, 1.0, DEFAULTS)


def test_an_item_needing_unknown_concepts_says_little_about_this_one() -> None:
    """Conjunctive items: if the other concepts are unknown, a wrong answer is no evidence."""
    blind = posterior(0.6, 0.0, DEFAULTS, others=0.0)
    assert blind == pytest.approx(0.6)
    assert posterior(0.6, 0.0, DEFAULTS, others=0.5) > posterior(0.6, 0.0, DEFAULTS)


@pytest.mark.parametrize(
    "values",
    [
        {"guess": 0.31},
        {"slip": 0.11},
        {"prior": 0.0},
        {"learn": 1.0},
        {"prior": -0.1},
    ],
)
def test_parameters_outside_the_bounds_are_refused(values: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="outside"):
        BKTParams(**values)


def test_clamping_brings_parameters_inside_the_bounds() -> None:
    params = BKTParams.clamped(prior=0.0, learn=1.2, guess=0.6, slip=0.4)
    assert params.guess == 0.3 and params.slip == 0.1
    assert 0 < params.prior < 1 and 0 < params.learn < 1


def test_scores_outside_0_to_1_are_refused() -> None:
    with pytest.raises(ValueError):
        update(0.5, 1.5, DEFAULTS)
