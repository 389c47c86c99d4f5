"""The seam the harness grades through: one async method, a batch of requests in, grades out.

``repeat`` numbers independent runs of the same request (0 for the first). A deterministic
grader ignores it; an LLM grader keeps each repeat's replies apart in its cache, so that
repeats are real samples while a rerun of the same repeat costs nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from tutor.config import Settings
from tutor.errors import BadRequestError
from tutor.grading.models import Grade, GradeRequest
from tutor.grading.offline import OfflineGrader


@runtime_checkable
class Grader(Protocol):
    name: str  # "offline" or the model, as graded answers report it
    batch_size: int  # requests per call: large for local models, 1 for remote ones

    async def grade(self, requests: Sequence[GradeRequest], *, repeat: int = 0) -> list[Grade]:
        """One grade per request, in order; raises a ``TutorError`` when grading fails."""
        ...


class OfflineAdapter:
    """The shipped offline grader, run in a worker thread (one embedding pass per batch)."""

    name = "offline"
    batch_size = 64

    def __init__(self, grader: OfflineGrader) -> None:
        self._grader = grader

    @property
    def version(self) -> str:
        return self._grader.prompt

    async def grade(self, requests: Sequence[GradeRequest], *, repeat: int = 0) -> list[Grade]:
        return await asyncio.to_thread(self._grader.grade_many, list(requests))


def grader_for(
    engine: str, settings: Settings, *, model: str | None = None, version: int | None = None
) -> Grader:
    """The offline grader, or the LLM grader on ``model`` (default ``TUTOR_MODEL``)."""
    if engine == "offline":
        if model or version is not None:
            raise BadRequestError("--model and --prompt-version go with --engine llm")
        return offline_grader()
    from tutor.evals.llm_grader import LLMAdapter

    if model:
        settings = settings.model_copy(update={"model": model})
    return LLMAdapter(settings, version=version)


def offline_grader() -> OfflineAdapter:
    """Loads the artifact in ``tutor/grading/model`` (a ``ConfigurationError`` when missing)."""
    from tutor.grading import artifact
    from tutor.retrieval.embedder import embedder_named

    return OfflineAdapter(OfflineGrader.load(embedder_named(artifact.load().embedder)))
