"""Quantities in an item: scale them consistently, and check the arithmetic still holds.

``scaled(item, factor)`` multiplies every count in the item (whole numbers of 10 or more that
are not percentages or years: tokens, words, requests, answers) by ``factor`` in the stem, the
options, the answer and the solution steps. That is only right when the item's arithmetic is
linear in them, so the result is kept only when the item works its answer out in equations
("750 words divided by 0.75 words per token is about 1,000 tokens", "128,000 minus 120,000
leaves about 8,000", "2,000 x 3,000 = 6,000,000") and every one of them still holds with the
new numbers: ``2,000 x 3,000`` scaled by 2 is 4,000 x 6,000, not 12,000,000, so that item gets
no scaled variant. ``check(item)`` recomputes the equations of any item; the key check uses it
on every variant whose numbers differ from its parent's.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tutor.corpus import Item

_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_NUMBER = re.compile(rf"(?<![\w.,])(?P<n>{_NUM})(?![\w%]|[.,]\d)")
_OPS: dict[str, Callable[[float, float], float]] = {
    "x": lambda a, b: a * b,
    "\u00d7": lambda a, b: a * b,  # the multiplication sign
    "*": lambda a, b: a * b,
    "times": lambda a, b: a * b,
    "divided by": lambda a, b: a / b,
    "/": lambda a, b: a / b,
    "minus": lambda a, b: a - b,
    "-": lambda a, b: a - b,
    "plus": lambda a, b: a + b,
    "+": lambda a, b: a + b,
}
_EQUATION = re.compile(
    rf"(?<![\w.,(])(?P<a>{_NUM})(?:\s+[a-z]+){{0,2}}\s+"
    r"(?P<op>divided by|minus|plus|times|x|\u00d7|\*|/|-|\+)\s+"
    rf"(?P<b>{_NUM})(?![\w.,]\d)(?:\s+[a-z]+){{0,4}}?\s*(?:=|is|leaves|gives|makes)\s+"
    rf"(?P<about>(?:about|roughly|around|only)\s+)?\$?(?P<c>{_NUM})"
)
EXACT = 0.005  # relative error allowed for a stated result
ABOUT = 0.05  # ... and for one stated as "about"


@dataclass(frozen=True)
class Equation:
    text: str
    expected: float
    stated: float
    holds: bool


def value(number: str) -> float:
    return float(number.replace(",", ""))


def equations(item: Item) -> list[Equation]:
    """Every equation the item's answer and solution steps state, recomputed."""
    out = []
    for source in [item.answer, *(s.text for s in item.solution_steps)]:
        for match in _EQUATION.finditer(source):
            a, b, c = value(match["a"]), value(match["b"]), value(match["c"])
            if match["op"] in ("divided by", "/") and b == 0:
                continue
            expected = _OPS[match["op"]](a, b)
            tolerance = ABOUT if match["about"] else EXACT
            holds = abs(expected - c) <= tolerance * max(abs(c), 1e-9)
            out.append(Equation(match[0], expected, c, holds))
    return out


def check(item: Item) -> tuple[bool, list[Equation]]:
    """True when the item states at least one equation, every one holds, and every number of
    its answer is a number of the stem or the result of one of them (a result stated only in
    words, "costing $6", cannot be recomputed, so the item does not pass)."""
    found = equations(item)
    known = {value(m["n"]) for m in _NUMBER.finditer(item.stem)} | {e.stated for e in found}
    stated = {value(m["n"]) for m in _NUMBER.finditer(item.answer)}
    return bool(found) and all(e.holds for e in found) and stated <= known, found


def counts(item: Item) -> list[str]:
    """The numbers ``scaled`` would change, in the order they first appear."""
    seen: dict[str, None] = {}
    for source in _texts(item):
        for match in _NUMBER.finditer(source):
            number = match["n"]
            if _is_count(number):
                seen.setdefault(number)
    return list(seen)


def scaled(item: Item, factor: int) -> dict[str, Any] | None:
    """The item as a dict with every count times ``factor``, or None when it has no count,
    states no equation, or an equation of it would no longer hold."""
    if not counts(item) or not check(item)[0]:
        return None
    raw = item.model_dump(mode="json", exclude={"graded_answers"})
    change = _scaler(factor)
    raw["stem"] = change(raw["stem"])
    raw["answer"] = change(raw["answer"])
    raw["options"] = [{**o, "text": change(o["text"])} for o in raw["options"]]
    raw["solution_steps"] = [{**s, "text": change(s["text"])} for s in raw["solution_steps"]]
    raw["hints"] = [change(h) for h in raw["hints"]]
    try:
        variant = Item.model_validate({**raw, "id": item.id})
    except ValueError:
        return None
    return raw if check(variant)[0] else None


def changed(parent: Item, variant: Item) -> bool:
    """Does the variant state other numbers than its parent?"""
    mine = {value(m["n"]) for t in _texts(variant) for m in _NUMBER.finditer(t)}
    sources = [*_texts(parent), *parent.common_mistakes, *parent.hints]  # options may use them
    theirs = {value(m["n"]) for t in sources for m in _NUMBER.finditer(t)}
    return not mine <= theirs


def masked(text: str) -> str:
    """The text with every number replaced by N, for comparing wording alone."""
    return _NUMBER.sub("N", text)


def _is_count(number: str) -> bool:
    """A whole number of 10 or more, not a year (1900-2100 written without a comma)."""
    v = value(number)
    year = "," not in number and 1900 <= v <= 2100
    return v >= 10 and v == int(v) and not year


def _texts(item: Item) -> list[str]:
    return [item.stem, item.answer, *(o.text for o in item.options),
            *(s.text for s in item.solution_steps)]  # fmt: skip


def _scaler(factor: int) -> Callable[[str], str]:
    def one(match: re.Match[str]) -> str:
        number = match["n"]
        return f"{int(value(number)) * factor:,}" if _is_count(number) else number

    return lambda text: _NUMBER.sub(one, text)
