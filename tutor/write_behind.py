"""Cache writes a reply does not wait for.

A reply the model gave, or a grade, is stored in the shared cache (a database table) after it
is sent, not before: :meth:`WriteBehind.put` hands the write to the service's worker pool
(:meth:`tutor.offload.WorkerPool.background`) and returns. Until the write is done the entries
are kept here, so this process reads them at once (an identical request right after does not
miss, and does not reach the provider again); other replicas read them once written.

Bounded: when the pool already holds its limit of background calls, ``put`` writes before it
returns, as it did before write-behind. Errors are logged, never the request's: a cache write
that failed is a later miss. At shutdown the service waits for the pending writes
(:meth:`WorkerPool.drain`). Outside the service (the CLI, tests without a server) there is no
pool and ``put`` writes before it returns.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from tutor.offload import current_pool, offload

V = TypeVar("V")
logger = logging.getLogger("tutor.write_behind")


class WriteBehind(Generic[V]):
    """``write`` (blocking: a whole batch of ``(key, value)`` in one transaction) run in the
    background, with the entries readable here until it is done (worker threads finish
    writes while the loop reads: a lock keeps the pending entries consistent)."""

    def __init__(self, write: Callable[[Sequence[tuple[str, V]]], None]) -> None:
        self._write = write
        self._pending: dict[str, V] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> V | None:
        """The value ``put`` for ``key`` whose write has not finished yet."""
        with self._lock:
            return self._pending.get(key)

    async def put(self, entries: Sequence[tuple[str, V]]) -> None:
        if not entries:
            return
        batch = list(entries)
        with self._lock:
            self._pending.update(batch)
        pool = current_pool()
        if pool is not None and pool.background(self._written, batch):
            return
        try:
            await offload(self._written, batch)
        except Exception as exc:  # a cache write never fails the request
            logger.warning("could not write %d cache entries (%s: %s)", len(batch),
                           type(exc).__name__, exc)  # fmt: skip
            self._forget(batch)

    def _written(self, batch: list[tuple[str, V]]) -> None:
        """In a worker: the write, then the entries leave the pending ones (also on error)."""
        try:
            self._write(batch)
        finally:
            self._forget(batch)

    def _forget(self, batch: list[tuple[str, V]]) -> None:
        with self._lock:
            for key, value in batch:  # unless a later put replaced it meanwhile
                if self._pending.get(key) is value:
                    del self._pending[key]

    def __len__(self) -> int:
        return len(self._pending)
