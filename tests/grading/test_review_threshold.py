"""The review threshold: verdicts kept above it are 90% right on new questions, not only on the
questions it was fitted on."""

from __future__ import annotations

import numpy as np

from tutor.grading.evaluation import review_threshold


def _answers() -> tuple[list[float], np.ndarray, list[str]]:
    """40 questions of 10 answers each. The model says correct at 0.65 and up; it is right
    about every answer of 36 questions and wrong about every answer of 4 of them, with
    confidences spread alike, so 90% of all verdicts are right at any threshold."""
    rng = np.random.default_rng(7)
    truth: list[float] = []
    probability: list[float] = []
    groups: list[str] = []
    for q in range(40):
        wrong_question = q % 10 == 0
        for _ in range(10):
            p = float(rng.uniform(0.7, 0.99))  # said correct, confidence p
            truth.append(0.0 if wrong_question else 1.0)
            probability.append(p)
            groups.append(f"q{q}")
    return truth, np.array(probability), groups


def test_without_questions_the_threshold_keeps_every_verdict_that_is_90_percent_right() -> None:
    truth, probability, _ = _answers()
    assert review_threshold(truth, probability, 0.65) == float(probability.min())


def test_with_questions_the_threshold_holds_in_most_draws_of_new_questions() -> None:
    """Answers to a question are right or wrong together. With four wrong questions of forty,
    a new draw of forty questions often holds five or more, so 90% is sure only high up,
    where few answers are left; with one wrong question of forty, at every confidence."""
    truth, probability, groups = _answers()
    sure = review_threshold(truth, probability, 0.65, 0.9, groups)
    assert sure > 0.9 and (probability >= sure).sum() < len(truth) / 5
    assert sure == review_threshold(truth, probability, 0.65, 0.9, groups)  # seeded
    one_wrong = [0.0 if g == "q0" else 1.0 for g in groups]
    assert review_threshold(one_wrong, probability, 0.65, 0.9, groups) == probability.min()


def test_a_threshold_is_an_answers_confidence_and_no_draw_is_needed_when_all_are_right() -> None:
    truth, probability, groups = _answers()
    right = [1.0] * len(truth)
    assert review_threshold(right, probability, 0.65, 0.9, groups) == float(probability.min())
