"""Can the offline grader judge this answer at all? English words, not another language or mash.

The grader's models read English: a right answer in French comes out "incorrect" with high
confidence, and keyboard mash gets whatever its word pieces happen to score. Neither should get
a confident verdict. Two plain checks, no language model:

- **another language**: the answer uses more function words of one of a few common languages
  than English ones (function words are what every sentence has, whatever the topic);
- **not words**: most of its words are neither English words the tokenizer knows whole nor words
  of the question, references or graded examples (course terms such as "RAG" count as known).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from tutor.retrieval.embedder import tokenizer_file

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_FUNCTION_WORDS = {
    "en": "the a an of to and is are in that it for with as on this be not by or was from which "
    "what when because if so can does do you they there their than more but at per each has have "
    "will its all",
    "fr": "le la les des une un du est et que qui dans pour pas sur au aux avec ce cette sont "
    "mais ou plus il elle nous vous ne se sa son ses leur",
    "es": "el la los las una un del es y que en por para con no se su sus al lo como pero mas "
    "este esta son muy cuando porque",
    "de": "der die das und ist nicht ein eine zu den dem mit von auf fur sich des im auch wenn "
    "weil oder aber sind wird kann es",
    "it": "il lo la gli le di che e un una per non con del della sono ma come piu anche nel se "
    "perche questo",
    "pt": "o a os as um uma de do da que e em para com nao por mais se como mas sao isso "
    "quando porque",
    "nl": "de het een en van is niet dat op te voor met zijn maar als ook er dan omdat",
}
# Words that English uses too ("no", "a", "per": "$1 per million" is not Italian) or single
# letters would count for both languages.
_SHARED = frozenset(_FUNCTION_WORDS["en"].split()) | {"no", "son", "case", "die", "come"}
_NAMES = {"fr": "French", "es": "Spanish", "de": "German", "it": "Italian", "pt": "Portuguese",
          "nl": "Dutch"}  # fmt: skip
_SETS = {
    lang: frozenset(w for w in words.split() if lang == "en" or (len(w) > 1 and w not in _SHARED))
    for lang, words in _FUNCTION_WORDS.items()
}
_MIN_WORDS = 4  # shorter answers are judged by the grader as they are


def _plain(text: str) -> str:
    """Lower-cased, accents stripped ("température" -> "temperature")."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def tokens(text: str) -> list[str]:
    return _WORD.findall(_plain(text))


def language(text: str) -> str:
    """ "en", or the code of another language whose function words the text uses more."""
    words = tokens(text)
    counts = {lang: sum(w in s for w in words) for lang, s in _SETS.items()}
    best = max(counts, key=lambda lang: (counts[lang], lang == "en"))
    if best != "en" and counts[best] >= 2 and counts[best] > 1.5 * counts["en"]:
        return best
    return "en"


@lru_cache(maxsize=1)
def _vocabulary() -> frozenset[str]:
    """Whole words of the WordPiece vocabulary (word pieces and special tokens left out)."""
    model = json.loads(tokenizer_file().read_text("utf-8"))["model"]["vocab"]
    return frozenset(w for w in model if w.isalpha() and len(w) > 1)


def known_share(text: str, context: Iterable[str] = ()) -> float:
    """Share of the answer's words (two letters or more) that are known words."""
    words = [w for w in tokens(text) if len(w) > 1]
    if not words:
        return 1.0
    vocab = _vocabulary()
    course = {w for c in context for w in tokens(c)}
    known = sum(w in vocab or w in course or w.rstrip("s") in vocab for w in words)
    return known / len(words)


def unreadable(text: str, context: Iterable[str] = ()) -> str | None:
    """Why the grader cannot judge the answer ("written in French", "not words"), or None."""
    words = tokens(text)
    if len(words) < _MIN_WORDS:
        return None
    lang = language(text)
    if lang != "en":
        return f"written in {_NAMES[lang]}"
    if known_share(text, context) < 0.5:
        return "not words"
    return None
