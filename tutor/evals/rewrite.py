"""Offline rewrites of an answer that must not change its grade.

Paraphrase rules (meaning-preserving): synonym swaps, clause reordering, contractions.
Format changes: letter case and whitespace. Each function returns None when it has nothing to
change, so that no variant is counted that equals its original.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_SYNONYMS = {
    "big": "large",
    "large": "big",
    "often": "frequently",
    "frequently": "often",
    "important": "essential",
    "essential": "important",
    "shows": "demonstrates",
    "show": "demonstrate",
    "check": "verify",
    "checks": "verifies",
    "verify": "check",
    "make sure": "ensure",
    "ensure": "make sure",
    "need": "require",
    "needs": "requires",
    "requires": "needs",
    "lets": "allows",
    "allows": "lets",
    "start": "begin",
    "begin": "start",
    "many": "numerous",
    "split": "divide",
    "combine": "merge",
    "wrong": "incorrect",
    "incorrect": "wrong",
    "mistakes": "errors",
    "errors": "mistakes",
    "quickly": "fast",
    "cheaper": "less expensive",
    "because": "since",
    "usually": "typically",
    "typically": "usually",
    "cut": "reduce",
    "whole": "entire",
    "entire": "whole",
}
_CONTRACT = {
    "do not": "don't",
    "does not": "doesn't",
    "did not": "didn't",
    "is not": "isn't",
    "are not": "aren't",
    "cannot": "can't",
    "can not": "can't",
    "will not": "won't",
    "it is": "it's",
    "that is": "that's",
    "they are": "they're",
    "would not": "wouldn't",
    "should not": "shouldn't",
    "has not": "hasn't",
    "have not": "haven't",
    "was not": "wasn't",
}
_EXPAND = {v: k for k, v in reversed(_CONTRACT.items())}
_ANAPHORA = re.compile(
    r"^(this|that|these|those|it|they|so|then|therefore|thus|also|but|and|"
    r"which|instead|otherwise)\b",
    re.IGNORECASE,
)


def _replace_words(text: str, table: dict[str, str]) -> str | None:
    pattern = re.compile(
        r"\b(" + "|".join(map(re.escape, sorted(table, key=len, reverse=True))) + r")\b",
        re.IGNORECASE,
    )

    def swap(match: re.Match[str]) -> str:
        word = match[0]
        new = table[word.lower()]
        return new[0].upper() + new[1:] if word[0].isupper() else new

    changed = pattern.sub(swap, text)
    return changed if changed != text else None


def synonyms(text: str) -> str | None:
    return _replace_words(text, _SYNONYMS)


def contractions(text: str) -> str | None:
    """Contract what can be contracted; if nothing can, expand the contractions instead."""
    return _replace_words(text, _CONTRACT) or _replace_words(text, _EXPAND)


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z(])", text.strip()) if s]


def reorder(text: str) -> str | None:
    """ "A because B." → "Because B, a."; "A if B." → "If B, a."; else swap the last two
    sentences when the last one does not refer back to the one before it."""
    parts = _sentences(text)
    for i, sentence in enumerate(parts):
        match = re.match(
            r"^(?P<a>[^,;:]{12,}?)\s+(?P<w>because|if)\s+(?P<b>[^;:]{6,}?)"
            r"(?P<end>[.!?]?)$",
            sentence,
        )
        if match and not re.search(r"\b(because|if)\b", match["b"], re.IGNORECASE):
            a = match["a"]
            a = a[0].lower() + a[1:] if not a[:2].isupper() else a
            word = match["w"].capitalize()
            parts[i] = f"{word} {match['b']}, {a}{match['end'] or '.'}"
            return " ".join(parts)
    if len(parts) >= 2 and not _ANAPHORA.match(parts[-1]):
        return " ".join([*parts[:-2], parts[-1], parts[-2]])
    return None


def lower_case(text: str) -> str | None:
    return text.lower() if text.lower() != text else None


def upper_case(text: str) -> str | None:
    return text.upper() if text.upper() != text else None


def whitespace(text: str) -> str | None:
    spaced = "\n  " + re.sub(r" ", "   ", text.strip()).replace(". ", ".\n\n") + "  \n\t"
    return spaced if spaced != text else None


Rewrite = Callable[[str], str | None]
PARAPHRASES: dict[str, Rewrite] = {
    "synonyms": synonyms,
    "reorder": reorder,
    "contractions": contractions,
}
FORMATS: dict[str, Rewrite] = {
    "lower_case": lower_case,
    "upper_case": upper_case,
    "whitespace": whitespace,
}
