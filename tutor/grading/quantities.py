"""The numbers a text states, as values, and whether an answer's result is the key's.

A key that works a calculation ("2,000 x 3,000 = 6,000,000 tokens ... Total: $10 per day") ends
with its result. The models read "$12" and "$10" as near-identical tokens, so an answer with
the right method and a wrong total was graded correct 0.97; this check caps it instead.

Numbers are read as learners write them: "2,000", "6,000,000", "0.8", "6M", "2k", "1.5 million",
"six million", "two thousand", "ten dollars", "70%". Plain Python, no NLP package.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
_SCALES = {"hundred": 100, "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_SUFFIXES = {"k": 1e3, "m": 1e6, "b": 1e9, "bn": 1e9}
# a number in digits, with thousands separators, and a scale written after it: "6M", "2k",
# "1.5 million"; or a number word. "per million" is a unit, not a scale: see `values`.
_TOKEN = re.compile(
    r"(?P<digits>\d{1,3}(?:,\d{3})+(?!\d)|\d+(?:\.\d+)?|\.\d+)"
    r"(?:(?P<suffix>bn|[kmb])\b)?"
    r"|(?P<word>[a-z]+)",
    re.IGNORECASE,
)
# What makes a key a worked calculation: an operator between numbers, or an equals sign.
_WORKED = re.compile(r"\d\s*(?:[x\u00d7*+=]|times)\s*\$?\d|=\s*\$?\d", re.IGNORECASE)
RELATIVE = 1e-6  # values this close (relative) are the same number


@lru_cache(maxsize=1024)
def values(text: str) -> tuple[float, ...]:
    """The numbers of ``text`` in order, a scale word folded into the number before it ("six
    million" is 6e6, "$4 per million" is 4)."""
    out: list[float] = []
    words: list[float] = []  # the number words being read ("two thousand five hundred")
    current = 0.0
    previous = ""

    def close_words() -> None:
        nonlocal current
        if words:
            out.append(sum(words) + current)
            words.clear()
        elif current:
            out.append(current)
        current = 0.0

    for match in _TOKEN.finditer(text):
        word = (match.group("word") or "").lower()
        if match.group("digits"):
            close_words()
            value = float(match.group("digits").replace(",", ""))
            suffix = (match.group("suffix") or "").lower()
            out.append(value * _SUFFIXES.get(suffix, 1.0))
        elif word in _UNITS:
            if current and _UNITS[word] >= 10 and current % 100 == 0:
                current += _UNITS[word]  # "two hundred twenty"
            elif current and current % 10 == 0 and current >= 20 and _UNITS[word] < 10:
                current += _UNITS[word]  # "twenty five"
            else:
                close_words()
                current = float(_UNITS[word])
        elif word in _SCALES and previous != "per":
            scale = _SCALES[word]
            if current:
                if scale == 100:
                    current *= scale
                else:
                    words.append(current * scale)
                    current = 0.0
            elif out and not words and _follows_number(text, match.start()):
                out[-1] *= scale  # "1.5 million", "6 million tokens"
        elif word in {"and", "a"} and (current or words):
            pass  # "two thousand and five", "a million"
        else:
            close_words()
        previous = word or previous
    close_words()
    return tuple(out)


def _follows_number(text: str, start: int) -> bool:
    """The scale word comes right after digits ("6 million"), not after other words."""
    return bool(re.search(r"\d\s*$", text[:start]))


def worked_result(reference: str) -> float | None:
    """The result of a key that works a calculation (its last number), else None."""
    if not _WORKED.search(reference):
        return None
    numbers = values(reference)
    return numbers[-1] if numbers else None


def states_result(point: str, reference: str) -> bool:
    """A key point (solution step, key phrase) gives the result of the key's calculation."""
    result = worked_result(reference)
    return result is not None and any(_same(v, result) for v in values(point))


def _same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=RELATIVE, abs_tol=1e-9)


def wrong_result(answer: str, question: str, reference: str) -> bool:
    """The key works a calculation, and the answer gives a figure of its own (one neither the
    key nor the question states) without ever stating the key's result: a wrong total. An
    answer with no numbers, or one that reaches the key's result, is left to the models."""
    result = worked_result(reference)
    if result is None:
        return False
    stated = values(answer)
    if not stated or any(_same(v, result) for v in stated):
        return False
    known = (*values(reference), *values(question))
    return any(not any(_same(v, k) for k in known) for v in stated)
