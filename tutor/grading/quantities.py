"""The numbers a text states, as values, and whether an answer's result is the key's.

A key that works a calculation ("2,000 x 3,000 = 6,000,000 tokens ... Total: $10 per day") ends
with its result; a key that is nothing but a figure ("4", "About 1,000 tokens.") is that figure;
a key to a question that asks how many or how much, or is itself a calculation ("What is 15 x
4?"), gives it as its first figure the question does not state. The models read "$12" and
"$10" as near-identical tokens, so an answer with the right method and a wrong total was graded
correct 0.97, "About 1,500 tokens" against "About 1,000 tokens" 0.88 and "5" for "What is 2+2?"
(key "4") 0.66; this check caps them instead.

Numbers are read as learners write them: "2,000", "6,000,000", "0.8", "6M", "2k", "1.5 million",
"six million", "two thousand", "ten dollars", "70%". Plain Python, no NLP package.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import NamedTuple

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
_SCALES = {"hundred": 100, "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_SUFFIXES = {"k": 1e3, "m": 1e6, "b": 1e9, "bn": 1e9}
_FRACTIONS = {"half": 2, "halves": 2, "third": 3, "thirds": 3, "quarter": 4, "quarters": 4,
              "fifth": 5, "fifths": 5, "tenth": 10, "tenths": 10}  # fmt: skip
# a number in digits, with thousands separators, and a scale written after it: "6M", "2k",
# "1.5 million"; or a number word. "per million" is a unit, not a scale: see `values`.
# A minus sign right before the digits makes the number negative ("x = -3"), unless it joins
# two terms ("3-5", "E-4012"); digits inside a word are no figure ("H2O", "CO2", "mp3").
# A fraction ("3/4", not a date "3/4/2020") and a power of ten ("3 x 10^8", "1.5*10**-3")
# are one figure each.
_TOKEN = re.compile(
    r"(?P<sign>(?<![\w.)])[-\u2212](?=[\d.]))?"
    r"(?:(?<![\w./])(?P<numerator>\d+)/(?P<denominator>\d+)(?![\w/])"
    r"|(?<![A-Za-z0-9])(?P<mantissa>\d+(?:\.\d+)?)\s*[x\u00d7*]\s*10\s*(?:\^|\*\*)\s*"
    r"(?P<exponent>[-\u2212]?\d+)(?!\d)"
    r"|(?<![A-Za-z0-9])(?P<digits>\d{1,3}(?:,\d{3})+(?!\d)|\d+(?:\.\d+)?(?![A-Za-z]*\d)|\.\d+)"
    r"(?:(?P<suffix>bn|[kmb])\b)?)"
    r"|(?P<word>[a-z]+)",
    re.IGNORECASE,
)
# What makes a key a worked calculation: an operator or "=" between two numbers ("2,000 x 3,000",
# "1,000 = 12,000"), not a setting ("temperature = 0.7") nor a range ("3-5").
_WORKED = re.compile(r"\d\s*(?:[x\u00d7*+=]|times)\s*\$?\d", re.IGNORECASE)
# A question that asks for a quantity: its key's first figure of its own is the answer.
_ASKS = re.compile(r"\bhow (?:many|much)\b", re.IGNORECASE)
_BARE_WORDS = 3  # a key of one figure and at most this many words is that figure ("about $10")
_RATE = re.compile(r"\bper\s+[a-z]+", re.IGNORECASE)  # "per second": part of a unit, no word
_WORD = re.compile(r"[a-z]+", re.IGNORECASE)
RELATIVE = 1e-6  # values this close (relative) are the same number
# A key to "how many" that gives its figure as an estimate ("About 1,000 tokens") takes one
# within this share of it (1,200 against 1,000, not 1,300); a worked result is exact.
_APPROXIMATE = re.compile(r"\b(?:about|roughly|approximately|around|nearly|almost)\b|~",
                          re.IGNORECASE)  # fmt: skip
ESTIMATE = 0.25


class Figure(NamedTuple):
    """A number of a text and where it stands (``end``: after its scale word, if any)."""

    value: float
    start: int
    end: int


@lru_cache(maxsize=1024)
def figures(text: str) -> tuple[Figure, ...]:
    """The numbers of ``text`` in order, a scale word folded into the number before it ("six
    million" is 6e6, "$4 per million" is 4), a fraction word dividing it ("three quarters" is
    0.75). A lone "one" is no figure ("one per word", "the one that")."""
    out: list[Figure] = []
    phrase: list[str] = []  # number words being read ("two thousand five hundred")
    span = [0, 0]  # where the phrase stands

    def close() -> None:
        if phrase and phrase != ["one"]:
            out.append(Figure(_spoken(phrase), span[0], span[1]))
        phrase.clear()

    previous = ""
    for match in _TOKEN.finditer(text):
        word = (match.group("word") or "").lower()
        value = _number(match)
        if value is not None:
            close()
            out.append(Figure(value, match.start(), match.end()))
        elif word in _UNITS or (word in _SCALES and phrase):
            if not phrase:
                span[0] = match.start()
            phrase.append(word)
            span[1] = match.end()
        elif word in _FRACTIONS and phrase:
            out.append(Figure(_spoken(phrase) / _FRACTIONS[word], span[0], match.end()))
            phrase.clear()
        elif word in _SCALES and previous != "per" and _follows_number(text, match.start()):
            last = out[-1]  # "1.5 million", "6 million tokens"
            out[-1] = Figure(last.value * _SCALES[word], last.start, match.end())
        elif word != "and" or not phrase or phrase[-1] not in _SCALES:  # "thousand and five"
            close()
        previous = word
    close()
    return tuple(out)


def _number(match: re.Match[str]) -> float | None:
    """The value of a ``_TOKEN`` match in digits: a fraction, a power of ten or a number with
    its scale, signed; None for a word (or a fraction over 0)."""
    if match.group("numerator"):
        denominator = int(match.group("denominator"))
        if not denominator:
            return None
        value = int(match.group("numerator")) / denominator
    elif match.group("mantissa"):
        exponent = int(match.group("exponent").replace("\u2212", "-"))
        value = float(match.group("mantissa")) * 10.0 ** max(-300, min(300, exponent))
    elif match.group("digits"):
        scale = _SUFFIXES.get((match.group("suffix") or "").lower(), 1.0)
        value = float(match.group("digits").replace(",", "")) * scale
    else:
        return None
    return -value if match.group("sign") else value


def values(text: str) -> tuple[float, ...]:
    """The numbers of ``text`` in order (:func:`figures` without where they stand)."""
    return tuple(f.value for f in figures(text))


def _spoken(phrase: list[str]) -> float:
    """The value of number words: "two hundred twenty five" is 225, "six million" 6e6."""
    total, current = 0.0, 0.0
    for word in phrase:
        if word in _UNITS:
            current += _UNITS[word]
        elif word == "hundred":
            current = (current or 1) * 100
        else:
            total += (current or 1) * _SCALES[word]
            current = 0.0
    return total + current


def _follows_number(text: str, start: int) -> bool:
    """The scale word comes right after digits ("6 million"), not after other words."""
    return bool(re.search(r"\d\s*$", text[:start]))


_POWER_OF_TEN = re.compile(r"[x\u00d7*]\s*10\s*(?:\^|\*\*)", re.IGNORECASE)


def _works(text: str) -> bool:
    """The text works a calculation: an operator or "=" between two numbers. A power of ten
    ("3 x 10^8") is a figure, not a product."""
    return bool(_WORKED.search(_POWER_OF_TEN.sub("e", text)))


def worked_result(reference: str) -> float | None:
    """The result of a key that works a calculation (its last number), else None."""
    if not _works(reference):
        return None
    numbers = values(reference)
    return numbers[-1] if numbers else None


def figure_key(reference: str) -> float | None:
    """The key's figure when the key is nothing but it: one number and at most
    ``_BARE_WORDS`` other words ("4", "$10", "About 1,000 tokens."), else None."""
    found = figures(reference)
    if len(found) != 1:
        return None
    rest = reference[: found[0].start] + " " + _RATE.sub("", reference[found[0].end :])
    return found[0].value if len(_WORD.findall(rest)) <= _BARE_WORDS else None


def expected_figure(question: str, reference: str) -> float | None:
    """The figure the key gives as the answer: a worked result; a key that is nothing but a
    figure (:func:`figure_key`); or, for a question asking how many or how much, or itself a
    calculation ("What is 15 x 4?"), the key's first number the question does not state."""
    worked = worked_result(reference)
    if worked is not None:
        return worked
    bare = figure_key(reference)
    if bare is not None:
        return bare
    if not (_ASKS.search(question) or _WORKED.search(question)):
        return None
    given = values(question)
    return next((v for v in values(reference) if not any(_same(v, g) for g in given)), None)


# Words an answer to a bare-figure key may add to its figure: the figure's own words and
# filler ("It is about 56."). Anything else must be a word of the key or the question, or an
# abbreviation of one ("100 C" for "100 degrees Celsius").
_FILLER = frozenset(
    "a an the it is its it's that this be are was were i think about around roughly "
    "approximately nearly almost exactly so answer not no".split()
)
_ABBREVIATION = 3  # letters at most of a word written as the start of a key's word


def in_key_terms(answer: str, question: str, reference: str) -> bool:
    """The answer adds nothing to its figures but filler and the key's or question's words
    (or their starts, as "C" for "Celsius"): "fifty-six", "100 C", "90 degrees" against "100
    degrees Celsius", but not "212 degrees Fahrenheit" (another unit) nor "56 apples"."""
    known = {w.lower() for w in _WORD.findall(f"{question} {reference}")}
    for word in (w.lower() for w in _WORD.findall(answer)):
        if word in known or word in _FILLER or word in _UNITS or word in _SCALES:
            continue
        if len(word) <= _ABBREVIATION and any(k.startswith(word) for k in known):
            continue
        return False
    return True


def gives_figure(answer: str, question: str, reference: str) -> bool:
    """A key that is nothing but a figure (:func:`figure_key`), and the answer is that figure,
    however written ("fifty-six" for "56"), in the key's terms (:func:`in_key_terms`) and with
    no other figure."""
    return _only(answer, figure_key(reference)) and in_key_terms(answer, question, reference)


def leading_figure(reference: str) -> float | None:
    """The figure a key opens with, its answer before the reason ("0 or close to 0, because
    each field has one correct value ..."), else None."""
    found = figures(reference)
    return found[0].value if found and not _WORD.search(reference[: found[0].start]) else None


def gives_only_leading(answer: str, question: str, reference: str) -> bool:
    """The answer is the figure the key opens with and nothing of the reason: "0" or
    "Temperature 0" for "0 or close to 0, because ...". Its words are filler or the
    question's."""
    return _only(answer, leading_figure(reference)) and in_key_terms(answer, question, "")


def _only(answer: str, result: float | None) -> bool:
    """The answer states a figure, and every figure it states is ``result``."""
    stated = values(answer)
    return result is not None and bool(stated) and all(_same(v, result) for v in stated)


def hedges_figure(answer: str, question: str, reference: str) -> bool:
    """A key that is nothing but an exact figure, and the answer gives it beside a figure of
    its own that neither the key nor the question states: "56 or 54" for "56"."""
    result = figure_key(reference)
    if result is None or _APPROXIMATE.search(reference):
        return False
    stated = values(answer)
    known = (*values(reference), *values(question))
    return any(_same(v, result) for v in stated) and any(
        not any(_same(v, k) for k in known) for v in stated
    )


def states_result(point: str, question: str, reference: str) -> bool:
    """A key point (solution step, key phrase) gives the key's figure (:func:`expected_figure`)."""
    result = expected_figure(question, reference)
    return result is not None and any(_same(v, result) for v in values(point))


def _same(value: float, reference: float, rel_tol: float = RELATIVE) -> bool:
    """``value`` is ``reference`` within ``rel_tol`` of the reference."""
    return abs(value - reference) <= rel_tol * abs(reference) + 1e-9


def wrong_result(answer: str, question: str, reference: str) -> bool:
    """The key gives a figure as the answer (:func:`expected_figure`), and the answer gives one
    of its own (one neither the key nor the question states) without ever stating the key's:
    a wrong total or estimate. An answer with no numbers, or one that reaches the key's
    figure, is left to the models."""
    result = expected_figure(question, reference)
    if result is None:
        return False
    stated = values(answer)
    # a worked result is exact; an estimate the key gives as one ("About 1,000") is a range
    estimate = worked_result(reference) is None and _APPROXIMATE.search(reference)
    near = ESTIMATE if estimate else RELATIVE
    if not stated or any(_same(v, result, near) for v in stated):
        return False
    known = (*values(reference), *values(question))
    return any(not any(_same(v, k) for k in known) for v in stated)


# A figure tied to a unit of time or of use: "$10 per day", "6,000,000 tokens a day", "about $300
# per month", "400 tokens per turn", "ten dollars daily". "$1 per million tokens" is a price.
_PER_UNIT = re.compile(
    r"[^\w.;:!?]{0,3}(?:[a-z]+\s+){0,2}?(?:(?:per|a|an|each|every)\s+(?P<unit>day|week|month|year|hour|"
    r"minute|request|call|turn|query|user)s?\b|(?P<adverb>daily|weekly|monthly|yearly|annually|"
    r"hourly)\b)",
    re.IGNORECASE,
)
_ADVERBS = {"daily": "day", "weekly": "week", "monthly": "month", "yearly": "year",
            "annually": "year", "hourly": "hour"}  # fmt: skip


def _per_unit(text: str) -> list[tuple[float, str, bool]]:
    """The text's figures tied to a unit: (value, unit, given as an estimate)."""
    out = []
    for figure in figures(text):
        match = _PER_UNIT.match(text, figure.end)
        if match:
            unit = match.group("unit") or _ADVERBS[match.group("adverb").lower()]
            approximate = bool(_APPROXIMATE.search(text[max(0, figure.start - 15) : figure.start]))
            out.append((figure.value, unit.lower(), approximate))
    return out


def conflicting_units(answer: str, question: str, key: Sequence[str]) -> set[str]:
    """The units for which the answer states a figure of its own (one that neither the key,
    its steps, nor the question states) that is not the key's figure for that unit: "$3,650
    per month" where a step says "about $300 per month". A figure of a unit the key does not
    price ("$0.005 per request" beside a daily total) is left alone."""
    expected: dict[str, list[tuple[float, bool]]] = {}
    for text in key:
        for value, unit, approximate in _per_unit(text):
            expected.setdefault(unit, []).append((value, approximate))
    if not expected:
        return set()
    known = [v for text in (*key, question) for v in values(text)]
    out = set()
    for value, unit, _ in _per_unit(answer):
        if unit not in expected or any(_same(value, k) for k in known):
            continue
        if not any(
            _same(value, k, ESTIMATE if approx else RELATIVE) for k, approx in expected[unit]
        ):
            out.add(unit)
    return out


def states_unit(point: str, units: set[str]) -> bool:
    """A key point gives a figure of one of ``units``."""
    return any(unit in units for _, unit, _ in _per_unit(point))


# A relation between a letter (a variable) and a number: "x > 5", "5 < x", "y <= -2", "x ≠ 0".
_OPERATORS = {"<": "<", ">": ">", "<=": "<=", "=<": "<=", "\u2264": "<=", ">=": ">=",
              "=>": ">=", "\u2265": ">=", "=": "=", "!=": "!=", "\u2260": "!="}  # fmt: skip
_FLIPPED = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "=": "=", "!=": "!="}
_NUMBER = r"[-\u2212]?(?:\d+(?:\.\d+)?|\.\d+)"
_RELATION = re.compile(
    rf"(?<![\w.])(?:(?P<var>[a-z])\s*(?P<op><=|>=|=<|=>|!=|[<>=\u2264\u2265\u2260])\s*"
    rf"(?P<value>{_NUMBER})|(?P<value2>{_NUMBER})\s*(?P<op2><=|>=|=<|=>|!=|[<>=\u2264\u2265\u2260])"
    rf"\s*(?P<var2>[a-z]))(?![\w.])",
    re.IGNORECASE,
)


def relations(text: str) -> set[tuple[str, str, float]]:
    """The relations ``text`` states between a one-letter variable and a number, as
    (variable, operator, value) with the variable on the left: "5 < x" is ("x", ">", 5)."""
    out = set()
    for m in _RELATION.finditer(text):
        if m.group("var"):
            var, op, value = m.group("var"), _OPERATORS[m.group("op")], m.group("value")
        else:
            var, value = m.group("var2"), m.group("value2")
            op = _FLIPPED[_OPERATORS[m.group("op2")]]
        out.add((var.lower(), op, float(value.replace("\u2212", "-"))))
    return out


def crosses_relation(answer: str, reference: str) -> bool:
    """The key states an inequality ("x > 5") and the answer relates the same variable to the
    same number another way ("x < 5", "x >= 5", "x = 5") and never as the key does."""
    key = {r for r in relations(reference) if r[1] != "="}
    if not key:
        return False
    said = relations(answer)
    same_terms = {(v, n) for v, _, n in key}
    other = [r for r in said if (r[0], r[2]) in same_terms and r not in key]
    return bool(other) and not key & said


# A year as a figure of its own: four digits from 1000 to 2099, not part of a larger number.
_YEAR = re.compile(r"(?<![\d,.$])\b(1\d{3}|20\d{2})\b(?![,.]?\d)")


def years(text: str) -> set[int]:
    return {int(y) for y in _YEAR.findall(text)}


def wrong_year(answer: str, question: str, reference: str) -> bool:
    """The key dates something (a year the question does not give) and the answer gives
    another year of its own, never the key's: "in 1939" for "in 1914"."""
    asked = years(question)
    key = years(reference) - asked
    if not key:
        return False
    said = years(answer)
    return bool(said - asked - years(reference)) and not said & key


def works_to_figure(answer: str, question: str, reference: str) -> bool:
    """A key that is nothing but a figure, and the answer works a calculation ("25% of 40 is
    10, so 40 - 10 = $30") whose last figure is the key's: its other figures are its working,
    not alternatives."""
    result = figure_key(reference)
    found = figures(answer)
    return result is not None and bool(found) and _same(found[-1].value, result) and _works(answer)
