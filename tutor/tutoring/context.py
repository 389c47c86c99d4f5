"""Retrieval for tutoring: the passages an answer may use, and whether the corpus covers it.

A question is covered when its best passage scores at least the calibrated threshold
(``TUTOR_COVERAGE_THRESHOLD``). An engine sees only passages above it, plus the key takeaways
of the best lesson; those are also the only passages a reply may cite.
"""

from __future__ import annotations

from dataclasses import dataclass

from tutor.retrieval import Hit, PassageIndex

SEARCH_K = 12  # passages fetched: enough to name a few nearest lessons
CONTEXT_K = 6  # passages an engine sees (plus the key takeaways)
NEAREST = 3


@dataclass(frozen=True)
class LessonRef:
    id: str
    title: str


@dataclass(frozen=True)
class Retrieved:
    query: str
    hits: tuple[Hit, ...]  # everything found, best first
    passages: tuple[Hit, ...]  # what an engine may use and cite
    covered: bool

    @property
    def top_score(self) -> float:
        return self.hits[0].score if self.hits else 0.0

    @property
    def nearest_lessons(self) -> tuple[LessonRef, ...]:
        seen: dict[str, LessonRef] = {}
        for hit in self.hits:
            seen.setdefault(hit.lesson_id, LessonRef(hit.lesson_id, hit.lesson_title))
        return tuple(seen.values())[:NEAREST]


class Retriever:
    def __init__(self, index: PassageIndex, threshold: float) -> None:
        self.index = index
        self.threshold = threshold

    def retrieve(self, query: str, lesson: str | None = None) -> Retrieved:
        """Search in ``lesson`` first when given; the whole corpus if nothing there is relevant."""
        hits = self.index.search(query, SEARCH_K, lesson=lesson) if lesson else []
        if not hits or hits[0].score < self.threshold:
            hits = self.index.search(query, SEARCH_K)
        covered = bool(hits) and hits[0].score >= self.threshold
        passages = [h for h in hits if h.score >= self.threshold][:CONTEXT_K]
        if covered and not any(
            h.lesson_id == passages[0].lesson_id and h.section == "key_takeaways" for h in passages
        ):
            top = passages[0].lesson_id
            passages += self.index.search(query, 1, lesson=top, kind="key_takeaways")
        return Retrieved(query, tuple(hits), tuple(passages), covered)
