"""One-off explanations, grounded in retrieved passages."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter

from tutor.api.deps import TutorDep
from tutor.api.openapi import BACKEND, error_responses
from tutor.api.schemas import CitationPublic, ExplainRequest, ExplainResponse, LessonRefPublic
from tutor.tutoring import ExplainReply

router = APIRouter(prefix="/v1", tags=["tutoring"])


def explain_response(reply: ExplainReply) -> ExplainResponse:
    return ExplainResponse(
        answer=reply.answer,
        citations=[CitationPublic(**c.as_dict()) for c in reply.citations],
        covered=reply.covered,
        nearest_lessons=[LessonRefPublic(**asdict(lesson)) for lesson in reply.nearest_lessons],
        invalid_citations=reply.invalid_citations,
        engine=reply.engine,
        prompt=reply.prompt,
    )


@router.post("/explain", responses=error_responses(404, *BACKEND))
async def explain(body: ExplainRequest, tutor: TutorDep) -> ExplainResponse:
    """Answer a question from the course passages, citing them; `covered` is false (with the
    nearest lessons) when the course does not cover it."""
    return explain_response(await tutor.explain(body.question, body.lesson))
