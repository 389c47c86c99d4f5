"""Word-level matching: content terms of a text, weighted by how rare they are in the corpus.

Sentence embeddings from a small model rate generic sentences ("Vague prompts fail in
predictable ways.") close to any question about prompts; the share of the question's rare
terms that a sentence contains ("delimiters") corrects for that.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable

STOPWORDS = frozenset(
    """a an the and or but if then so of to in on at by for with from into as is are was were be
    been being it its this that these those they them their you your i we our which who what
    when where why how will would can could should may might must not no do does did has have
    had than also only more most very each other any all one two about over there here just
    such same use used using make makes way me my us he she his her get gets""".split()
)
_WORD = re.compile(r"\d+(?:[.,]\d+)*|[a-z]+(?:['-][a-z]+)*")


def stem(word: str) -> str:
    """A light stemmer: "delimiters" and "delimiter", "numbers" and "number" match."""
    if word[0].isdigit():
        return re.sub(r",(?=\d{3})", "", word)
    for suffix in ("ing", "ed", "es", "s", "ly"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[: -len(suffix)]
            break
    return word[:7]


def terms(text: str) -> set[str]:
    """Stemmed content words, without stop words."""
    return {stem(w) for w in _WORD.findall(text.lower()) if w not in STOPWORDS and len(w) > 1}


class Lexicon:
    """Inverse document frequencies over a set of documents (the corpus's passages)."""

    def __init__(self, documents: Iterable[str]) -> None:
        counts: Counter[str] = Counter()
        total = 0
        for document in documents:
            counts.update(terms(document))
            total += 1
        self._idf = {t: math.log((1 + total) / (1 + n)) + 1 for t, n in counts.items()}
        self._unseen = math.log(1 + total) + 1

    @property
    def vocabulary(self) -> frozenset[str]:
        """Every term the documents use."""
        return frozenset(self._idf)

    def weight(self, term: str) -> float:
        return self._idf.get(term, self._unseen)

    def overlap(self, query: set[str], text: set[str]) -> float:
        """The IDF-weighted share of the query's terms that ``text`` contains (0..1)."""
        total = sum(self.weight(t) for t in query)
        return sum(self.weight(t) for t in query & text) / total if total else 0.0
