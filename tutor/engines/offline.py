"""The offline engine: answers assembled from the retrieved passages, no language model.

Explanations are the passage sentences closest to the question (picked by MMR, see
``extractive``), each paragraph cited, then the lesson's key takeaways when they bear on the
question and a suggested next step. Follow-ups re-select from passages retrieved for the
dialogue, preferring reasons for "why" and definitions for "what do you mean by X", skip what
the tutor already said, and answer in whole sentences: a line saying what follows, never one
sentence alone, never a sentence without the one it leans on. Hints come from the item's own hints
and solution steps (``hint_ladder``). Every text says that it is offline.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from typing import Any

from tutor.corpus import Corpus, Difficulty, Item
from tutor.engines import hint_ladder
from tutor.engines.base import Draft, FollowUp, HintRequest, Streamed, chunked
from tutor.engines.extractive import Selection, Sentence, candidates, is_list, select
from tutor.engines.lexicon import Lexicon
from tutor.retrieval import Embedder, Hit

NAME = "offline"
EXPLAIN_PROMPT = "offline_explain@1"
FOLLOW_UP_PROMPT = "offline_follow_up@1"
HINT_PROMPT = "offline_hint@1"
MARK = "Offline answer, assembled from the course passages (no language model is configured)."
_CAUSAL = re.compile(
    r"\b(because|so that|therefore|since|which means|the reason|otherwise|in order to|"
    r"leads? to|causes?|so)\b",
    re.IGNORECASE,
)
TAKEAWAY_SIMILARITY = 0.3  # a takeaway sentence this close to the question is worth adding
_RANK = {Difficulty.EASY: 0, Difficulty.MEDIUM: 1, Difficulty.HARD: 2}


class OfflineEngine:
    name = NAME

    def __init__(self, embedder: Embedder, corpus: Corpus) -> None:
        self.embedder = embedder
        self.corpus = corpus
        self.lexicon = Lexicon(p.text for _, p in corpus.passages())

    async def explain(self, question: str, passages: Sequence[Hit]) -> Draft:
        return await asyncio.to_thread(self._explain, question, list(passages))

    async def follow_up(self, request: FollowUp) -> Streamed:
        text = await asyncio.to_thread(self._follow_up, request)
        return Streamed(engine=NAME, prompt=FOLLOW_UP_PROMPT, deltas=chunked(text))

    async def hint(self, request: HintRequest) -> Draft:
        mistake = await asyncio.to_thread(self._closest_mistake, request.item, request.attempt)
        text = hint_ladder.ladder(request.lesson, request.item, request.level, mistake)[0]
        label = hint_ladder.label(request.level, offline=True)
        return Draft(text=label + text, engine=NAME, prompt=HINT_PROMPT)

    # -- explanations -----------------------------------------------------------------

    def _explain(self, question: str, passages: list[Hit]) -> Draft:
        main = _leading(passages)
        prior = _section_prior(question)
        selection = self._select(
            question, candidates(main), limit=4, boost=lambda s: prior.get(s.hit.section, 0.0)
        )
        groups = selection.groups()
        parts = [MARK, *(_paragraph(hit, texts) for hit, texts in groups)]
        cited = [hit.passage_id for hit, _ in groups]
        used = {s.text for s in selection.sentences}
        takeaways = self._takeaways(question, passages, used)
        if takeaways is not None:
            parts.append(f"Key takeaways from {takeaways[0].lesson_title}:\n{takeaways[1]}")
            cited.append(takeaways[0].passage_id)
        parts.append(self._next_step([hit for hit, _ in groups]))
        return Draft("\n\n".join(parts), NAME, EXPLAIN_PROMPT, tuple(dict.fromkeys(cited)))

    def _takeaways(
        self, question: str, passages: list[Hit], used: set[str]
    ) -> tuple[Hit, str] | None:
        """The best lesson's takeaways that bear on the question and were not quoted yet."""
        top = passages[0].lesson_id if passages else None
        hit = next(
            (h for h in passages if h.lesson_id == top and h.section == "key_takeaways"), None
        )
        if hit is None:
            return None
        picked = self._select(question, candidates([hit], lambda s: s in used), limit=2, floor=0.8)
        if not picked.sentences or picked.best_similarity < TAKEAWAY_SIMILARITY:
            return None
        ordered = sorted(picked.sentences, key=_pos)
        return hit, "\n".join(f"- {s.text} [{hit.passage_id}]" for s in ordered)

    def _next_step(self, hits: list[Hit]) -> str:
        ask = 'ask "why?" to go deeper, or "what do you mean by ...?" about any term.'
        lesson = self.corpus.lessons.get(hits[0].lesson_id) if hits else None
        if lesson is None or not lesson.items:
            return f"Next: {ask}"
        concepts = {c for hit in hits for c in hit.concepts}

        def fit(item: Item) -> tuple[int, int]:
            return (-len(concepts & set(item.concepts)), _RANK[item.difficulty])

        item = min(lesson.items, key=fit)
        stem = item.stem if len(item.stem) <= 100 else item.stem[:97].rstrip() + "..."
        return f'Next: try practice item {item.id} ("{stem}"), or {ask}'

    def _select(self, query: str, pool: list[Sentence], **options: Any) -> Selection:
        return select(self.embedder, query, pool, lexicon=self.lexicon, **options)

    # -- follow-ups -------------------------------------------------------------------

    def _follow_up(self, request: FollowUp) -> str:
        said = " ".join(_norm(t.content) for t in request.history if t.role == "tutor")
        pool = candidates(_leading(list(request.passages)), lambda s: _norm(s) in said)
        last = next((t.content for t in reversed(request.history) if t.role == "learner"), "")
        topic = request.topic or last
        term = (request.term or "").lower()

        prior = dict.fromkeys(("big_idea", "explanation", "problem"), 0.04)

        def boost(sentence: Sentence) -> float:
            if request.kind == "why":
                causal = 0.08 if _CAUSAL.search(sentence.text) else 0.0
                return causal + prior.get(sentence.hit.section, 0.0)
            if request.kind == "clarify" and term:
                return 0.15 if term in sentence.text.lower() else 0.0
            return 0.0

        query = " ".join(p for p in (request.term or request.question, topic) if p)
        focus = request.term or request.question
        selection = _with_neighbour(
            self._select(query, pool, limit=3, max_words=110, boost=boost, focus=focus), pool
        )
        parts = [MARK.replace("answer", "follow-up")]
        definition = None
        if request.kind == "clarify" and request.term:
            definition = self._definition(request.term)
            parts += [definition] if definition else []
        groups = selection.groups()
        if groups and definition is None:
            parts.append(_intro(request))
        parts += [f"{' '.join(texts)} [{hit.passage_id}]" for hit, texts in groups]
        if not groups:
            parts.append("I have nothing to add from the course passages beyond what I said.")
        if request.attempt and request.attempt.item:
            mistake = self._closest_mistake(request.attempt.item, request.attempt.response)
            if mistake:
                parts.append(
                    f"About your attempt at {request.attempt.item_id}: a common mistake on this "
                    f"item is this one: {mistake} Compare it with your reasoning, then ask for a "
                    "hint if you want the next step."
                )
        parts.append(self._next_step([hit for hit, _ in groups]))
        return "\n\n".join(parts)

    def _definition(self, term: str) -> str | None:
        wanted = _norm(term)
        for concept in self.corpus.concepts().values():
            names = {_norm(concept.name), _norm(concept.id.replace("-", " "))}
            if concept.description and any(wanted in n or n in wanted for n in names if n):
                return f"{concept.name}, as the course defines it: {concept.description}"
        return None

    def _closest_mistake(self, item: Item, attempt: str | None) -> str | None:
        if not attempt or not item.common_mistakes:
            return None
        vectors = self.embedder.embed([attempt, *item.common_mistakes])
        best = int((vectors[1:] @ vectors[0]).argmax())
        return item.common_mistakes[best]


def _intro(request: FollowUp) -> str:
    """A sentence that says what the course passages below answer."""
    if request.kind == "why":
        return "Here is the reason, in the course's words:"
    if request.kind == "clarify" and request.term:
        return f'Here is what the course says about "{request.term}":'
    return "Here is more from the course on this:"


def _with_neighbour(selection: Selection, pool: Sequence[Sentence]) -> Selection:
    """A lone sentence comes with the one after it in its passage, so that a reply is never a
    single sentence taken out of its paragraph."""
    if len(selection.sentences) != 1:
        return selection
    (only,) = selection.sentences
    after = next(
        (s for s in pool if s.hit.passage_id == only.hit.passage_id
         and s.position == only.position + 1),
        None,
    )  # fmt: skip
    if after is None:
        return selection
    return Selection((only, after), selection.best_similarity)


def _paragraph(hit: Hit, texts: list[str]) -> str:
    """The sentences quoted from one passage, cited; a list passage's items stay one a line."""
    if is_list(hit.text):
        return "\n".join(f"- {text}" for text in texts) + f" [{hit.passage_id}]"
    return f"{' '.join(texts)} [{hit.passage_id}]"


def _leading(passages: list[Hit], width: float = 0.15, most: int = 5) -> list[Hit]:
    """The best passages: within ``width`` of the top score, at most ``most`` of them."""
    if not passages:
        return []
    best = max(h.score for h in passages)
    ranked = sorted(passages, key=lambda h: -h.score)
    return [h for h in ranked if h.score >= best - width][:most]


_QUESTION_SECTIONS = [
    (re.compile(r"^\s*(how\s+(do|can|should|would)|how\s+to|what\s+should)\b", re.I),
     ("solution", "explanation", "before_after")),
    (re.compile(r"^\s*(why|how\s+come)\b", re.I), ("problem", "big_idea", "explanation")),
    (re.compile(r"^\s*(what\s+(is|are|does)|define|explain)\b", re.I),
     ("big_idea", "explanation", "key_takeaways")),
]  # fmt: skip


def _section_prior(question: str) -> dict[str, float]:
    """A small preference for the sections that answer this kind of question."""
    for pattern, sections in _QUESTION_SECTIONS:
        if pattern.search(question):
            return dict.fromkeys(sections, 0.04)
    return {}


def _pos(sentence: Sentence) -> int:
    return sentence.position


def _norm(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))
