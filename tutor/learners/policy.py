"""Choosing the next item for a learner.

In order:

1. **Review** a mastered concept whose review is due: it was last practised longer ago than
   its interval, which starts at ``review_after`` and is multiplied by ``review_growth`` for
   each success in a row. The most overdue (relative to its interval) goes first.
2. **Learn** a concept that is not mastered and whose prerequisites are all mastered
   (prerequisites without any items cannot be practised and count as met). The one closest to
   mastery goes first, so the learner finishes what they started; prerequisites-first order
   breaks ties. A concept above the mastery bar whose last answers were not all right is being
   *checked* (see :meth:`Knowledge.mastered`), and its reason says so.
3. **Stretch**: when every unmastered concept still waits on prerequisites, the one with the
   fewest unmet prerequisites.
4. When everything is mastered and no review is due, review early the concept due soonest.

Within the concept the item is the one whose predicted P(success) is closest to the target
(0.7 by default), skipping the learner's last N items, preferring items whose other concepts
are ready too and items seen less often. Every choice comes with a sentence saying why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from tutor.errors import NotFoundError
from tutor.learners.knowledge import Knowledge

Mode = Literal["review", "learn", "stretch"]


@dataclass(frozen=True)
class NextItem:
    item_id: str
    concept_id: str
    lesson_id: str
    reason: str  # a sentence for the learner
    predicted_success: float
    mode: Mode


def choose(knowledge: Knowledge, now: datetime) -> NextItem:
    """The next item for this learner (pure: reads ``knowledge``, changes nothing)."""
    catalog = knowledge.catalog
    concepts = catalog.practicable()
    if not concepts:
        raise NotFoundError("the corpus has no practice items")
    mastered = [c for c in concepts if knowledge.mastered(c)]
    due = [(_overdue(knowledge, c, now), c) for c in mastered]
    overdue = sorted((-ratio, c) for ratio, c in due if ratio >= 1)
    if overdue:
        return _pick(knowledge, [c for _, c in overdue], "review", now)
    unmastered = [c for c in concepts if c not in mastered]
    if not unmastered:
        soonest = sorted(mastered, key=lambda c: -_overdue(knowledge, c, now))
        return _pick(knowledge, soonest, "review", now)
    unmet = {c: _unmet(knowledge, c) for c in unmastered}
    ready = [c for c in unmastered if not unmet[c]]
    if ready:
        ready.sort(key=lambda c: (-knowledge.p_known(c), catalog.concepts[c].order))
        return _pick(knowledge, ready, "learn", now)
    unmastered.sort(key=lambda c: (len(unmet[c]), -knowledge.p_known(c), catalog.concepts[c].order))
    return _pick(knowledge, unmastered, "stretch", now)


def _pick(knowledge: Knowledge, concepts: list[str], mode: Mode, now: datetime) -> NextItem:
    """The best item of the first concept (in ``concepts`` order) that has a non-recent one."""
    recent = set(knowledge.recent())
    for concept in concepts:
        fresh = [i for i in knowledge.catalog.by_concept[concept] if i not in recent]
        if fresh:
            return _best(knowledge, concept, fresh, mode, now)
    # every candidate item was answered recently: the least recently answered one
    concept = concepts[0]
    items = knowledge.catalog.by_concept[concept]
    history = knowledge.history
    last_seen = {i: max((n for n, h in enumerate(history) if h == i), default=-1) for i in items}
    oldest = min(items, key=last_seen.__getitem__)
    return _best(knowledge, concept, [oldest], mode, now)


def _best(
    knowledge: Knowledge, concept: str, items: list[str], mode: Mode, now: datetime
) -> NextItem:
    catalog, target = knowledge.catalog, knowledge.config.target_success

    def rank(item_id: str) -> tuple[int, float, int, int]:
        blocked = sum(
            1 for c in catalog.items[item_id].concepts if c != concept and _unmet(knowledge, c)
        )
        distance = abs(knowledge.predict(item_id) - target)
        seen = knowledge.times_seen(item_id)
        return blocked, round(distance, 3), seen, catalog.items[item_id].order

    item_id = min(items, key=rank)
    predicted = knowledge.predict(item_id)
    reason = _reason(knowledge, concept, item_id, predicted, mode, now)
    return NextItem(item_id, concept, catalog.items[item_id].lesson_id, reason, predicted, mode)


def _unmet(knowledge: Knowledge, concept: str) -> list[str]:
    catalog = knowledge.catalog
    return [
        p
        for p in catalog.concepts[concept].prerequisites
        if catalog.by_concept.get(p) and not knowledge.mastered(p)
    ]


def _overdue(knowledge: Knowledge, concept: str, now: datetime) -> float:
    """Time since last practice as a multiple of the review interval (≥ 1: review is due)."""
    state = knowledge.state(concept)
    if state.last_practiced is None:
        return 1.0  # mastered without practice (a high prior): check it once
    interval = knowledge.config.review_interval(state.streak)
    return (now - state.last_practiced) / interval


def _reason(
    knowledge: Knowledge, concept: str, item_id: str, predicted: float, mode: Mode, now: datetime
) -> str:
    catalog, config = knowledge.catalog, knowledge.config
    name = catalog.name(concept)
    state = knowledge.state(concept)
    label = catalog.items[item_id].difficulty.value
    chance = (
        f"this {label} item should go right about {_pct(predicted)} of the time, the closest "
        f"available to the {_pct(config.target_success)} we aim for"
    )
    if mode == "review":
        if state.last_practiced is None:
            return f"Review: '{name}' counts as mastered from the start; {chance}."
        interval = config.review_interval(state.streak)
        rested = now - state.last_practiced
        if rested >= interval:
            return (
                f"Review: '{name}' is mastered and was last practised {_duration(rested)} ago; "
                f"after {state.streak} success(es) in a row its reviews come every "
                f"{_duration(interval)}; {chance}."
            )
        return (
            f"Review: everything is mastered, and '{name}' is the next review due "
            f"(in {_duration(interval - rested)}); {chance}."
        )
    level = f"{_pct(state.p_known)} mastered (the bar is {_pct(config.mastery_threshold)})"
    if mode == "learn" and state.p_known >= config.mastery_threshold:
        left = config.mastery_check - state.streak
        return (
            f"Checking '{name}': it is {level}; {left} more right answer"
            f"{'s' if left != 1 else ''} in a row and it counts as mastered; {chance}."
        )
    if mode == "stretch":
        unmet = ", ".join(f"'{catalog.name(p)}'" for p in _unmet(knowledge, concept))
        return (
            f"Stretch: every concept left waits on prerequisites; '{name}' ({level}) waits on "
            f"the fewest ({unmet}); {chance}."
        )
    prereqs = catalog.concepts[concept].prerequisites
    why = (
        "its prerequisites ("
        + ", ".join(f"'{catalog.name(p)}'" for p in prereqs)
        + ") are mastered"
        if prereqs
        else "it needs no prerequisites"
    )
    return f"Practising '{name}': it is {level} and {why}; {chance}."


def _pct(p: float) -> str:
    return f"{round(100 * p)}%"


def _duration(span: timedelta) -> str:
    seconds = max(span.total_seconds(), 0)
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = round(seconds / size)
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return "moments"
