"""Extractive answering: pick the passage sentences that best answer a question.

Sentences of the retrieved passages are scored by embedding similarity to the question (the
index's embedder), the IDF-weighted share of the question's terms they contain, a little of
their passage's retrieval score and an optional boost; maximal marginal relevance then picks
a few that are relevant but not redundant. Sentences come back grouped by passage, in the
order they appear in it, and one that leans on the sentence before it brings that one along.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from tutor.engines.lexicon import Lexicon, terms
from tutor.retrieval import Embedder, Hit

_ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "vs.", "approx.", "cf.", "no.")
_BOUNDARY = re.compile(r"[.!?][\"'\u201d\u2019)]*\s+")
_OPENERS = "\"'(\u201c"
MIN_WORDS = 6
_LEANS_BACK = re.compile(
    r"^(?:(?:this|that|these|those|it|its|they|their|such|so|but|however|instead|otherwise|"
    r"also|then|here|there|both|another)\b|(?:\S+\s+){1,4}(?:this|these|those)\b[:,.]?|"
    r"(?:\S+\s+){1,3}(?:also|too|again)\b)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Sentence:
    hit: Hit
    position: int  # within its passage
    text: str
    previous: str | None = None  # the sentence before it in the passage

    @property
    def leans_back(self) -> bool:
        """Points at what came before ("This is why...", "Injection exploits this:", "The
        prompt also got shorter")."""
        return bool(_LEANS_BACK.match(self.text))


@dataclass(frozen=True)
class Selection:
    sentences: tuple[Sentence, ...]
    best_similarity: float  # of the best sentence to the question (0 when none)

    def groups(self) -> list[tuple[Hit, list[str]]]:
        """Sentences by passage: passages in order of their best sentence, text in order."""
        order: list[str] = []
        by_passage: dict[str, list[Sentence]] = {}
        for sentence in self.sentences:
            pid = sentence.hit.passage_id
            if pid not in by_passage:
                order.append(pid)
            by_passage.setdefault(pid, []).append(sentence)
        return [(by_passage[pid][0].hit, _with_context(by_passage[pid])) for pid in order]


def _position(sentence: Sentence) -> int:
    return sentence.position


def _with_context(sentences: list[Sentence]) -> list[str]:
    """In passage order; a sentence that leans back brings the one before it along."""
    out: list[str] = []
    for sentence in sorted(sentences, key=_position):
        if sentence.leans_back and sentence.previous and sentence.previous not in out:
            out.append(sentence.previous)
        out.append(sentence.text)
    return out


_BULLET = re.compile(r"^\s*(?:[-*\u2022\u2013]|\d{1,2}[.)])\s+(?=\S)")


def is_list(text: str) -> bool:
    """Whether a passage is a list: two or more lines start with a bullet ("- ", "* ", "1. ")."""
    return sum(bool(_BULLET.match(line)) for line in text.splitlines()) >= 2


def split_sentences(text: str) -> list[str]:
    """Sentences of a passage, on one line each; abbreviations such as "e.g." do not split.
    Each item of a bulleted list is a sentence of its own (its marker dropped, a full stop
    added when it has none), never run together with the next item."""
    out: list[str] = []
    for unit in _units(text):
        out += _split_flat(" ".join(unit.split()))
    return out


def _units(text: str) -> list[str]:
    """The text cut before every bullet line; lines that follow a bullet continue it."""
    units: list[str] = []
    current: list[str] = []
    bullet = False
    for line in text.splitlines():
        marker = _BULLET.match(line)
        if marker:
            if current:
                units.append(_ended(" ".join(current)) if bullet else " ".join(current))
            current, bullet = [line[marker.end() :]], True
        else:
            current.append(line)
    if current:
        units.append(_ended(" ".join(current)) if bullet else " ".join(current))
    return units


def _ended(item: str) -> str:
    item = item.strip()
    return item if not item or item[-1] in ".!?:;" else item + "."


def _split_flat(flat: str) -> list[str]:
    out: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(flat):
        following = flat[match.end() : match.end() + 1]
        ends_word = flat[start : match.start() + 1].lower().endswith(_ABBREVIATIONS)
        starts_new = following.isupper() or following.isdigit() or following in _OPENERS
        if following and starts_new and not ends_word:
            out.append(flat[start : match.end()].strip())
            start = match.end()
    if flat[start:].strip():
        out.append(flat[start:].strip())
    return out


def candidates(
    passages: Sequence[Hit], exclude: Callable[[str], bool] | None = None
) -> list[Sentence]:
    found = []
    for hit in passages:
        texts = split_sentences(hit.text)
        for position, text in enumerate(texts):
            if len(text.split()) >= MIN_WORDS and not (exclude and exclude(text)):
                previous = texts[position - 1] if position else None
                found.append(Sentence(hit, position, text, previous))
    return found


def select(
    embedder: Embedder,
    query: str,
    sentences: Sequence[Sentence],
    *,
    limit: int = 4,
    max_words: int = 140,
    diversity: float = 0.3,
    boost: Callable[[Sentence], float] | None = None,
    floor: float = 0.6,
    lexicon: Lexicon | None = None,
    focus: str | None = None,
) -> Selection:
    """Up to ``limit`` sentences by MMR; none scoring below ``floor`` x the best one's score.

    ``focus`` (default: the query) gives the terms that the lexical part of the score matches.
    """
    if not sentences:
        return Selection((), 0.0)
    vectors = embedder.embed([query, *(s.text for s in sentences)])
    similarity = vectors[1:] @ vectors[0]
    asked = terms(focus or "") or terms(query)

    def relevant(sim: float, sentence: Sentence) -> float:
        words = lexicon.overlap(asked, terms(sentence.text)) if lexicon else float(sim)
        extra = boost(sentence) if boost else 0.0
        return 0.55 * sim + 0.3 * words + 0.15 * sentence.hit.score + extra

    relevance = np.array(
        [relevant(float(sim), s) for sim, s in zip(similarity, sentences, strict=True)]
    )
    chosen: list[int] = []
    words = 0
    best = float(relevance.max())
    while len(chosen) < limit:
        redundancy = (
            (vectors[1:] @ vectors[1:][chosen].T).max(axis=1)
            if chosen
            else np.zeros(len(sentences))
        )
        score = (1 - diversity) * relevance - diversity * redundancy
        score[chosen] = -np.inf
        pick = int(score.argmax())
        if score[pick] == -np.inf or relevance[pick] < floor * best:
            break
        sentence = sentences[pick]
        size = len(sentence.text.split()) + (
            len(sentence.previous.split()) if sentence.leans_back and sentence.previous else 0
        )
        if chosen and words + size > max_words:
            break
        chosen.append(pick)
        words += size
    return Selection(tuple(sentences[i] for i in chosen), float(similarity.max()))
