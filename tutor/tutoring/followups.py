"""Is a message a follow-up to the conversation, and about what?

A follow-up is a "why" ("why?", "but why does that work?"), a clarification ("what do you
mean by X?", "what does X mean?") or a short message leaning on the previous turn ("and for
JSON?", "can you give an example of that?"). It is answered with passages retrieved for the
message *plus* the topic of the conversation: the last standalone learner question and the
lesson the tutor last cited.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from tutor.engines import FollowUpKind
from tutor.store import MessageRecord

_CLARIFY = [
    re.compile(
        r"^\s*(?:but\s+|so\s+)?what\s+(?:do|did)\s+you\s+mean\s+by\s+(?P<term>.+?)[\s?.!]*$"
    ),
    re.compile(r"^\s*what\s+(?:does|do|did)\s+(?P<term>.+?)\s+mean[\s?.!]*$"),
    re.compile(r"^\s*what\s+is\s+meant\s+by\s+(?P<term>.+?)[\s?.!]*$"),
    re.compile(r"^\s*(?:what\s+do\s+you\s+mean|meaning|huh|sorry)[\s?.!]*$"),
]
_WHY = re.compile(r"^\s*(?:(?:but|and|so|ok|okay)[\s,]+)?(?:why|how\s+come)\b")
_LEANING = re.compile(
    r"^\s*(?:and|but|so|then|also|what\s+about|how\s+about|can\s+you\s+(?:explain|elaborate|"
    r"give)|tell\s+me\s+more|go\s+on|for\s+example|example|more|really|how\s+so)\b"
)
_ANAPHORA = re.compile(r"\b(?:it|that|this|those|these|they|them|there|which)\b")
SHORT = 12  # words


@dataclass(frozen=True)
class Classified:
    kind: FollowUpKind | None  # None: a standalone question
    term: str | None = None


def classify(question: str, has_history: bool) -> Classified:
    if not has_history:
        return Classified(None)
    text = question.lower().strip()
    short = len(text.split()) <= SHORT
    for pattern in _CLARIFY:
        if (match := pattern.match(text)) and short:
            term = (match.groupdict().get("term") or "").strip(" \"'`")
            term = re.sub(r"^(?:the|a|an)\s+", "", term)
            vague = term in ("", "that", "this", "it", "you", "you mean")
            return Classified("clarify", None if vague else term)
    if _WHY.match(text) and (short or _ANAPHORA.search(text)):
        return Classified("why")
    if short and (_LEANING.match(text) or _ANAPHORA.search(text)):
        return Classified("more")
    return Classified(None)


def topic(history: Sequence[MessageRecord]) -> str:
    """The conversation's subject: the last standalone question, and the last cited lesson."""
    learner = [m.content for m in history if m.role == "user"]
    question = next(
        (q for q in reversed(learner) if classify(q, True).kind is None),
        learner[0] if learner else "",
    )
    lesson = next(
        (
            str(c.get("lesson_title", ""))
            for m in reversed(history)
            if m.role == "assistant"
            for c in m.citations[:1]
            if isinstance(c, dict)
        ),
        "",
    )
    return " ".join(part for part in (question, lesson) if part)
