"""Common words' synonyms, derived forms and antonyms, from WordNet 3.0 (``lexicon/wordnet.tsv.gz``,
built by ``scripts/build_lexicon.py``; its licence is ``lexicon/LICENSE``).

Each word's most frequent sense only, and two words linked only when each is related to the
other through its own first sense: "fast" has quick, rapid, speedy and swift, not "firm" (a
rarer sense) nor "dissipated" (whose first sense is "fast living"); antonyms the same way
("big" -> little, "buy" -> sell). The short-key checks read it
(:mod:`tutor.grading.short_keys`): "quick" for a key "fast" is the key said in another word,
"sell" for a key "buy" is another thing.
"""

from __future__ import annotations

import gzip
from functools import cache
from pathlib import Path

LEXICON = Path(__file__).parent / "lexicon" / "wordnet.tsv.gz"


@cache
def _table() -> dict[str, tuple[frozenset[str], frozenset[str]]]:
    table = {}
    with gzip.open(LEXICON, "rt", encoding="utf-8") as rows:
        for row in rows:
            if row.startswith("#"):
                continue
            word, same, opposite = row.rstrip("\n").split("\t")
            table[word] = (frozenset(same.split()), frozenset(opposite.split()))
    return table


_NONE: tuple[frozenset[str], frozenset[str]] = (frozenset(), frozenset())


def synonyms(word: str) -> frozenset[str]:
    """The word's synonyms and derived forms (lower case), empty for a word not listed."""
    return _table().get(word.lower(), _NONE)[0]


def antonyms(word: str) -> frozenset[str]:
    """The word's antonyms (lower case), empty for a word not listed."""
    return _table().get(word.lower(), _NONE)[1]
