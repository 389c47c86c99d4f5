"""The LLM grading path as learners get it, as a ``Grader``.

Each answer goes through :class:`tutor.grading.service.GradingService`, as in the service and
``tutor grade --batch``: the injection detector, the item's graded examples (ranked by the
answer when there are more than the prompt shows), ``tutor.grading.llm_grader.LLMGrader``
(``prompts/grade_answer.vN``, a validated ``GradeOutput``, ``TUTOR_GRADE_SAMPLES`` calls and a
majority vote, kept within the rubric) and the guard's second opinion from the offline grader
where it can change the outcome. So the figures (agreement, review rate, the injection checks)
are those of the grades learners see; only the grade cache is left out, as the harness keeps its
own results and a repeat must be a fresh sample.

Repeats: repeat 0 uses the gateways' caches as they are; repeat k > 0 reads and writes the same
caches under keys salted with k (on top of the grader's own per-sample salt). Each repeat is
a fresh sample of the whole grader, and a rerun of the same repeat costs no call.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from tutor.config import Settings
from tutor.errors import ConfigurationError
from tutor.grading.llm_grader import LLMGrader
from tutor.grading.models import Grade, GradeRequest
from tutor.grading.rubric import ExampleRanker
from tutor.grading.service import GradingService
from tutor.llm import CachedReply, ResponseCache, UsageLedger


class RepeatCache:
    """A view of a response cache in which repeat ``k`` has keys of its own."""

    def __init__(self, cache: ResponseCache, repeat: int) -> None:
        self._cache, self._repeat = cache, repeat

    def _key(self, key: str) -> str:
        if self._repeat == 0:
            return key
        return hashlib.sha256(f"{key}#eval-repeat={self._repeat}".encode()).hexdigest()

    def get(self, key: str) -> CachedReply | None:
        return self._cache.get(self._key(key))

    def put(self, key: str, reply: CachedReply) -> None:
        self._cache.put(self._key(key), reply)


class LLMAdapter:
    """Implements :class:`tutor.evals.graders.Grader`: one grading service per repeat, all on
    one offline grader (the guard's)."""

    batch_size = 1

    def __init__(
        self, settings: Settings, *, version: int | None = None, ledger: UsageLedger | None = None
    ) -> None:
        self._settings = settings.model_copy(update={"grade_cache": "off"})
        self._version = version
        self.ledger = ledger if ledger is not None else UsageLedger()
        # the offline grader (the guard's) and the example ranker, shared by every repeat
        offline_only = self._settings.model_copy(update={"model": None})
        try:
            base = GradingService.from_settings(offline_only)
            self._offline, self._ranker = base.offline, base.ranker
        except ConfigurationError:  # no artifact: the guard caps flagged answers instead
            self._offline, self._ranker = None, ExampleRanker(None)
        self._services: dict[int, GradingService] = {}
        first = self._service(0).llm
        assert first is not None
        self.name, self.version = first.name, first.prompt

    def _service(self, repeat: int) -> GradingService:
        if repeat not in self._services:
            grader = LLMGrader.from_settings(self._settings, ledger=self.ledger)
            if self._version is not None:
                grader = LLMGrader(grader.gateways, grader.library, self._version)
            for gateway in grader.gateways:
                if gateway.cache is not None:
                    gateway.cache = RepeatCache(gateway.cache, repeat)
            self._services[repeat] = GradingService(
                offline=self._offline, llm=grader, cache=None, ranker=self._ranker
            )
        return self._services[repeat]

    async def grade(self, requests: Sequence[GradeRequest], *, repeat: int = 0) -> list[Grade]:
        """A model that cannot grade an answer raises (``fallback=False``): the harness leaves
        it unscored rather than count the offline stand-in as the model's grade."""
        return await self._service(repeat).grade_many(list(requests), fallback=False)
