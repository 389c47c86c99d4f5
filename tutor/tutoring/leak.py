"""The leak check: does a text give away a practice item's canonical answer?

A text leaks when it

- contains the answer (or, for free text, one of its longer clauses) after normalisation;
- for multiple choice: contains the correct option's text, names its letter as the answer
  ("option C", "(C)", "C is correct", "go with C"), or rules out every other option;
- for multiple choice, also: uses three, or 60%, of the words that set the correct option
  apart from the stem and the other options; or, counting the lesson's concept names too,
  speaks for the correct option alone: 60% of its own words (those neither the stem nor
  another option uses), none of another option's ("Fine-tuning the model with the medical data
  updates its knowledge" singles out "Fine-tune the model with the medical dataset" when no
  other option fine-tunes: the word that picks an option is often a concept's name); or
  quotes it: four words of it in a row (stemmed), two of them content words the stem lacks;
- for free text: covers at least half of the answer's own content words (those the stem does
  not already use), or 70% of those of one of its sentences (of six or more such words), or
  states the answer's final computed number (of two or more digits);
- is close to the answer in embedding space (whole text >= 0.85, or one sentence >= 0.90 to
  one sentence of the answer).

The thresholds were measured on the starter corpus, where the items' own hints, solution steps
(but the last) and common mistakes reach at most 0.44 of the answer's content words, 0.67 of
one sentence's, two of the correct option's own words, 0.77 embedding similarity to the answer
and 0.84 to one of its sentences.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tutor.corpus import Item, ItemType, Lesson
from tutor.engines.extractive import split_sentences
from tutor.engines.lexicon import STOPWORDS, terms
from tutor.engines.lexicon import stem as lexicon_stem
from tutor.retrieval import Embedder
from tutor.retrieval.embedder import Vectors

CONTAINMENT = 0.5
SENTENCE_CONTAINMENT = 0.7
SENTENCE_WORDS = 6
DISTINCT = 0.6
SIMILARITY = 0.85
SENTENCE_SIMILARITY = 0.9
MIN_CLAUSE_WORDS = 6
QUOTE_RUN = 4  # words of the correct option in a row ...
QUOTE_CONTENT = 2  # ... with this many content words the stem does not use
_WORD = re.compile(r"\d+(?:[.,]\d+)*|[a-z]+(?:['-][a-z]+)*")
_WORDS = r"(?i:option|answer|choice|letter|alternative)s?"
_LETTER_RUN = r"(?:\(?[A-Z]\)?(?:\s*(?:,|/|(?i:and|or|nor))\s*)?)+"


@dataclass(frozen=True)
class Leak:
    leaked: bool
    reason: str = ""


def normalise(text: str) -> str:
    return " ".join(_WORD.findall(text.lower().replace("$", " ")))


def numbers(text: str) -> list[str]:
    return [re.sub(r",(?=\d{3})", "", n) for n in re.findall(r"\d+(?:[.,]\d+)*", text)]


class AnswerGuard:
    """Checks texts against one item's answer. ``embedder`` None skips the embedding test.

    Words of ``common`` (say, the lesson's title and concept names) may appear in any hint,
    so they never count as setting the correct option apart.
    """

    def __init__(self, item: Item, embedder: Embedder | None = None, common: str = "") -> None:
        self.item = item
        self.embedder = embedder
        self._answer = normalise(item.answer)
        clauses = re.split(r"[.;:!?()]|\s-\s", item.answer)
        self._clauses = [
            n for n in (normalise(c) for c in clauses) if len(n.split()) >= MIN_CLAUSE_WORDS
        ]
        self._key = terms(item.answer) - terms(item.stem)
        others = [o.text for o in item.options if o.key != item.answer_key]
        self._distinct = self._key - terms(common) - set().union(*(terms(o) for o in others))
        own = _own_words(item)  # per option: the words no other option and not the stem use
        self._own = own.get(item.answer_key or "", set())
        self._rivals = set().union(*(w for k, w in own.items() if k != item.answer_key))
        stem_words = terms(item.stem)
        self._quotes = _runs(item.answer, stem_words)
        stem_numbers = set(numbers(item.stem))
        self._computed = [  # single digits are too common (steps, levels, counts) to judge by
            n for n in numbers(item.answer) if n not in stem_numbers and len(n) > 1
        ]
        self._answer_sentences = split_sentences(item.answer)
        self._answer_vectors: Vectors | None = None
        self._sentence_keys = [
            key
            for key in (terms(s) - stem_words for s in self._answer_sentences)
            if len(key) >= SENTENCE_WORDS
        ]

    def check(self, text: str) -> Leak:
        flat = normalise(text)
        if self._answer and _contains(flat, self._answer):
            return Leak(True, "contains the answer")
        if self.item.type is ItemType.MULTIPLE_CHOICE:
            return self._check_choice(text)
        return self._check_free_text(text, flat)

    def _check_choice(self, text: str) -> Leak:
        key = re.escape(self.item.answer_key or "")
        named = [
            rf"{_WORDS}\s*(?:is\s+)?[:#]?\s*\(?{key}\b(?!['-])",
            rf"\({key}\)",
            rf"(?m)^\s*{key}[.)]\s",
            rf"\b{key}\s+(?:is|was|seems|looks)\s+(?:the\s+)?(?i:correct|right|best|answer|one)",
            rf"(?i:pick|choose|select|go\s+with|it's|it\s+is)\s+\(?{key}\b(?![a-z'-])",
        ]
        if key and any(re.search(p, text) for p in named):
            return Leak(True, "names the correct option")
        others = {o.key for o in self.item.options} - {self.item.answer_key}
        if others and others <= _letters_named(text):
            return Leak(True, "rules out every other option")
        words = terms(text)
        distinct = self._distinct
        shared = len(distinct & words)
        if len(distinct) >= 3 and (shared >= 3 or shared / len(distinct) >= DISTINCT):
            return Leak(True, "describes the correct option")
        own = len(self._own & words)
        if own and own / len(self._own) >= DISTINCT and not self._rivals & words:
            return Leak(True, "singles out the correct option")
        if self._quotes & _runs(text):
            return Leak(True, "quotes the correct option")
        return self._check_similarity(text)

    def _check_free_text(self, text: str, flat: str) -> Leak:
        if any(_contains(flat, clause) for clause in self._clauses):
            return Leak(True, "contains a clause of the answer")
        words = terms(text)
        if self._key and (
            len(self._key & words) / len(self._key) >= CONTAINMENT
            if len(self._key) >= 3
            else self._key <= words
        ):
            return Leak(True, "covers most of the answer's content words")
        if any(len(key & words) / len(key) >= SENTENCE_CONTAINMENT for key in self._sentence_keys):
            return Leak(True, "covers most of a sentence of the answer")
        said = set(numbers(text))
        if self._computed and self._computed[-1] in said:
            return Leak(True, "states the answer's result")
        return self._check_similarity(text)

    def _check_similarity(self, text: str) -> Leak:
        if self.embedder is None:
            return Leak(False)
        pieces = [s for s in split_sentences(text) if s != text.strip()]
        texts = [text, *pieces]
        if self._answer_vectors is None:  # the answer and its sentences, embedded once
            both = self.embedder.embed([*texts, self.item.answer, *self._answer_sentences])
            vectors, self._answer_vectors = both[: len(texts)], both[len(texts) :]
        else:
            vectors = self.embedder.embed(texts)
        answer, sentences = self._answer_vectors[0], self._answer_vectors[1:]
        if float(vectors[0] @ answer) >= SIMILARITY:
            return Leak(True, "paraphrases the answer")
        if len(sentences) and float((vectors @ sentences.T).max()) >= SENTENCE_SIMILARITY:
            return Leak(True, "paraphrases a sentence of the answer")
        return Leak(False)


def _runs(text: str, stem: set[str] | None = None) -> set[tuple[str, ...]]:
    """The text's runs of ``QUOTE_RUN`` stemmed words; with ``stem``, only those with
    ``QUOTE_CONTENT`` content words the stem does not use."""
    words = [w if w in STOPWORDS else lexicon_stem(w) for w in _WORD.findall(text.lower())]
    runs = {tuple(words[i : i + QUOTE_RUN]) for i in range(len(words) - QUOTE_RUN + 1)}
    if stem is None:
        return runs
    return {
        run
        for run in runs
        if sum(w not in STOPWORDS and len(w) > 1 and w not in stem for w in run) >= QUOTE_CONTENT
    }


def _own_words(item: Item) -> dict[str, set[str]]:
    """Each option's own words: those of its text that the stem and the other options lack."""
    stem = terms(item.stem)
    words = {o.key: terms(o.text) - stem for o in item.options}
    return {
        key: mine - set().union(*(w for k, w in words.items() if k != key))
        for key, mine in words.items()
    }


def _contains(haystack: str, needle: str) -> bool:
    return f" {needle} " in f" {haystack} "


def _letters_named(text: str) -> set[str]:
    """Option letters a text refers to: "options A and B", "(C)", "not D"."""
    found = set(re.findall(r"\(([A-Z])\)", text))
    for run in re.finditer(rf"{_WORDS}\s+({_LETTER_RUN})", text):
        found |= set(re.findall(r"[A-Z]", run.group(1)))
    found |= set(re.findall(r"(?i:not|rule out|eliminate)\s+\(?([A-Z])\b(?![a-z'-])", text))
    return found


def redact(text: str, guard: AnswerGuard, fallback: str) -> tuple[str, bool]:
    """``text`` without the sentences that leak; ``fallback`` if it still leaks. True if changed."""
    if not guard.check(text).leaked:
        return text, False
    paragraphs = []
    for paragraph in text.split("\n\n"):
        kept = [s for s in split_sentences(paragraph) if not guard.check(s).leaked]
        if kept:
            paragraphs.append(" ".join(kept))
    safe = "\n\n".join(paragraphs)
    if not safe.strip() or guard.check(safe).leaked:
        return fallback, True
    return safe, True


def guard_for(lesson: Lesson, item: Item, embedder: Embedder | None = None) -> AnswerGuard:
    """The guard for an item of ``lesson``, whose title and concept names hints may use."""
    common = " ".join([lesson.title, *(c.name for c in lesson.concepts if c.id in item.concepts)])
    return AnswerGuard(item, embedder, common)
