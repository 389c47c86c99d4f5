"""Chat sessions and their messages (the dialogue memory reads them back)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import func, select

from tutor.errors import NotFoundError
from tutor.store import models
from tutor.store.database import Database
from tutor.store.records import ChatSessionRecord, MessageRecord

MessageRole = Literal["user", "assistant", "system"]


def create_chat_session(
    database: Database,
    *,
    learner_id: str | None = None,
    lesson_id: str | None = None,
    item_id: str | None = None,
    now: datetime | None = None,
) -> ChatSessionRecord:
    """A conversation; ``item_id`` makes it that practice item's session (its attempts are
    the context of follow-ups)."""
    with database.session() as session:
        if learner_id is not None and session.get(models.Learner, learner_id) is None:
            raise NotFoundError(f"no learner {learner_id!r}")
        row = models.ChatSession(
            learner_id=learner_id,
            lesson_id=lesson_id,
            item_id=item_id,
            created_at=now or models.utcnow(),
        )
        session.add(row)
        session.flush()
        return ChatSessionRecord.of(row)


def get_chat_session(database: Database, session_id: str) -> ChatSessionRecord:
    with database.session() as session:
        row = session.get(models.ChatSession, session_id)
        if row is None:
            raise NotFoundError(f"no chat session {session_id!r}")
        return ChatSessionRecord.of(row)


def add_message(
    database: Database,
    session_id: str,
    role: MessageRole,
    content: str,
    *,
    engine: str | None = None,
    prompt: str | None = None,
    citations: Sequence[Any] = (),
    now: datetime | None = None,
) -> MessageRecord:
    """Append a message; ``prompt`` is the ``name@version`` that produced an assistant reply."""
    with database.session() as session:
        if session.get(models.ChatSession, session_id) is None:
            raise NotFoundError(f"no chat session {session_id!r}")
        row = models.Message(
            session_id=session_id,
            role=role,
            content=content,
            engine=engine,
            prompt=prompt,
            citations=list(citations),
            created_at=now or models.utcnow(),
        )
        session.add(row)
        session.flush()
        return MessageRecord.of(row)


def list_messages(
    database: Database, session_id: str, *, last: int | None = None
) -> list[MessageRecord]:
    """The session's messages, oldest first; ``last`` keeps only the newest N."""
    with database.session() as session:
        if session.get(models.ChatSession, session_id) is None:
            raise NotFoundError(f"no chat session {session_id!r}")
        query = (
            select(models.Message)
            .where(models.Message.session_id == session_id)
            .order_by(models.Message.id.desc())
        )
        if last is not None:
            query = query.limit(last)
        rows = list(session.scalars(query))
        return [MessageRecord.of(row) for row in reversed(rows)]


def find_continued_session(
    database: Database,
    learner_id: str,
    lesson_id: str | None,
    turns: Sequence[tuple[str, str]],
    *,
    recent: int = 20,
) -> str | None:
    """The learner's session (among the ``recent`` newest of the lesson) whose messages are
    exactly ``turns`` (role, text), or ``None``: how a client that resends the whole
    conversation each time (the OpenAI API) keeps talking in one stored session."""
    lesson = (
        models.ChatSession.lesson_id.is_(None)
        if lesson_id is None
        else models.ChatSession.lesson_id == lesson_id
    )
    query = (  # counts only this learner's messages, not the whole table's
        select(models.ChatSession.id)
        .join(models.Message, models.Message.session_id == models.ChatSession.id)
        .where(models.ChatSession.learner_id == learner_id, lesson)
        .group_by(models.ChatSession.id, models.ChatSession.created_at)
        .having(func.count(models.Message.id) == len(turns))
        .order_by(models.ChatSession.created_at.desc(), models.ChatSession.id.desc())
        .limit(recent)
    )
    wanted = [(role, text.strip()) for role, text in turns]
    with database.session() as session:
        for candidate in list(session.scalars(query)):
            stored = session.execute(
                select(models.Message.role, models.Message.content)
                .where(models.Message.session_id == candidate)
                .order_by(models.Message.id)
            )
            if [(role, content.strip()) for role, content in stored] == wanted:
                return candidate
    return None
