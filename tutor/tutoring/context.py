"""Retrieval for tutoring: the passages an answer may use, and whether the corpus covers it.

A question is covered when its best passage scores at least the calibrated threshold
(``TUTOR_COVERAGE_THRESHOLD``). An engine sees only passages above it, plus the key takeaways
of the best lesson; those are also the only passages a reply may cite.

Similarity alone lets in-domain topics the course never teaches through ("What is chain of
thought prompting?" scores 0.43 against a passage on hallucinations, because it is about
prompting): so a short question (at most ``SHORT_QUESTION`` content words) whose best passage
is below ``CONFIDENT`` also needs the course to use most of its words, by IDF weight
(:class:`CourseVocabulary`). See docs/design/tutoring.md for the measurements.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace

from tutor.corpus import Corpus
from tutor.engines.lexicon import Lexicon, terms
from tutor.retrieval import Hit, PassageIndex
from tutor.retrieval.lru import LruTable

SEARCH_K = 12  # passages fetched: enough to name a few nearest lessons
CONTEXT_K = 6  # passages an engine sees (plus the key takeaways)
FUSE_K = 30  # passages fetched per part of a weighted (dialogue) search
PREFERRED = 0.1  # added to the score of a passage that uses the term a learner asks about
NEAREST = 3
CONFIDENT = 0.5  # from this top score on, similarity alone decides
SHORT_QUESTION = 8  # content words; longer questions (pasted scenarios) are judged by similarity
KNOWN_SHARE = 0.5  # a short question needs this IDF-weighted share of its words in the course


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


class CourseVocabulary:
    """The words the course uses (passages, lesson titles, concepts, practice items)."""

    def __init__(self, texts: Iterable[str]) -> None:
        self._lexicon = Lexicon(texts)
        self._known = {_base(t) for t in self._lexicon.vocabulary}

    @classmethod
    def of(cls, corpus: Corpus) -> CourseVocabulary:
        texts: list[str] = []
        for lesson in corpus.lessons.values():
            texts.append(lesson.title)
            texts += [f"{c.name}. {c.description}" for c in lesson.concepts]
            texts += [f"{p.title}. {p.text}" for p in lesson.passages]
            for item in lesson.items:
                texts += [item.stem, item.answer, *(o.text for o in item.options)]
        return cls(texts)

    def unknown(self, question: str) -> list[str]:
        """The question's content words (stems) the course never uses."""
        return sorted(t for t in terms(question) if _base(t) not in self._known)

    def teaches(self, question: str) -> bool:
        """Whether a short question's words are mostly (by IDF weight) words the course uses;
        a longer question always passes (its scenario words need not be course words)."""
        words = terms(question)
        if not words or len(words) > SHORT_QUESTION:
            return True
        known = {t for t in words if _base(t) in self._known}
        return self._lexicon.overlap(words, known) >= KNOWN_SHARE


def _words(text: str) -> str:
    return " " + " ".join(re.findall(r"[a-z0-9]+", text.lower())) + " "


def _uses(text: str, term: str) -> bool:
    """Whether ``text`` has the phrase ``term`` (case, hyphens and punctuation aside)."""
    return _words(term).strip() != "" and _words(term) in _words(text)


def _base(term: str) -> str:
    """``ignore`` and ``ignoring`` stem to ``ignore`` and ``ignor``: compare without the e."""
    return term.rstrip("e")


class Retriever:
    def __init__(
        self, index: PassageIndex, threshold: float, vocabulary: CourseVocabulary | None = None
    ) -> None:
        self.index = index
        self.threshold = threshold
        self.vocabulary = vocabulary
        # what retrieve() found lately, as many as the index keeps search results (0: none)
        results = getattr(index, "results", None)
        self.recent: LruTable[tuple[str, str | None], Retrieved] = LruTable(
            results.capacity if isinstance(results, LruTable) else 0
        )

    def covers(self, query: str, top_score: float) -> bool:
        if top_score < self.threshold:
            return False
        if top_score >= CONFIDENT or self.vocabulary is None:
            return True
        return self.vocabulary.teaches(query)

    def retrieve(self, query: str, lesson: str | None = None) -> Retrieved:
        """Search in ``lesson`` first when given; the whole corpus if nothing there is relevant."""
        hits = self.index.search(query, SEARCH_K, lesson=lesson) if lesson else []
        if not hits or hits[0].score < self.threshold:
            hits = self.index.search(query, SEARCH_K)
        found = self._finish(query, hits, query)
        self.recent.put((query, lesson), found)
        return found

    def recalled(self, query: str, lesson: str | None = None) -> Retrieved | None:
        """What :meth:`retrieve` found for the same question lately, without a search: cheap
        enough for the event loop (a retrieve, even one the index's result cache answers, is
        blocking work for a worker thread, and the hop there and back cost more than it).
        The same as a new :meth:`retrieve` would find while the index is unchanged: the
        service builds a new retriever with the index it reopens after ``tutor index``."""
        return self.recent.get((query, lesson))

    def retrieve_weighted(
        self,
        parts: Sequence[tuple[str, float]],
        lesson: str | None = None,
        asked: str = "",
        prefer: Collection[str] = (),
        term: str = "",
    ) -> Retrieved:
        """One search per (text, weight) part; a passage scores the weighted sum of its
        similarities (a part that did not return it counts its lowest similarity), so the
        weights decide how much each part of a dialogue steers the search. A passage that uses
        ``term`` (the X of "what do you mean by X?") gets ``PREFERRED`` more: a short phrase
        embeds poorly, and the passages that use it are the ones that explain it. Passages of
        the ``prefer`` sections ("an example of that?": the examples) of the best lesson come
        first. ``asked`` is what the coverage check reads (the learner's words)."""
        hits = self._fused(parts, lesson, term) if lesson else []
        if not hits or hits[0].score < self.threshold:
            hits = self._fused(parts, None, term)
        text = " ".join(t for t, _ in parts)
        return self._finish(text, self._preferred_first(hits, prefer), asked or text)

    def _preferred_first(self, hits: list[Hit], prefer: Collection[str]) -> list[Hit]:
        """The best lesson's passages of the ``prefer`` sections that are relevant (at the
        threshold), ahead of the rest, each group in score order."""
        if not hits or not prefer:
            return hits
        lesson = hits[0].lesson_id
        first = [h for h in hits if h.lesson_id == lesson and h.section in prefer
                 and h.score >= self.threshold]  # fmt: skip
        return first + [h for h in hits if h not in first]

    def _fused(
        self, parts: Sequence[tuple[str, float]], lesson: str | None, term: str
    ) -> list[Hit]:
        totals: dict[str, float] = {}
        found: dict[str, Hit] = {}
        floors: list[tuple[dict[str, float], float, float]] = []
        for text, weight in parts:
            hits = self.index.search(text, FUSE_K, lesson=lesson)
            floors.append(({h.passage_id: h.score for h in hits}, hits[-1].score if hits else 0.0,
                           weight))  # fmt: skip
            for hit in hits:
                found.setdefault(hit.passage_id, hit)
        for pid in found:
            totals[pid] = sum(w * scores.get(pid, floor) for scores, floor, w in floors)
            totals[pid] += PREFERRED if term and _uses(found[pid].text, term) else 0.0
        ranked = sorted(found, key=lambda pid: -totals[pid])[:SEARCH_K]
        return [replace(found[pid], score=round(totals[pid], 4)) for pid in ranked]

    def _finish(self, query: str, hits: list[Hit], asked: str) -> Retrieved:
        covered = bool(hits) and self.covers(asked, hits[0].score)
        passages = [h for h in hits if h.score >= self.threshold][:CONTEXT_K] if covered else []
        if covered and not any(
            h.lesson_id == passages[0].lesson_id and h.section == "key_takeaways" for h in passages
        ):
            top = passages[0].lesson_id
            passages += self.index.search(query, 1, lesson=top, kind="key_takeaways")
        return Retrieved(query, tuple(hits), tuple(passages), covered)
