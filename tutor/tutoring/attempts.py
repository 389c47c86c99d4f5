"""Which practice attempt, if any, a dialogue turn is about.

A follow-up is about an attempt only when the learner is in that item's practice context, and
the attempt is recent:

- the session is the item's own practice session (created for the item, as the practice page
  does), and the attempt was made during it or within ``ATTEMPT_WINDOW`` before it began; or
- the learner names it, in this message or earlier in the current thread (the messages since
  the last standalone question): the item's id ("samp-02"), their answer ("why was my answer
  wrong?", "was I right?"), or a quote of the item's question or of their own answer; the
  attempt must then be at most ``ATTEMPT_WINDOW`` old.

Anything else (a new chat about another subject, an OpenAI client's conversation) never sees
the attempt, however recent: "why?" after "What is a context window?" is about context windows.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from contextlib import suppress
from datetime import UTC, datetime

from tutor.corpus import Corpus
from tutor.engines import AttemptContext
from tutor.errors import NotFoundError
from tutor.store import (
    AttemptRecord,
    ChatSessionRecord,
    Database,
    MessageRecord,
    learner_attempts,
)
from tutor.tutoring.followups import classify
from tutor.tutoring.memory import ATTEMPT_WINDOW

RECENT = 20  # attempts looked at for a named or quoted one
QUOTE_WORDS = 6  # consecutive words of an item's question or an answer that count as a quote
_OWN = re.compile(
    r"\b(?:my|mine)\b(?:\s+\w+){0,2}?\s*\b(?:answers?|attempts?|responses?|choices?|solutions?|"
    r"grades?|marks?|scores?|results?|reasoning|options?|one|pick)\b"
    r"|\bmine\b"
    r"|\bi\s+(?:\w+\s+)?(?:answered|chose|picked|wrote|put|selected|said|got\s+(?:it|this|that))\b"
    r"|\b(?:was|am|were)\s+i\s+(?:wrong|right|correct|incorrect|close)\b"
    r"|\b(?:graded|marked)\b",
    re.IGNORECASE,
)


def attempt_in_context(
    database: Database,
    corpus: Corpus,
    session: ChatSessionRecord,
    history: Sequence[MessageRecord],
    question: str,
    now: datetime | None = None,
) -> AttemptContext | None:
    """The attempt the turn ``question`` (after ``history``) is about, or None."""
    if session.learner_id is None:
        return None
    now = now or datetime.now(UTC)
    attempts = learner_attempts(database, session.learner_id, limit=RECENT)
    if session.item_id is not None:
        since = session.created_at - ATTEMPT_WINDOW
        own = next((a for a in attempts if a.item_id == session.item_id), None)
        return _context(corpus, own) if own and own.created_at >= since else None
    recent = [a for a in attempts if a.created_at >= now - ATTEMPT_WINDOW]
    if not recent:
        return None
    for text in reversed([*thread(history), question]):
        named = _named(corpus, text, recent)
        if named is not None:
            return _context(corpus, named)
    return None


def thread(history: Sequence[MessageRecord]) -> list[str]:
    """The learner's messages since (and with) the last standalone question, oldest first."""
    learner = [m.content for m in history if m.role == "user"]
    start = max((i for i, q in enumerate(learner) if classify(q, True).kind is None), default=0)
    return learner[start:]


def _named(corpus: Corpus, text: str, recent: list[AttemptRecord]) -> AttemptRecord | None:
    """The attempt ``text`` names by item id, quotes, or calls the learner's own answer."""
    lowered = text.lower()
    for attempt in recent:
        if re.search(rf"(?<![\w-]){re.escape(attempt.item_id.lower())}(?![\w-])", lowered):
            return attempt
    words = _words(text)
    for attempt in recent:
        quoted = [_words(attempt.answer)]
        with suppress(NotFoundError):  # a variant's stem is not in the corpus
            quoted.append(_words(corpus.item(attempt.item_id)[1].stem))
        if any(_quotes(words, source) for source in quoted):
            return attempt
    return recent[0] if _OWN.search(text) else None


def _quotes(words: list[str], source: list[str]) -> bool:
    size = min(QUOTE_WORDS, len(source))
    if size < 3:
        return False
    grams = {tuple(source[i : i + size]) for i in range(len(source) - size + 1)}
    return any(tuple(words[i : i + size]) in grams for i in range(len(words) - size + 1))


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def _context(corpus: Corpus, attempt: AttemptRecord) -> AttemptContext:
    try:
        _, item = corpus.item(attempt.item_id)
    except NotFoundError:  # a generated variant, or an item removed from the corpus
        return AttemptContext(attempt.item_id, attempt.item_id, attempt.answer, attempt.verdict)
    return AttemptContext(item.id, item.stem, attempt.answer, attempt.verdict, item)
