"""Hints for practice items, in three levels, checked so that they never give the answer."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter

from tutor.api.auth import PrincipalDep
from tutor.api.deps import TutorDep
from tutor.api.openapi import BACKEND, error_responses
from tutor.api.routes.sessions import check_session
from tutor.api.schemas import HintCreate, HintResponse

router = APIRouter(prefix="/v1/items", tags=["tutoring"])


@router.post("/{item_id}/hints", responses=error_responses(404, *BACKEND))
async def hint(
    item_id: str, body: HintCreate, tutor: TutorDep, principal: PrincipalDep
) -> HintResponse:
    """Level 1 nudges, 2 suggests a strategy, 3 works a step; `leak_blocked` says a hint that
    gave the answer away was replaced. With `session`, the hint sees the learner's latest
    attempt and joins the conversation."""
    if body.session is not None:
        await check_session(tutor, principal, body.session)
    return HintResponse(**asdict(await tutor.hint(item_id, body.level, body.session)))
