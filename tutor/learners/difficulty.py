"""Item difficulty as an Elo rating on the logit scale.

A new item starts from its label (easy -1, medium 0, hard +1). After each graded attempt the
rating moves by ``k · (expected - score)``: an item answered better than expected gets easier,
worse than expected harder. The learner's side of the Elo pair is the knowledge-tracing
estimate for the item's concepts (``expected`` is :meth:`Knowledge.predict`), so there is one
ability estimate per learner and concept, not two that could disagree. ``k`` shrinks as the
item collects attempts (Pelánek's uncertainty function), so early answers move it most.
"""

from __future__ import annotations

from tutor.corpus import Difficulty

LABEL_RATINGS: dict[Difficulty, float] = {
    Difficulty.EASY: -1.0,
    Difficulty.MEDIUM: 0.0,
    Difficulty.HARD: 1.0,
}
K_BASE = 0.8
K_DECAY = 0.05


def initial_rating(label: Difficulty) -> float:
    return LABEL_RATINGS[label]


def k_factor(attempts: int) -> float:
    """How far one answer moves an item that already has ``attempts`` answers."""
    return K_BASE / (1 + K_DECAY * attempts)


def rating_change(attempts: int, expected: float, score: float) -> float:
    """The change to the item's rating after an answer scoring ``score`` (0..1)."""
    return k_factor(attempts) * (expected - score)


def label_for(rating: float) -> Difficulty:
    """The label a rating now deserves (halfway points between the label ratings)."""
    if rating < -0.5:
        return Difficulty.EASY
    return Difficulty.MEDIUM if rating <= 0.5 else Difficulty.HARD
