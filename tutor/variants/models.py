"""The shapes of variant generation: candidates in, verdicts and a report out, and the seams.

Two seams, each a one-method async protocol: a :class:`Generator` proposes candidates (the
offline templates or a model), and a :class:`KeyChecker` confirms a candidate's answer key
without trusting it (embedding agreement offline, a blind solver with a model).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from tutor.corpus import Item, Lesson


class Reason(StrEnum):
    """Why a candidate was not kept, in the order the checks run."""

    INVALID_SCHEMA = "invalid_schema"  # not a valid corpus Item
    CONCEPT_CHANGED = "concept_changed"  # not on the parent's concepts
    DUPLICATE = "duplicate"  # same normalised question as an item or stored variant
    NEAR_DUPLICATE = "near_duplicate"  # embedding too close to an item or stored variant
    UNGROUNDED = "ungrounded"  # the lesson's passages do not support it
    KEY_NOT_CONFIRMED = "key_not_confirmed"  # solving it independently disagrees with the key


@dataclass(frozen=True)
class Candidate:
    """A proposed variant: a valid ``item``, or the ``raw`` output and why it is not one."""

    transformation: str  # reworded, new_scenario, to_free_text, to_multiple_choice, ...
    item: Item | None
    raw: Mapping[str, Any] = field(default_factory=dict)
    error: str | None = None
    notes: Mapping[str, Any] = field(default_factory=dict)  # e.g. which template was used


@dataclass(frozen=True)
class GenerationRequest:
    lesson: Lesson
    item: Item
    n: int
    seed: int = 0


class Generator(Protocol):
    """Proposes candidates; the pipeline keeps at most ``n`` of those that validate."""

    @property
    def engine(self) -> str: ...  # "offline" or the model

    @property
    def prompt(self) -> str: ...  # name@version, or "offline-templates@1"

    async def candidates(self, request: GenerationRequest) -> Sequence[Candidate]: ...


@dataclass(frozen=True)
class KeyCheck:
    confirmed: bool
    score: float  # share of solver votes for the key, or the embedding margin
    method: str  # "solver" or "embedding"
    details: Mapping[str, Any] = field(default_factory=dict)


class KeyChecker(Protocol):
    """Confirms a variant's answer key without taking it on trust."""

    async def check(self, lesson: Lesson, parent: Item, variant: Item) -> KeyCheck: ...


@dataclass(frozen=True)
class Verdict:
    """One candidate's validation: ``reason`` is None when it was accepted."""

    reason: Reason | None
    scores: Mapping[str, Any]
    message: str = ""

    @property
    def accepted(self) -> bool:
        return self.reason is None


@dataclass(frozen=True)
class AcceptedVariant:
    item: Item
    provenance: dict[str, Any]


@dataclass(frozen=True)
class VariantReport:
    """What ``generate_variants`` returns: the keepers, and how many were turned away why."""

    parent_id: str
    accepted: list[AcceptedVariant]
    rejected: dict[str, int]
    tried: int

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())
