"""Bayesian Knowledge Tracing: a two-state hidden Markov model per learner and concept.

The learner either knows the concept or not. ``prior`` is P(known) before any practice,
``learn`` the chance of learning it at each practice opportunity (no forgetting), ``guess`` the
chance of answering correctly without knowing, ``slip`` the chance of answering wrongly while
knowing. Bounds keep the model identifiable: a guess above 0.3 or a slip above 0.1 would let
"knows it but slips a lot" explain the same answers as "does not know it".

Partial credit is *fractional evidence*: a score ``x`` in 0..1 has likelihood
``P(correct)^x · P(incorrect)^(1-x)`` in each state. Scores of 0 and 1 give textbook BKT, a
score in between moves the estimate part of the way, and the same likelihood is what
:mod:`tutor.learners.fitting` maximises, so tracking and fitting agree.

Two extensions, both reducing to textbook BKT for a single-concept item of medium difficulty:

- ``difficulty`` (the item's Elo rating, logits) shifts both answer probabilities on the logit
  scale: on a hard item (+1) a slip is likelier and a guess rarer.
- ``others`` is P(every *other* concept of the item is known). Items that need several concepts
  are conjunctive: knowing this concept helps only when the others are known too, so a wrong
  answer is blamed on this concept only as much as the others are believed known.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

EPS = 1e-3
BOUNDS: dict[str, tuple[float, float]] = {
    "prior": (EPS, 1 - EPS),
    "learn": (EPS, 1 - EPS),
    "guess": (EPS, 0.3),
    "slip": (EPS, 0.1),
}


@dataclass(frozen=True)
class BKTParams:
    prior: float = 0.2
    learn: float = 0.15
    guess: float = 0.2
    slip: float = 0.08

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            low, high = BOUNDS[f.name]
            if not low <= value <= high:
                raise ValueError(f"BKT {f.name}={value} is outside [{low}, {high}]")

    @classmethod
    def clamped(cls, prior: float, learn: float, guess: float, slip: float) -> BKTParams:
        """The nearest parameters inside the bounds."""

        def clamp(name: str, value: float) -> float:
            low, high = BOUNDS[name]
            return min(max(value, low), high)

        return cls(
            clamp("prior", prior), clamp("learn", learn), clamp("guess", guess), clamp("slip", slip)
        )


def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))


def logit(p: float) -> float:
    p = min(max(p, 1e-9), 1 - 1e-9)
    return math.log(p / (1 - p))


def answer_probabilities(
    params: BKTParams, difficulty: float = 0.0, others: float = 1.0
) -> tuple[float, float]:
    """``(P(correct | known), P(correct | not known))`` on an item of this difficulty."""
    guess = sigmoid(logit(params.guess) - difficulty)
    knows = sigmoid(logit(1 - params.slip) - difficulty)
    return others * knows + (1 - others) * guess, guess


def p_correct(
    p_known: float, params: BKTParams, difficulty: float = 0.0, others: float = 1.0
) -> float:
    """Predicted P(correct answer) before answering."""
    if_known, if_not = answer_probabilities(params, difficulty, others)
    return p_known * if_known + (1 - p_known) * if_not


def posterior(
    p_known: float,
    score: float,
    params: BKTParams,
    difficulty: float = 0.0,
    others: float = 1.0,
) -> float:
    """P(known | this answer), before the practice opportunity's chance to learn."""
    if not 0 <= score <= 1:
        raise ValueError(f"score {score} is outside 0..1")
    if_known, if_not = answer_probabilities(params, difficulty, others)
    like_known = math.pow(if_known, score) * math.pow(1 - if_known, 1 - score)
    like_not = math.pow(if_not, score) * math.pow(1 - if_not, 1 - score)
    evidence = p_known * like_known + (1 - p_known) * like_not
    return p_known * like_known / evidence


def learned(p_known: float, params: BKTParams) -> float:
    """P(known) after one practice opportunity: the not-known part may learn."""
    return p_known + (1 - p_known) * params.learn


def update(
    p_known: float,
    score: float,
    params: BKTParams,
    difficulty: float = 0.0,
    others: float = 1.0,
) -> float:
    """The new P(known) after answering with ``score``: condition on the answer, then learn."""
    return learned(posterior(p_known, score, params, difficulty, others), params)
