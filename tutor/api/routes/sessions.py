"""Tutoring sessions: a conversation with memory, replied to as JSON or server-sent events."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Mapping
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, StreamingResponse

from tutor.api.auth import Principal, PrincipalDep
from tutor.api.deps import TutorDep
from tutor.api.openapi import BACKEND, error_responses
from tutor.api.schemas import (
    CitationPublic,
    MessageCreate,
    MessagePublic,
    SessionCreate,
    SessionDetail,
    SessionPublic,
    TurnResponse,
)
from tutor.errors import NotFoundError, TutorError
from tutor.store import ChatSessionRecord, MessageRecord, get_chat_session
from tutor.tutoring import PendingTurn, TurnReply, Tutor

router = APIRouter(prefix="/v1/sessions", tags=["tutoring"])
logger = logging.getLogger("tutor.api")
_CITATION_FIELDS = tuple(CitationPublic.model_fields)
SSE_DOC = (
    'With `stream: true`, a `text/event-stream` of `event: delta` (`data: {"text": ...}`), '
    "then `event: done` with the same JSON as without streaming, or `event: error` with "
    '`{"code", "message"}`. The `done` reply is the stored one: it may differ from the '
    "deltas where an invalid citation or a leaked answer was taken out."
)


def session_public(record: ChatSessionRecord) -> SessionPublic:
    return SessionPublic(
        id=record.id, lesson=record.lesson_id, item=record.item_id, created_at=record.created_at
    )


def _citation(raw: object) -> CitationPublic | None:
    if not isinstance(raw, Mapping) or "passage_id" not in raw:
        return None
    defaults: dict[str, Any] = {"score": 0.0}
    return CitationPublic(**{f: raw.get(f, defaults.get(f, "")) for f in _CITATION_FIELDS})


def message_public(message: MessageRecord) -> MessagePublic:
    citations = [c for c in map(_citation, message.citations) if c is not None]
    return MessagePublic(
        role=message.role,
        content=message.content,
        citations=citations,
        engine=message.engine,
        prompt=message.prompt,
        created_at=message.created_at,
    )


def turn_response(turn: TurnReply) -> TurnResponse:
    return TurnResponse(reply=message_public(turn.message), covered=turn.covered)


def _check_owner(principal: Principal, record: ChatSessionRecord) -> None:
    """404 unless the caller may use the session: a learner's own, or any for a teacher. The
    message is the store's for a missing session, so it does not tell that one exists."""
    if not principal.can_read(record.learner_id):
        raise NotFoundError(f"no chat session {record.id!r}")


async def check_session(tutor: Tutor, principal: Principal, session_id: str) -> None:
    """:func:`_check_owner` for a session the route does not read itself."""
    _check_owner(principal, await asyncio.to_thread(get_chat_session, tutor.database, session_id))


@router.post("", status_code=201, responses=error_responses(404))
async def create_session(
    body: SessionCreate, tutor: TutorDep, principal: PrincipalDep
) -> SessionPublic:
    """A conversation, owned by the caller's learner. With `item`, the practice item's session:
    the learner's attempts at the item are the context of its follow-ups (elsewhere an attempt
    counts only when the learner names or quotes it)."""
    record = await tutor.create_session(body.lesson, principal.learner_id, body.item)
    return session_public(record)


@router.get("/{session_id}", responses=error_responses(404))
async def get_session(session_id: str, tutor: TutorDep, principal: PrincipalDep) -> SessionDetail:
    record, messages = await tutor.session(session_id)
    _check_owner(principal, record)
    return SessionDetail(
        **session_public(record).model_dump(), messages=[message_public(m) for m in messages]
    )


@router.post(
    "/{session_id}/messages",
    response_model=TurnResponse,
    responses={
        200: {"content": {"text/event-stream": {}}, "description": SSE_DOC},
        **error_responses(404, *BACKEND),
    },
)
async def post_message(
    session_id: str, body: MessageCreate, tutor: TutorDep, principal: PrincipalDep
) -> JSONResponse | StreamingResponse:
    """The learner's next message; follow-ups ("why?", "what do you mean by X?") build on the
    earlier turns, and on a recent practice attempt in the item's own session or when the
    learner names or quotes it."""
    await check_session(tutor, principal, session_id)
    pending = await tutor.start_turn(session_id, body.content)
    if body.stream:
        return StreamingResponse(
            _events(pending),
            media_type="text/event-stream",
            headers={"cache-control": "no-cache", "x-accel-buffering": "no"},
        )
    async for _ in pending.deltas():
        pass
    assert pending.reply is not None
    return JSONResponse(turn_response(pending.reply).model_dump(mode="json"))


def _event(name: str, data: Mapping[str, Any]) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


async def _events(pending: PendingTurn) -> AsyncIterator[str]:
    try:
        async for delta in pending.deltas():
            yield _event("delta", {"text": delta})
        assert pending.reply is not None
        yield _event("done", turn_response(pending.reply).model_dump(mode="json"))
    except TutorError as exc:
        yield _event("error", {"code": exc.code, "message": exc.message})
    except Exception:
        logger.exception("a streamed reply failed in session %s", pending.session.id)
        yield _event("error", {"code": "internal_error", "message": "the reply failed; try again"})
