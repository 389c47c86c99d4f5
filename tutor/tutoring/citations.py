"""Citations: passage ids in square brackets, checked against what was actually retrieved.

An engine may cite only passages it was given. Any other id (made up, or from an earlier turn
and not retrieved now) is dropped from the reply's citations and from its text, and counted.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from tutor.retrieval import Hit

_ID = r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+"
_BRACKET = re.compile(rf"(?P<lead>[ \t]?)\[\s*(?P<ids>{_ID}(?:\s*[,;]\s*{_ID})*)\s*\]")


@dataclass(frozen=True)
class Citation:
    passage_id: str
    lesson_id: str
    lesson_title: str
    title: str
    section: str
    text: str
    score: float

    @classmethod
    def of(cls, hit: Hit) -> Citation:
        return cls(
            hit.passage_id, hit.lesson_id, hit.lesson_title, hit.title, hit.section, hit.text,
            hit.score,
        )  # fmt: skip

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Checked:
    text: str  # with invalid ids taken out of its brackets
    citations: tuple[Citation, ...]  # valid ones, in order of first mention
    invalid: int  # distinct ids that were not among the retrieved passages


def cited_ids(text: str) -> list[str]:
    """Ids in ``[a/b]`` or ``[a/b, c/d]`` brackets, in order of first appearance."""
    ids = (i.strip() for m in _BRACKET.finditer(text) for i in re.split(r"[,;]", m["ids"]))
    return list(dict.fromkeys(ids))


def check_citations(text: str, claimed: Sequence[str], retrieved: Sequence[Hit]) -> Checked:
    allowed = {h.passage_id: h for h in retrieved}
    ids = list(dict.fromkeys([*cited_ids(text), *(c.strip() for c in claimed)]))
    invalid = {i for i in ids if i not in allowed}

    def keep_valid(match: re.Match[str]) -> str:
        kept = [i.strip() for i in re.split(r"[,;]", match["ids"]) if i.strip() in allowed]
        return f"{match['lead']}[{', '.join(kept)}]" if kept else ""

    cleaned = _BRACKET.sub(keep_valid, text) if invalid else text
    valid = [Citation.of(allowed[i]) for i in ids if i in allowed]
    return Checked(cleaned, tuple(valid), len(invalid))
