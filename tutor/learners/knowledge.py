"""What the tutor believes about one learner, updated only from graded answers.

A :class:`Knowledge` holds the learner's per-concept state (P(known) by knowledge tracing,
practice counts, successes in a row, last practice), the item difficulty ratings and the
learner's answer history. It is plain in-memory data: the store loads and saves it
(``tracking``), and the benchmark runs simulated learners through exactly the same code.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from tutor.learners import bkt, difficulty
from tutor.learners.bkt import BKTParams
from tutor.learners.catalog import Catalog
from tutor.learners.config import LearnerConfig

SUCCESS = 0.5  # a score at least this counts as a success (for streaks and quizzes)


@dataclass
class ConceptState:
    p_known: float
    attempts: int = 0
    streak: int = 0  # successes in a row
    last_practiced: datetime | None = None


@dataclass
class ItemRating:
    rating: float
    attempts: int = 0


@dataclass(frozen=True)
class Observation:
    """What one graded answer changed."""

    item_id: str
    score: float
    predicted: float  # P(success) the model gave before the answer
    p_known: dict[str, tuple[float, float]]  # concept id -> (before, after)
    rating: tuple[float, float]  # the item's difficulty (before, after)


@dataclass
class Knowledge:
    catalog: Catalog
    config: LearnerConfig = field(default_factory=LearnerConfig)
    params: Mapping[str, BKTParams] = field(default_factory=dict)  # fitted, per concept
    concepts: dict[str, ConceptState] = field(default_factory=dict)
    ratings: dict[str, ItemRating] = field(default_factory=dict)
    history: list[str] = field(default_factory=list)  # item ids answered, oldest first

    def params_for(self, concept_id: str) -> BKTParams:
        return self.params.get(concept_id, self.config.defaults)

    def state(self, concept_id: str) -> ConceptState:
        """The concept's state (a fresh one at the prior if never practised; not stored)."""
        found = self.concepts.get(concept_id)
        return found if found else ConceptState(self.params_for(concept_id).prior)

    def p_known(self, concept_id: str) -> float:
        return self.state(concept_id).p_known

    def mastered(self, concept_id: str) -> bool:
        """P(known) at the threshold *and* the last ``mastery_check`` answers on it right.

        The check guards against the model's own drift: P(known) also rises by the assumed
        learning rate after every practice, so a slow learner or lucky guesses can carry it over
        the threshold; a concept above it is first checked with items that must go right.
        """
        state = self.state(concept_id)
        return (
            state.p_known >= self.config.mastery_threshold
            and state.streak >= self.config.mastery_check
        )

    def rating(self, item_id: str) -> float:
        found = self.ratings.get(item_id)
        if found:
            return found.rating
        return difficulty.initial_rating(self.catalog.item(item_id).difficulty)

    def recent(self) -> list[str]:
        n = self.config.recent_items
        return self.history[-n:] if n else []

    def times_seen(self, item_id: str) -> int:
        return self.history.count(item_id)

    def predict(self, item_id: str) -> float:
        """P(success) on the item: all its concepts known (conjunctive), at its difficulty."""
        concepts = self.catalog.item(item_id).concepts
        all_known = math.prod(self.p_known(c) for c in concepts)
        chosen = [self.params_for(c) for c in concepts]
        mean = BKTParams.clamped(  # the mean of values at a bound can round past it
            prior=sum(p.prior for p in chosen) / len(chosen),
            learn=sum(p.learn for p in chosen) / len(chosen),
            guess=sum(p.guess for p in chosen) / len(chosen),
            slip=sum(p.slip for p in chosen) / len(chosen),
        )
        return bkt.p_correct(all_known, mean, self.rating(item_id))

    def observe(self, item_id: str, score: float, now: datetime) -> Observation:
        """Update every concept of the item, the item's rating and the history."""
        item = self.catalog.item(item_id)
        predicted = self.predict(item_id)
        before = {c: self.p_known(c) for c in item.concepts}
        d = self.rating(item_id)
        changes: dict[str, tuple[float, float]] = {}
        for c in item.concepts:
            others = math.prod(p for other, p in before.items() if other != c)
            state = self.state(c)
            state.p_known = bkt.update(before[c], score, self.params_for(c), d, others)
            state.attempts += 1
            state.streak = state.streak + 1 if score >= SUCCESS else 0
            state.last_practiced = now
            self.concepts[c] = state
            changes[c] = (before[c], state.p_known)
        item_rating = self.ratings.setdefault(item_id, ItemRating(d))
        item_rating.rating = d + difficulty.rating_change(item_rating.attempts, predicted, score)
        item_rating.attempts += 1
        self.history.append(item_id)
        return Observation(item_id, score, predicted, changes, (d, item_rating.rating))


def replay(
    knowledge: Knowledge, answers: Sequence[tuple[str, float, datetime]]
) -> list[Observation]:
    """Feed ``(item_id, score, when)`` answers in order (e.g. to rebuild a learner's state)."""
    return [knowledge.observe(item_id, score, when) for item_id, score, when in answers]
