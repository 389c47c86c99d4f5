"""Dialogue memory: a session's earlier turns and its learner's latest practice attempt.

Both are read from the learner store on every turn, so a conversation continues across
processes (the API, the CLI) and restarts. :func:`latest_attempt` is the hint's view (the
learner's latest attempt at the item hinted); which attempt, if any, a *dialogue turn* is about
is decided by :mod:`tutor.tutoring.attempts` (its own session, or named, and recent).
"""

from __future__ import annotations

from datetime import timedelta

from tutor.corpus import Corpus
from tutor.engines import AttemptContext, Turn
from tutor.errors import NotFoundError
from tutor.store import ChatSessionRecord, Database, MessageRecord, learner_attempts, list_messages

ATTEMPT_WINDOW = timedelta(hours=1)


def history(database: Database, session_id: str, last: int) -> list[MessageRecord]:
    if last <= 0:
        return []
    messages = list_messages(database, session_id, last=last)
    return [m for m in messages if m.role in ("user", "assistant")]


def turns(messages: list[MessageRecord]) -> tuple[Turn, ...]:
    return tuple(Turn("learner" if m.role == "user" else "tutor", m.content) for m in messages)


def latest_attempt(
    database: Database, corpus: Corpus, session: ChatSessionRecord, item_id: str | None = None
) -> AttemptContext | None:
    """The session learner's newest attempt (on ``item_id`` if given), if recent enough."""
    if session.learner_id is None:
        return None
    attempts = learner_attempts(database, session.learner_id, limit=50 if item_id else 1)
    attempt = next((a for a in attempts if item_id in (None, a.item_id)), None)
    if attempt is None or attempt.created_at < session.created_at - ATTEMPT_WINDOW:
        return None
    try:
        _, item = corpus.item(attempt.item_id)
    except NotFoundError:  # a generated variant, or an item removed from the corpus
        return AttemptContext(attempt.item_id, attempt.item_id, attempt.answer, attempt.verdict)
    return AttemptContext(item.id, item.stem, attempt.answer, attempt.verdict, item)
