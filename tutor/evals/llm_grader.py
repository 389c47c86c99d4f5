"""The LLM grading path of tutor/grading (``prompts/grade_answer.vN``), as a ``Grader``.

``tutor.grading.llm_grader.LLMGrader`` renders the grading prompt, asks the gateway for a
validated ``GradeOutput`` (``TUTOR_GRADE_SAMPLES`` calls and a majority vote) and keeps the
grade within the rubric. The harness grades through it exactly as the service does.

Repeats: repeat 0 uses the gateways' caches as they are; repeat k > 0 reads and writes the same
caches under keys salted with k (on top of the grader's own per-sample salt). Each repeat is
a fresh sample of the whole grader, and a rerun of the same repeat costs no call.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence

from tutor.config import Settings
from tutor.grading.llm_grader import LLMGrader
from tutor.grading.models import Grade, GradeRequest
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
    """Implements :class:`tutor.evals.graders.Grader`: one LLM grader per repeat."""

    batch_size = 1

    def __init__(
        self, settings: Settings, *, version: int | None = None, ledger: UsageLedger | None = None
    ) -> None:
        self._settings, self._version = settings, version
        self.ledger = ledger if ledger is not None else UsageLedger()
        self._graders: dict[int, LLMGrader] = {}
        first = self._grader(0)
        self.name, self.version = first.name, first.prompt

    def _grader(self, repeat: int) -> LLMGrader:
        if repeat not in self._graders:
            grader = LLMGrader.from_settings(self._settings, ledger=self.ledger)
            if self._version is not None:
                grader = LLMGrader(grader.gateways, grader.library, self._version)
            for gateway in grader.gateways:
                if gateway.cache is not None:
                    gateway.cache = RepeatCache(gateway.cache, repeat)
            self._graders[repeat] = grader
        return self._graders[repeat]

    async def grade(self, requests: Sequence[GradeRequest], *, repeat: int = 0) -> list[Grade]:
        grader = self._grader(repeat)
        return list(await asyncio.gather(*(grader.grade(r) for r in requests)))
