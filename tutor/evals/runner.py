"""Grading every variant ``repeats`` times, concurrently, resumably.

Results already in the run folder (with a grade) are skipped; new ones are appended to
``results.jsonl`` batch by batch as they arrive, so an interrupted run loses at most the
batches in flight. A grading failure other than a configuration error leaves the answer
*unscored* (its error recorded, retried on the next run) instead of stopping the run.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tutor.errors import ConfigurationError, TutorError
from tutor.evals.graders import Grader, job_grader
from tutor.evals.results import Result, RunDir
from tutor.evals.variants import Variant
from tutor.grading.batch.processes import Spread, WorkerPool
from tutor.grading.models import Grade

Progress = Callable[[int, int], None]  # (done, total)


@dataclass(frozen=True)
class RunStats:
    total: int
    skipped: int  # already graded in an earlier run
    graded: int
    failed: int
    seconds: float


def result_id(variant: Variant, repeat: int) -> str:
    return f"{variant.id}@{repeat}"


def _result(
    variant: Variant, repeat: int, grade: Grade | None, error: str | None, seconds: float
) -> Result:
    return Result(
        id=result_id(variant, repeat),
        variant=variant.id,
        case=variant.case.id,
        question_id=variant.case.question_id,
        check=variant.check,
        rule=variant.rule,
        repeat=repeat,
        group=variant.case.group,
        kind=variant.case.kind,
        answer=variant.request.answer,
        truth=variant.truth,
        grade=grade,
        error=error,
        seconds=round(seconds, 4),
    )


async def run(
    grader: Grader,
    variants: Sequence[Variant],
    run_dir: RunDir,
    *,
    repeats: int = 1,
    concurrency: int = 8,
    progress: Progress | None = None,
    pool: WorkerPool | None = None,
) -> tuple[list[Result], RunStats]:
    """Grades what is not done yet, ``concurrency`` batches in flight over this process and
    the ``pool``'s worker processes; returns every result of the plan, in plan order."""
    started = time.perf_counter()
    stored = run_dir.results()
    plan = [(v, r) for r in range(repeats) for v in variants]
    todo = [(v, r) for v, r in plan if not _reusable(stored.get(result_id(v, r)), v)]
    batches = [
        todo[i : i + max(1, grader.batch_size)]
        for i in range(0, len(todo), max(1, grader.batch_size))
    ]
    limit = asyncio.Semaphore(max(1, concurrency))
    done, failed = len(plan) - len(todo), 0
    if progress:
        progress(done, len(plan))

    async def grade_batch(batch: list[tuple[Variant, int]]) -> None:
        nonlocal done, failed
        async with limit:
            t0 = time.perf_counter()
            by_repeat: dict[int, list[Variant]] = {}
            for variant, repeat in batch:
                by_repeat.setdefault(repeat, []).append(variant)
            results: list[Result] = []
            for repeat, group in by_repeat.items():
                try:
                    grades = await spread(([v.request for v in group], repeat))
                except ConfigurationError:
                    raise
                except TutorError as exc:
                    failed += len(group)
                    results += [_result(v, repeat, None, exc.message, 0.0) for v in group]
                    continue
                each = (time.perf_counter() - t0) / len(group)
                results += [
                    _result(v, repeat, g, None, each) for v, g in zip(group, grades, strict=True)
                ]
            append(results)
            for result in results:
                stored[result.id] = result
            done += len(batch)
            if progress:
                progress(done, len(plan))

    async with Spread(job_grader(grader), pool) as spread:
        with run_dir.appending() as append:
            tasks = [asyncio.create_task(grade_batch(b)) for b in batches]
            try:
                await asyncio.gather(*tasks)
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
    stats = RunStats(
        len(plan),
        len(plan) - len(todo),
        len(todo) - failed,
        failed,
        round(time.perf_counter() - started, 3),
    )
    # a label edited in the dataset since the answer was graded: the grade stands, the truth moves
    out = [stored[result_id(v, r)] for v, r in plan]
    out = [r if r.truth == v.truth else r.model_copy(update={"truth": v.truth})
           for r, (v, _) in zip(out, plan, strict=True)]  # fmt: skip
    return out, stats


def _reusable(old: Result | None, variant: Variant) -> bool:
    """Graded before, and the text graded then is the text to grade now."""
    return old is not None and old.grade is not None and old.answer == variant.request.answer
