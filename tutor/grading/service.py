"""Grading, the one entry point: an item or an ad-hoc question, one answer or many.

    service = GradingService.from_settings(settings, database=db)  # db: teacher overrides
    grade = await service.grade_item(item, answer)
    grades = await service.grade_many([GradeRequest(question=..., references=[...], answer=...)])
    outcome = await answer_item(db, corpus, learner_id, item_id, answer, service.item_grader)

Without ``TUTOR_MODEL`` the offline grader grades. With it, the model grades (majority vote of
``TUTOR_GRADE_SAMPLES``) and the offline grader, when its artifact is installed, grades the same
answer as the second opinion the injection defence needs (:mod:`tutor.grading.attacks.guard`)
wherever that opinion can change the outcome: when the model calls the answer correct or the
answer is flagged (:func:`~tutor.grading.attacks.guard.needs_offline`); a model's ``incorrect``
or ``partially_correct`` for an unflagged answer stands without it, as that is most of the
grader's CPU. For an unflagged answer the guard reads only the offline verdict and score, so
only those are computed there (:meth:`~tutor.grading.offline.OfflineGrader.guard_scores`: no
feedback, and the trees alone for an answer with graded examples); a flagged answer, or one
the offline grade stands in for, gets the whole grade.
Every grade goes through the cache first (:mod:`tutor.grading.cache`), and identical requests
(the cache's key) graded at the same time are graded once, with or without the cache
(:class:`~tutor.llm.flight.SharedFlights`). The offline grades of concurrent requests run as
one batch (:mod:`tutor.grading.coalesce`).

Given a database, an answer to a corpus item is graded with the item's teacher-graded answers
as graded examples: attempts at the item whose grade a teacher overrode, at the newest
override's score (after any examples the caller gives). They are part of the request, so of
its cache key: a new override means the item's answers are graded afresh.

When the model cannot grade an answer (the provider is down or times out after its retries,
refuses the credentials or the request, or replies invalidly even after the repair), the
offline grade stands instead, marked as such: engine ``offline`` and the ``llm_unavailable``
flag (so ``needs_review`` too). Such a grade is not cached, so the model grades the answer
again once it is back. Without an offline grader, or with ``fallback=False`` (batch grading,
where a failed row is retried by the next run), the error is raised. Anything else (a bug, an
invalid prompt file) is never covered up.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from tutor.config import Settings
from tutor.corpus import Item
from tutor.errors import (
    BadRequestError,
    ConfigurationError,
    LLMOutputInvalidError,
    LLMRequestError,
    PromptError,
    ServiceUnavailableError,
)
from tutor.grading import artifact as artifacts
from tutor.grading.attacks import Detection, detect, sanitise
from tutor.grading.attacks.guard import (
    Opinion,
    agreeing_scores,
    guard_llm,
    guard_offline,
    needs_offline,
    scores_suffice,
    with_flags,
)
from tutor.grading.cache import GradeCache, cache_from_settings, grade_key
from tutor.grading.coalesce import Coalescer
from tutor.grading.llm_grader import LLMGrader
from tutor.grading.models import Flag, Grade, GradedExample, GradeRequest
from tutor.grading.offline import OfflineGrader, Scored, Window
from tutor.grading.rubric import (
    EXAMPLES_IN_PROMPT,
    ITEM_EXAMPLES,
    ExampleRanker,
    choice_grade,
    empty_grade,
    has_content,
    merge_examples,
    request_for,
    written_examples,
)
from tutor.llm import UsageLedger
from tutor.llm.flight import SharedFlights
from tutor.metrics import CACHE_REQUESTS, GRADE_STAND_INS, GRADES
from tutor.offload import offload
from tutor.retrieval.embedder import Embedder, embedder_named
from tutor.store import Database, teacher_graded_answers
from tutor.write_behind import WriteBehind

MAX_ANSWER_CHARS = 5_000
OFFLINE_BATCH = 32  # answers per offline pass when concurrent requests are coalesced
DETECTOR = "attacks@3"  # bump when the detector or the guard changes what a grade may be
logger = logging.getLogger("tutor.grading")
# What the model failing looks like: the offline grade stands in. Configuration errors are
# the provider refusing the credentials or the model (a setting to fix, logged as an error);
# an invalid prompt file is a bug in the deployment and is raised.
LLM_FAILURES = (ServiceUnavailableError, LLMOutputInvalidError, LLMRequestError, ConfigurationError)


class GradingService:
    def __init__(
        self,
        *,
        offline: OfflineGrader | None,
        llm: LLMGrader | None = None,
        cache: GradeCache | None = None,
        ranker: ExampleRanker | None = None,
        concurrency: int = 8,
        offline_problem: str = "",
        database: Database | None = None,
    ) -> None:
        if offline is None and llm is None:
            raise ConfigurationError(offline_problem or "no grader: set TUTOR_MODEL or install "
                                     "the offline grader artifact")  # fmt: skip
        self.offline, self.llm, self.cache = offline, llm, cache
        # new grades are cached after the reply, readable here until written
        self._writes = WriteBehind(cache.put_many) if cache is not None else None
        self.ranker = ranker or ExampleRanker(None)
        self.concurrency = concurrency
        self.database = database  # teacher-graded attempts become an item's graded examples
        self._flights: SharedFlights[Grade] = SharedFlights()
        # (request, None: the whole grade, or a window: the guard's verdict and score alone)
        self._offline_batches: Coalescer[tuple[GradeRequest, Window | None], Grade | Scored] = (
            Coalescer(self._offline_batch, limit=OFFLINE_BATCH)
        )

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        embedder: Embedder | None = None,
        ledger: UsageLedger | None = None,
        database: Database | None = None,
    ) -> GradingService:
        """The LLM grader when ``TUTOR_MODEL`` is set, and the offline grader when installed;
        ``database`` (optional) supplies the teacher-graded answers of items."""
        offline, problem = None, ""
        try:
            artifact = artifacts.load()
            if embedder is None or embedder.name != artifact.embedder:
                # The grader's features must come from the vectors it was trained on, not
                # from whatever the index embeds with (issue 15: the default moved on).
                embedder = embedder_named(artifact.embedder)
            offline = OfflineGrader(embedder, artifact)
        except (ConfigurationError, ValueError) as exc:
            problem = str(exc)
            logger.warning("the offline grader is unavailable: %s", problem)
        llm = (LLMGrader.from_settings(settings, ledger=ledger, database=database)
               if settings.model else None)  # fmt: skip
        # the answer's MiniLM pass for ranking examples (an item with more than the prompt
        # shows) is the one the guard's second opinion needs: made once, in the grader's table
        answers = offline.answer_vectors if offline is not None else None
        return cls(
            offline=offline, llm=llm, cache=cache_from_settings(settings, database),
            ranker=ExampleRanker(embedder, answers=answers), offline_problem=problem,
            database=database,
        )  # fmt: skip

    @property
    def engine(self) -> str:
        """ "offline" or the model."""
        return self.llm.name if self.llm else "offline"

    @property
    def prompt(self) -> str:
        if self.llm is not None:
            return self.llm.prompt
        assert self.offline is not None
        return self.offline.prompt

    @property
    def version(self) -> str:
        """Everything a grade depends on besides the request (part of every cache key)."""
        offline = self.offline.prompt if self.offline else "none"
        samples = f"x{self.llm.samples}" if self.llm else ""
        base = self.llm.api_base if self.llm and self.llm.api_base else ""
        return f"{self.engine}{base and '@' + base}|{self.prompt}{samples}|{offline}|{DETECTOR}"

    async def grade(self, request: GradeRequest) -> Grade:
        return (await self.grade_many([request]))[0]

    async def grade_item(
        self, item: Item, answer: str, examples: Sequence[GradedExample] = ()
    ) -> Grade:
        """``examples`` first, then the item's teacher-graded answers (given a database)."""
        _check(answer)
        if (choice := choice_grade(item, answer)) is not None:
            return choice
        return await self.grade(request_for(item, answer, await self.examples_for(item, examples)))

    async def examples_for(
        self, item: Item, given: Sequence[GradedExample] = ()
    ) -> list[GradedExample]:
        """``given``, then the attempts at ``item`` a teacher graded (newest first, given a
        database), then the item's own ``graded_answers`` from the lesson file; one example per
        normalised answer (the first), ``ITEM_EXAMPLES`` at most."""
        written = written_examples(item)
        if self.database is None:
            return merge_examples(given, written)
        graded = await offload(teacher_graded_answers, self.database, item.id, limit=ITEM_EXAMPLES)
        overridden = [GradedExample(answer=a, score=s) for a, s in graded]
        return merge_examples(given, overridden, written)

    async def item_grader(self, item: Item, answer: str) -> Grade:
        """A :data:`tutor.learners.Grader`, for ``answer_item`` and ``regrade_pending``."""
        return await self.grade_item(item, answer)

    async def grade_many(
        self, requests: Sequence[GradeRequest], *, fallback: bool = True
    ) -> list[Grade]:
        """Grades in request order; a cached grade is reused, the others graded together.

        ``fallback``: when the model fails on an answer, its offline grade stands, flagged
        ``llm_unavailable`` (False: the model's error is raised)."""
        for request in requests:
            _check(request.answer)
        keys = [grade_key(self.version, r) for r in requests]
        cache = self.cache
        grades: list[Grade | None] = [None] * len(keys)
        if cache is not None and self._writes is not None:
            grades = [self._writes.get(key) for key in keys]
            if any(g is None for g in grades):
                stored = await offload(cache.get_many, keys)
                grades = [g if g is not None else s for g, s in zip(grades, stored, strict=True)]
        todo = [i for i, g in enumerate(grades) if g is None]
        # in flight: one grade per key, shared with whoever asks for it meanwhile (a stand-in
        # for the model's grade only with callers that accept one)
        mode = "|fallback" if fallback else "|strict"
        first = {keys[i] + mode: requests[i] for i in reversed(todo)}

        async def grade_fresh(flights: list[str]) -> list[Grade]:
            fresh = await self._grade([first[f] for f in flights], fallback=fallback)
            _measure(fresh)
            keep = [(f.removesuffix(mode), g) for f, g in zip(flights, fresh, strict=True)
                    if Flag.LLM_UNAVAILABLE not in g.flags]  # fmt: skip
            if self._writes is not None:
                await self._writes.put(keep)  # in the background in the service
            return fresh

        shared = await self._flights.run([keys[i] + mode for i in todo], grade_fresh)
        if cache is not None:
            _measure_cache(hits=len(keys) - len(todo), misses=len(todo))
        for i in todo:
            grades[i] = shared[keys[i] + mode]
        return [g for g in grades if g is not None]

    async def _grade(self, requests: Sequence[GradeRequest], *, fallback: bool) -> list[Grade]:
        if not requests:
            return []
        detections = [detect(r.answer) if has_content(r.answer) else Detection() for r in requests]
        if self.llm is None:
            return await self._offline(requests, detections)
        limit = asyncio.Semaphore(self.concurrency)

        async def one(request: GradeRequest) -> Grade | Exception:
            """The model's grade, or the error an offline grade stands in for."""
            assert self.llm is not None
            examples = list(request.examples)
            if len(examples) > EXAMPLES_IN_PROMPT:  # more than the prompt shows: rank them
                examples = await offload(self.ranker.nearest, request.answer, examples)
            try:
                async with limit:
                    return await self.llm.grade(request.model_copy(update={"examples": examples}))
            except LLM_FAILURES as exc:
                if not fallback or self.offline is None or isinstance(exc, PromptError):
                    raise
                return exc

        live = [i for i, r in enumerate(requests) if has_content(r.answer)]
        answered = await asyncio.gather(*(one(requests[i]) for i in live))
        replies = dict(zip(live, answered, strict=True))
        # The offline grader runs only where its grade can change the outcome: the guard's
        # second opinion on a model's correct or on a flagged answer, or a stand-in; of an
        # unflagged answer's the guard reads the verdict and score alone.
        second = [
            i
            for i, reply in replies.items()
            if isinstance(reply, Exception) or needs_offline(reply, detections[i])
        ]
        offline: dict[int, Opinion] = {}
        if self.offline is not None and second:
            bands = self.offline.thresholds
            windows = [
                agreeing_scores(reply, bands.correct, bands.incorrect)
                if isinstance(reply := replies[i], Grade) and scores_suffice(reply, detections[i])
                else None
                for i in second
            ]
            graded = await self._opinions([requests[i] for i in second],
                                          [detections[i] for i in second], windows)  # fmt: skip
            offline = dict(zip(second, graded, strict=True))
        grades = [empty_grade(self.engine, self.prompt) for _ in requests]
        for i, reply in replies.items():
            if isinstance(reply, Exception):
                grades[i] = _stand_in(_whole(offline[i]), reply)
            else:
                grades[i] = guard_llm(reply, offline.get(i), detections[i])
        for grade, detection in zip(grades, detections, strict=True):
            if detection.suspected:
                logger.info("answer flagged (%s): graded %s, for review",
                            ", ".join(detection.categories), grade.verdict.value)  # fmt: skip
        return list(grades)

    async def _offline(
        self, requests: Sequence[GradeRequest], detections: Sequence[Detection]
    ) -> list[Grade]:
        """Offline grades, guarded: a flagged answer is also graded without its flagged parts."""
        opinions = await self._opinions(requests, detections, [None] * len(requests))
        return [_whole(o) for o in opinions]

    async def _opinions(
        self,
        requests: Sequence[GradeRequest],
        detections: Sequence[Detection],
        windows: Sequence[Window | None],
    ) -> list[Grade | Scored]:
        """:meth:`_offline`'s grades, but the verdict and score alone where a window is given
        (an unflagged answer's guard: the scores that keep the model's grade, which may settle
        it without the cross-encoder); one coalesced batch for both kinds."""
        assert self.offline is not None
        batch: list[tuple[GradeRequest, Window | None]] = list(zip(requests, windows, strict=True))
        cleaned_at = {}
        for i, (request, detection) in enumerate(zip(requests, detections, strict=True)):
            if detection.suspected:
                cleaned = sanitise(request.answer)
                if has_content(cleaned):
                    cleaned_at[i] = len(batch)
                    batch.append((request.model_copy(update={"answer": cleaned}), None))
        graded = await self._offline_batches(batch)
        opinions: list[Grade | Scored] = []
        for i, detection in enumerate(detections):
            if windows[i] is not None:
                opinions.append(graded[i])
                continue
            cleaned_grade = _whole(graded[cleaned_at[i]]) if i in cleaned_at else None
            opinions.append(guard_offline(_whole(graded[i]), cleaned_grade, detection))
        return opinions

    def _offline_batch(
        self, items: list[tuple[GradeRequest, Window | None]]
    ) -> list[Grade | Scored]:
        """One offline pass (in a worker thread) over the requests of concurrent callers: whole
        grades, and the verdicts and scores alone of the items given a guard's window."""
        assert self.offline is not None
        out: list[Grade | Scored | None] = [None] * len(items)
        for scores_only in (False, True):
            at = [i for i, (_, window) in enumerate(items) if (window is not None) is scores_only]
            if at:
                requests = [items[i][0] for i in at]
                done: Sequence[Grade | Scored] = (
                    self.offline.guard_scores(requests, [items[i][1] for i in at]) if scores_only
                    else self.offline.grade_many(requests)
                )  # fmt: skip
                for i, value in zip(at, done, strict=True):
                    out[i] = value
        return [o for o in out if o is not None]


def _whole(opinion: Grade | Scored | Opinion) -> Grade:
    """An offline opinion asked for whole (a grade, not only its verdict and score)."""
    if not isinstance(opinion, Grade):
        raise TypeError("expected the whole offline grade, got its verdict and score alone")
    return opinion


def _measure(fresh: Sequence[Grade]) -> None:
    """Grades made, per engine."""
    for grade in fresh:
        GRADES.labels(grade.engine).inc()
        if Flag.LLM_UNAVAILABLE in grade.flags:
            GRADE_STAND_INS.inc()


def _measure_cache(hits: int, misses: int) -> None:
    """The grade cache's hits and misses (a miss shared in flight is still a miss)."""
    CACHE_REQUESTS.labels("grade", "hit").inc(hits)
    CACHE_REQUESTS.labels("grade", "miss").inc(misses)


def _stand_in(offline: Grade, error: Exception) -> Grade:
    """The offline grade, saying that it stands in for the model's."""
    log = logger.error if isinstance(error, ConfigurationError) else logger.warning
    log("the model could not grade an answer (%s: %s); the offline grade stands",
        type(error).__name__, error)  # fmt: skip
    return with_flags(offline, Flag.LLM_UNAVAILABLE)


def _check(answer: str) -> None:
    if len(answer) > MAX_ANSWER_CHARS:
        raise BadRequestError(
            f"the answer is {len(answer):,} characters long; answers are limited to "
            f"{MAX_ANSWER_CHARS:,} characters"
        )
