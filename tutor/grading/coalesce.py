"""Coalescing: concurrent calls of a blocking batch function run as one batch.

The offline grader embeds and scores a batch at a fraction of the CPU per answer that one
answer at a time costs (one ONNX pass over many texts instead of many small ones, and the
shared texts once), and it runs one batch at a time anyway (it holds a lock). So while a batch
runs in a worker thread, the calls that arrive wait, and the next batch takes all of them (up
to ``limit`` items): under load the batches grow by themselves, and a lone call waits for
nothing.

    grade_many = Coalescer(offline.grade_many, limit=32)
    grades = await grade_many(requests)  # this caller's grades, in order
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from tutor.offload import offload

R = TypeVar("R")
V = TypeVar("V")


def _retrieve(future: asyncio.Future[Any]) -> None:
    """An error set on a caller that stopped waiting is not "never retrieved"."""
    if not future.cancelled():
        future.exception()


class Coalescer(Generic[R, V]):
    """``await coalescer(items)`` is ``fn(items)`` in a worker thread, batched with the calls
    that wait at the same time; ``fn`` returns one value per item, in order."""

    def __init__(self, fn: Callable[[list[R]], Sequence[V]], *, limit: int = 32) -> None:
        self._fn, self.limit = fn, max(1, limit)
        self._pending: list[tuple[list[R], asyncio.Future[list[V]]]] = []
        self._running: asyncio.Event | None = None  # set when the batch running now ends
        self.batches = 0  # batches run so far (for tests and figures)

    async def __call__(self, items: Sequence[R]) -> list[V]:
        if not items:
            return []
        mine: asyncio.Future[list[V]] = asyncio.get_running_loop().create_future()
        mine.add_done_callback(_retrieve)
        entry = (list(items), mine)
        self._pending.append(entry)
        try:
            while not mine.done():
                if self._running is not None:
                    await self._running.wait()
                else:
                    await self._run(mine)
        except BaseException:
            if entry in self._pending:
                self._pending.remove(entry)
            mine.cancel()
            raise
        return mine.result()

    async def _run(self, mine: asyncio.Future[list[V]]) -> None:
        """One batch of what is waiting (this caller's items first among them)."""
        take: list[tuple[list[R], asyncio.Future[list[V]]]] = []
        size = 0
        while self._pending and (not take or size + len(self._pending[0][0]) <= self.limit):
            entry = self._pending.pop(0)
            take.append(entry)
            size += len(entry[0])
        running = self._running = asyncio.Event()
        try:
            values = await offload(self._fn, [item for items, _ in take for item in items])
            if len(values) != size:
                raise RuntimeError(f"{len(values)} values for a batch of {size}")
        except Exception as exc:
            for _, future in take:
                if not future.done():
                    future.set_exception(exc)
        except BaseException:  # this caller was cancelled: the others wait for the next batch
            self._pending[:0] = [e for e in take if e[1] is not mine and not e[1].done()]
            raise
        else:
            self.batches += 1
            start = 0
            for items, future in take:
                if not future.done():
                    future.set_result(list(values[start : start + len(items)]))
                start += len(items)
        finally:
            self._running = None
            running.set()
