"""The seam the harness grades through: one async method, a batch of requests in, grades out.

``repeat`` numbers independent runs of the same request (0 for the first). A deterministic
grader ignores it; an LLM grader keeps each repeat's replies apart in its cache, so that
repeats are real samples while a rerun of the same repeat costs nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol, runtime_checkable

from tutor.config import Settings, get_settings
from tutor.errors import BadRequestError
from tutor.grading.models import Grade, GradeRequest
from tutor.grading.offline import OfflineGrader
from tutor.grading.service import GradingService
from tutor.llm import UsageLedger

Job = tuple[list[GradeRequest], int]  # requests and their repeat, as the runner hands them out


@runtime_checkable
class Grader(Protocol):
    name: str  # "offline" or the model, as graded answers report it
    batch_size: int  # requests per call: large for local models, 1 for remote ones

    async def grade(self, requests: Sequence[GradeRequest], *, repeat: int = 0) -> list[Grade]:
        """One grade per request, in order; raises a ``TutorError`` when grading fails."""
        ...


class OfflineAdapter:
    """The shipped offline grader as learners get it without a model: through
    :class:`~tutor.grading.service.GradingService`, so the injection detector and its guard
    (a flagged answer is graded again without its flagged sentences, the lower grade stands)
    are in the figures. Calling the grader alone left them out: the injection checks counted
    wrapped answers graded correct that the service holds back (Beetle 0.057 against 0.0).
    Unflagged answers get the grader's own grade, one embedding pass per batch in a worker
    thread; only the grade cache is left out, as the harness keeps its own results."""

    name = "offline"
    batch_size = 64

    def __init__(self, grader: OfflineGrader) -> None:
        self._grader = grader
        self._service = GradingService(offline=grader, cache=None)

    @property
    def version(self) -> str:
        return self._grader.prompt

    async def grade(self, requests: Sequence[GradeRequest], *, repeat: int = 0) -> list[Grade]:
        return await self._service.grade_many(list(requests))


def grader_for(
    engine: str,
    settings: Settings,
    *,
    model: str | None = None,
    version: int | None = None,
    ledger: UsageLedger | None = None,
) -> Grader:
    """The offline grader, or the LLM grader on ``model`` (default ``TUTOR_MODEL``) recording
    its calls in ``ledger`` (default: a ledger of its own)."""
    if engine == "offline":
        if model or version is not None:
            raise BadRequestError("--model and --prompt-version go with --engine llm")
        return offline_grader()
    from tutor.evals.llm_grader import LLMAdapter

    if model:
        settings = settings.model_copy(update={"model": model})
    return LLMAdapter(settings, version=version, ledger=ledger)


def job_grader(grader: Grader) -> Callable[[Job], Awaitable[list[Grade]]]:
    """``grader`` as the runner's processes call it: one job, a batch and its repeat."""

    async def grade(job: Job) -> list[Grade]:
        requests, repeat = job
        return await grader.grade(requests, repeat=repeat)

    return grade


def grading_worker(
    engine: str, model: str | None, version: int | None, ledger: UsageLedger
) -> Callable[[Job], Awaitable[list[Grade]]]:
    """What a worker process of ``tutor eval grading`` grades with: the same grader, built
    there from the same settings (``tutor.grading.batch.processes``)."""
    return job_grader(grader_for(engine, get_settings(), model=model, version=version,
                                 ledger=ledger))  # fmt: skip


def offline_grader() -> OfflineAdapter:
    """Loads the artifact in ``tutor/grading/model`` (a ``ConfigurationError`` when missing)."""
    from tutor.grading import artifact
    from tutor.retrieval.embedder import embedder_named

    return OfflineAdapter(OfflineGrader.load(embedder_named(artifact.load().embedder)))
