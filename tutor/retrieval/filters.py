"""The search filters (lesson, concept, kind) as a Chroma ``where`` and as a test on one record.

A filtered search ranks the passages of the lesson's (or concept's) manifest and keeps those
that pass :meth:`PassageFilter.admits`; an index without manifests, or a filter on the kind
alone, asks Chroma with :meth:`PassageFilter.where` (see ``docs/design/retrieval.md``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PassageFilter:
    lesson: str | None = None
    concept: str | None = None
    kind: str | None = None

    def __bool__(self) -> bool:
        return bool(self.lesson or self.concept or self.kind)

    def admits(self, meta: Mapping[str, Any]) -> bool:
        if self.lesson and meta.get("lesson_id") != self.lesson:
            return False
        if self.kind and meta.get("section") != self.kind:
            return False
        return not self.concept or self.concept in (meta.get("concepts") or ())

    def admits_entry(self, section: str, concepts: Sequence[str]) -> bool:
        """For a passage of the lesson's (or concept's) manifest: its kind and concepts."""
        if self.kind and section != self.kind:
            return False
        return not self.concept or self.concept in concepts

    def where(self) -> dict[str, Any] | None:
        clauses: list[dict[str, Any]] = []
        if self.lesson:
            clauses.append({"lesson_id": self.lesson})
        if self.concept:
            clauses.append({"concepts": {"$contains": self.concept}})
        if self.kind:
            clauses.append({"section": self.kind})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}
