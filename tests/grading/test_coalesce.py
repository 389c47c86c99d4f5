"""Coalescing: calls that wait while a batch runs go together into the next batch."""

from __future__ import annotations

import asyncio
import threading

import pytest

from tutor.grading.coalesce import Coalescer


class Work:
    """A batch function whose first batch waits for ``release`` (so that others queue)."""

    def __init__(self, fail_on: int | None = None) -> None:
        self.batches: list[list[int]] = []
        self.started, self.release = threading.Event(), threading.Event()
        self.fail_on = fail_on

    def __call__(self, items: list[int]) -> list[int]:
        self.batches.append(list(items))
        if len(self.batches) == 1:
            self.started.set()
            assert self.release.wait(10)
        if self.fail_on in items:
            raise ValueError(f"cannot do {self.fail_on}")
        return [i * 10 for i in items]


async def _queued_behind_first(
    coalescer: Coalescer[int, int], work: Work, calls: list[list[int]]
) -> list[list[int] | BaseException]:
    first = asyncio.create_task(coalescer([1]))
    await asyncio.to_thread(work.started.wait, 10)  # the first batch is in its thread now
    rest = [asyncio.create_task(coalescer(items)) for items in calls]
    await asyncio.sleep(0)  # every call is waiting
    work.release.set()
    return await asyncio.gather(first, *rest, return_exceptions=True)


async def test_calls_waiting_for_a_batch_run_as_one_each_getting_its_own_values() -> None:
    work = Work()
    coalescer = Coalescer(work, limit=32)
    calls = [[i, i + 100] for i in range(2, 12)]
    first, *rest = await _queued_behind_first(coalescer, work, calls)
    assert first == [10]
    assert rest == [[i * 10, (i + 100) * 10] for i in range(2, 12)]
    assert work.batches == [[1], [x for items in calls for x in items]]


async def test_batches_stop_at_the_limit() -> None:
    work = Work()
    coalescer = Coalescer(work, limit=4)
    await _queued_behind_first(coalescer, work, [[i, i] for i in range(2, 7)])
    assert [len(b) for b in work.batches] == [1, 4, 4, 2]


async def test_an_error_reaches_every_call_of_its_batch_and_no_other() -> None:
    work = Work(fail_on=3)
    coalescer = Coalescer(work, limit=4)
    first, *rest = await _queued_behind_first(coalescer, work, [[2], [3], [4], [5], [6]])
    assert first == [10]
    assert [type(r) for r in rest[:4]] == [ValueError] * 4  # [2], [3], [4], [5]: one batch
    assert rest[4] == [60]
    with pytest.raises(ValueError, match="cannot do 3"):
        await coalescer([3])
