"""Citations as ``[n]`` markers with a Sources list, and token estimates."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence

from tutor.api.routes.openai_compat.wire import CitedSource
from tutor.corpus import Corpus
from tutor.tutoring import Citation

# --- citations as [n] ------------------------------------------------------------------------

_ID = r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+"  # a passage id, as tutor.tutoring.citations reads them
_BRACKET = re.compile(rf"(?P<lead>[ \t]?)\[\s*(?P<ids>{_ID}(?:\s*[,;]\s*{_ID})*)\s*\]")
_HOLD = 240  # characters held back while a "[" may still be opening a citation


class Numbering:
    """Rewrites ``[lesson/passage]`` citations as ``[n]``, numbered by first mention.

    Text can be fed in pieces as it streams: a piece ending inside a bracket is held back until
    the bracket closes. Ids not in ``allowed`` are dropped, as the tutoring service drops them.
    """

    def __init__(self, allowed: Iterable[Citation]) -> None:
        self.allowed = {c.passage_id: c for c in allowed}
        self.numbers: dict[str, int] = {}
        self._held = ""

    def feed(self, piece: str) -> str:
        text = self._held + piece
        cut = text.rfind("[")
        if cut < 0 or "]" in text[cut:] or len(text) - cut > _HOLD:
            cut = len(text)
        while cut > 0 and text[cut - 1] in " \t":  # the space a dropped citation takes along
            cut -= 1
        text, self._held = text[:cut], text[cut:]
        return _BRACKET.sub(self._renumber, text)

    def flush(self) -> str:
        text, self._held = self._held, ""
        return _BRACKET.sub(self._renumber, text)

    def number(self, passage_id: str) -> int:
        return self.numbers.setdefault(passage_id, len(self.numbers) + 1)

    def _renumber(self, match: re.Match[str]) -> str:
        ids = (i.strip() for i in re.split(r"[,;]", match["ids"]))
        kept = [i for i in dict.fromkeys(ids) if i in self.allowed]
        return match["lead"] + "".join(f"[{self.number(i)}]" for i in kept) if kept else ""

    def sources(self, final: Sequence[Citation] = ()) -> list[CitedSource]:
        """Every numbered citation, then any of ``final`` the text never mentioned."""
        for citation in final:
            self.allowed.setdefault(citation.passage_id, citation)
            self.number(citation.passage_id)
        return [CitedSource(n=n, **self.allowed[pid].as_dict()) for pid, n in self.numbers.items()]


def sources_text(sources: Sequence[CitedSource]) -> str:
    if not sources:
        return ""
    lines = [
        f"- [{s.n}] {s.lesson_title} — {s.title or s.section} ({s.passage_id})" for s in sources
    ]
    return "\n\nSources:\n" + "\n".join(lines)


_SOURCES_BLOCK = re.compile(r"\n\nSources:\n(?:- \[\d+\] [^\n]*(?:\n|$))+\s*$")
_SOURCE_LINE = re.compile(rf"^- \[(\d+)\] .*\(({_ID})\)$", re.MULTILINE)


def restore(text: str, corpus: Corpus) -> tuple[str, list[Citation]]:
    """An assistant turn a client sends back, as the tutor would have stored it.

    The Sources list this route added comes off and becomes the turn's citations, and its
    ``[n]`` markers become passage ids again, so the dialogue sees the turn it wrote.
    """
    block = _SOURCES_BLOCK.search(text)
    if block is None:
        return text, []
    listed = dict(_SOURCE_LINE.findall(block.group(0)))
    known = {lesson.passage_id(p): (lesson, p) for lesson, p in corpus.passages()}
    body = re.sub(
        r"\[(\d+)\]",
        lambda m: f"[{listed[m[1]]}]" if listed.get(m[1]) in known else m[0],
        text[: block.start()],
    )
    citations = [
        Citation(pid, lesson.id, lesson.title, p.title, p.section.value, p.text, 0.0)
        for pid in listed.values()
        if pid in known
        for lesson, p in [known[pid]]
    ]
    return body, citations


def estimate_tokens(text: str) -> int:
    """About four characters a token: the offline engine has no tokenizer to count with."""
    return math.ceil(len(text) / 4)
