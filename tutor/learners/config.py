"""The learner model's knobs, read once from the settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from tutor.config import Settings
from tutor.learners.bkt import BKTParams

MAX_REVIEW_INTERVAL = timedelta(days=180)


@dataclass(frozen=True)
class LearnerConfig:
    mastery_threshold: float = 0.95  # P(known) at which a concept counts as mastered
    mastery_check: int = 2  # ... and its last N answers on it were right (a short check)
    target_success: float = 0.7  # the predicted P(success) the next item aims for
    recent_items: int = 3  # the next item is none of the learner's last N items
    review_after: timedelta = timedelta(hours=24)  # first review of a mastered concept
    review_growth: float = 2.0  # each success in a row multiplies the review interval
    defaults: BKTParams = field(default_factory=BKTParams)  # for concepts never fitted

    @classmethod
    def from_settings(cls, settings: Settings) -> LearnerConfig:
        return cls(
            mastery_threshold=settings.mastery_threshold,
            mastery_check=settings.mastery_check,
            target_success=settings.target_success,
            recent_items=settings.recent_items,
            review_after=timedelta(hours=settings.review_after_hours),
            review_growth=settings.review_growth,
        )

    def review_interval(self, streak: int) -> timedelta:
        """How long a mastered concept rests before review, after ``streak`` successes in a row.

        The first review comes ``review_after`` after mastery (``mastery_check`` successes in a
        row, at least one); each success after that multiplies the interval.
        """
        successes = streak - max(self.mastery_check, 1)
        growth = self.review_growth ** min(max(successes, 0), 64)  # 2^64 days: past the cap
        seconds = self.review_after.total_seconds() * growth
        return timedelta(seconds=min(seconds, MAX_REVIEW_INTERVAL.total_seconds()))
