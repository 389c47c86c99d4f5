"""The corpus as the learner model sees it: concepts in prerequisite order and their items."""

from __future__ import annotations

from dataclasses import dataclass

from tutor.corpus import Corpus, Difficulty
from tutor.errors import NotFoundError


@dataclass(frozen=True)
class CatalogConcept:
    id: str
    name: str
    lesson_id: str
    prerequisites: tuple[str, ...]
    order: int  # position in a prerequisites-first order (corpus order breaks ties)


@dataclass(frozen=True)
class CatalogItem:
    id: str
    lesson_id: str
    concepts: tuple[str, ...]
    difficulty: Difficulty
    order: int  # corpus order


@dataclass(frozen=True)
class Catalog:
    concepts: dict[str, CatalogConcept]
    items: dict[str, CatalogItem]
    by_concept: dict[str, tuple[str, ...]]  # concept id -> ids of items that practise it

    @classmethod
    def from_corpus(cls, corpus: Corpus) -> Catalog:
        declared = [(lesson.id, c) for lesson in corpus.lessons.values() for c in lesson.concepts]
        known = {c.id for _, c in declared}
        prereqs = {c.id: tuple(p for p in c.prerequisites if p in known) for _, c in declared}
        rank = _prerequisites_first([c.id for _, c in declared], prereqs)
        concepts = {
            c.id: CatalogConcept(c.id, c.name, lesson_id, prereqs[c.id], rank[c.id])
            for lesson_id, c in declared
        }
        items: dict[str, CatalogItem] = {}
        by_concept: dict[str, list[str]] = {cid: [] for cid in concepts}
        for n, (lesson, item) in enumerate(corpus.items()):
            items[item.id] = CatalogItem(
                item.id, lesson.id, tuple(item.concepts), item.difficulty, n
            )
            for cid in item.concepts:
                by_concept[cid].append(item.id)
        return cls(concepts, items, {cid: tuple(ids) for cid, ids in by_concept.items()})

    def item(self, item_id: str) -> CatalogItem:
        try:
            return self.items[item_id]
        except KeyError:
            raise NotFoundError(f"no item {item_id!r}") from None

    def practicable(self) -> list[str]:
        """Concepts that have items, in prerequisites-first order."""
        ids = [cid for cid, items in self.by_concept.items() if items]
        return sorted(ids, key=lambda cid: self.concepts[cid].order)

    def name(self, concept_id: str) -> str:
        concept = self.concepts.get(concept_id)
        return concept.name if concept else concept_id


def _prerequisites_first(ids: list[str], prereqs: dict[str, tuple[str, ...]]) -> dict[str, int]:
    """Kahn's algorithm, taking ready concepts in corpus order; a cycle keeps corpus order."""
    position = {cid: n for n, cid in enumerate(ids)}
    remaining = {cid: set(prereqs[cid]) for cid in ids}
    rank: dict[str, int] = {}
    while remaining:
        ready = [cid for cid, needs in remaining.items() if not needs - rank.keys()]
        if not ready:  # a cycle (load_corpus refuses these): fall back to corpus order
            ready = [min(remaining, key=position.__getitem__)]
        for cid in sorted(ready, key=position.__getitem__):
            rank[cid] = len(rank)
            del remaining[cid]
    return rank
