"""Is a message a follow-up to the conversation, and about what?

A follow-up is a "why" ("why?", "but why does that work?"), a clarification ("what do you
mean by X?", "what does X mean?") or a short message leaning on the previous turn ("and for
JSON?", "can you give an example of that?"). It is answered with passages retrieved for the
dialogue (:func:`dialogue_query`): the question being followed up, the tutor's last answer and
the new message, each weighed by how much it says (a bare "why?" says nothing by itself).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from tutor.engines import FollowUpKind
from tutor.engines.lexicon import stem, terms
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
# words of a follow-up that ask for something rather than name it ("why not?", "give an example")
_ASKING = frozenset(
    stem(w)
    for w in """why come mean meant example examples explain elaborate tell give go show happen
    happens really sure okay ok thanks then else instead not answer attempt wrong right correct
    incorrect grade graded mark marked mine choice option""".split()
)
# lines of the tutor's own that name nothing of the subject: notices, intros, the next step
_BOILERPLATE = re.compile(
    r"^(?:Offline (?:answer|follow-up)|Next:|Key takeaways from|Here is (?:the reason|what the "
    r"course says|more from the course))[^\n]*\n?"
)
_CITATION = re.compile(r"\s*\[[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+(?:\s*[,;]\s*[^\]]+)?\]")
ANSWER_WORDS = 60  # of the tutor's last answer that go into the query
FULL_QUESTION = 3  # content words from which a message is a question of its own
# asking for an example ("can you give an example of that?", "for instance?"), not a message
# about examples ("why does the last example matter?", few-shot examples are a subject here)
_EXAMPLE = re.compile(
    r"\b(?:give|show|have|got|with|need|want)\s+(?:me\s+|us\s+)?(?:an?|some|one|another)\s+"
    r"(?:\w+\s+)?examples?\b|\bexamples?\s+of\s+(?:that|this|it|those|these)\b|"
    r"^\W*(?:\w+\s+)?(?:an?\s+)?(?:examples?|for\s+(?:example|instance))\W*$|"
    r"\bfor\s+instance\b|\bin\s+practice\b|\breal\s+case\b",
    re.IGNORECASE,
)
EXAMPLE_SECTIONS = frozenset({"real_example", "scenario", "before_after"})


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


@dataclass(frozen=True)
class DialogueQuery:
    """What a follow-up's passages are searched with: (text, weight) parts, weights summing to 1."""

    parts: tuple[tuple[str, float], ...]
    prefer: frozenset[str] = frozenset()  # sections that answer this kind of follow-up
    term: str = ""  # "what do you mean by X?": passages that use X explain it

    @property
    def text(self) -> str:
        return " ".join(text for text, _ in self.parts)


def content_words(message: str) -> int:
    """How many words of a message name something (not "why", "mean", "example", ...)."""
    return len({t for t in terms(message) if t not in _ASKING})


def followed_question(history: Sequence[MessageRecord]) -> str:
    """The question being followed up: the learner's last question of its own, standalone or
    a follow-up that names enough to stand alone ("Why is temperature 0 not a guarantee of
    identical output?" is what a "why?" after it asks about, not the question before it)."""
    learner = [m.content for m in history if m.role == "user"]
    return next(
        (
            q
            for q in reversed(learner)
            if classify(q, True).kind is None or content_words(q) >= FULL_QUESTION
        ),
        learner[0] if learner else "",
    )


def last_answer(history: Sequence[MessageRecord], words: int = ANSWER_WORDS) -> str:
    """The tutor's last answer without citations, offline notices and the suggested next step."""
    text = next((m.content for m in reversed(history) if m.role == "assistant"), "")
    paragraphs = [_BOILERPLATE.sub("", p).strip() for p in text.split("\n\n")]
    prose = _CITATION.sub("", " ".join(p for p in paragraphs if p))
    return " ".join(prose.split()[:words])


def dialogue_query(
    message: str, classified: Classified, history: Sequence[MessageRecord], about: str = ""
) -> DialogueQuery:
    """The follow-up's search: the new message (or the term asked about), weighted by how much
    it names; the question being followed up (or ``about``, an attempted item's question, when
    there is no earlier question); and the tutor's last answer."""
    asked = classified.term or message
    named = content_words(asked)
    followed = followed_question(history)
    if content_words(followed) == 0:  # "why was mine wrong?" follows up the attempted item
        followed = about or followed
    answer = last_answer(history)
    own = (0.0, 0.5, 0.6)[named] if named < FULL_QUESTION else 1.0  # a full question leads
    if classified.term and named:  # "what do you mean by X?" is about X
        own = 1.0
    parts = [(asked, own), (followed, 0.6), (answer, 0.4)]
    if about and about != followed:
        parts.append((about, 0.3))
    kept = [(text, w) for text, w in parts if text.strip() and w > 0]
    asks_example = classified.kind != "clarify" and _EXAMPLE.search(message)
    prefer = EXAMPLE_SECTIONS if asks_example else frozenset()
    term = classified.term if classified.term and named else ""
    if not kept:
        return DialogueQuery(((message, 1.0),), prefer, term)
    total = sum(w for _, w in kept)
    return DialogueQuery(tuple((text, w / total) for text, w in kept), prefer, term)


def topic(history: Sequence[MessageRecord]) -> str:
    """The conversation's subject: the question followed up, and the last cited lesson."""
    question = followed_question(history)
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
