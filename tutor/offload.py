"""Blocking work off the event loop, through one bounded pool of worker threads.

Embedding, Chroma queries, the offline grader and synchronous database work block. On the
event loop they would make every request wait for every other's CPU work, so the service runs
them in a :class:`WorkerPool` sized from the settings (``TUTOR_WORKER_THREADS``, by default the
machine's CPUs + 4). The API installs the pool as its event loop's default executor, so
``asyncio.to_thread`` and :func:`offload` both run there; outside the service (the CLI, tests
without a server) they use asyncio's own default executor.

Back-pressure: at most ``TUTOR_QUEUE_LIMIT`` calls wait for a worker. One more is refused at
once with :class:`OverloadedError` (HTTP 503 with ``Retry-After``), and a call that has waited
``TUTOR_QUEUE_TIMEOUT`` seconds without a worker is dropped the same way (:func:`offload`
drops it when the time is up; a plain ``asyncio.to_thread`` call when a worker reaches it).
Nothing piles up without bound, and no request waits longer than that for a worker.
"""

from __future__ import annotations

import asyncio
import contextvars
import math
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from tutor.config import Settings
from tutor.errors import OverloadedError
from tutor.metrics import WORKER_BUSY, WORKER_REFUSED, WORKER_THREADS, WORKER_WAITING

P = ParamSpec("P")
T = TypeVar("T")


def default_threads() -> int:
    """As many threads as Python's own default: CPUs + 4 (CPU work runs outside the GIL in
    onnxruntime and numpy, and database calls mostly wait), at most 32."""
    return min(32, (os.cpu_count() or 1) + 4)


@dataclass(frozen=True)
class Load:
    """What the pool is doing now (for health and metrics)."""

    threads: int
    running: int
    waiting: int
    queue_limit: int
    refused: int  # calls refused or dropped since the start


class WorkerPool(ThreadPoolExecutor):
    """A thread pool whose queue is bounded in length and in waiting time."""

    def __init__(self, threads: int, queue_limit: int, queue_timeout: float) -> None:
        super().__init__(max_workers=threads, thread_name_prefix="tutor-work")
        self.threads, self.queue_limit, self.queue_timeout = threads, queue_limit, queue_timeout
        self._lock = threading.Lock()
        self._waiting = self._running = self._refused = 0
        WORKER_THREADS.inc(threads)

    @classmethod
    def from_settings(cls, settings: Settings) -> WorkerPool:
        threads = settings.worker_threads or default_threads()
        return cls(threads, settings.queue_limit, settings.queue_timeout)

    @property
    def retry_after(self) -> int:
        """Seconds a refused caller should wait: about how long the queue takes to drain."""
        return max(1, math.ceil(self.queue_timeout / 2))

    def load(self) -> Load:
        with self._lock:
            return Load(self.threads, self._running, self._waiting, self.queue_limit,
                        self._refused)  # fmt: skip

    def overloaded(self, why: str) -> OverloadedError:
        with self._lock:
            self._refused += 1
        WORKER_REFUSED.inc()
        return OverloadedError(f"the service is busy ({why}); try again shortly",
                               retry_after=self.retry_after)  # fmt: skip

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        with self._lock:
            if self._waiting >= self.queue_limit:
                full = True
            else:
                full, self._waiting = False, self._waiting + 1
                WORKER_WAITING.inc()
        if full:
            raise self.overloaded(f"{self.queue_limit} calls are already waiting")
        queued = time.monotonic()

        def job() -> T:
            with self._lock:
                self._waiting -= 1
                self._running += 1
            WORKER_WAITING.dec()
            WORKER_BUSY.inc()
            try:
                if time.monotonic() - queued > self.queue_timeout:
                    raise self.overloaded(f"no worker within {self.queue_timeout:g} s")
                return fn(*args, **kwargs)
            finally:
                with self._lock:
                    self._running -= 1
                WORKER_BUSY.dec()

        future = super().submit(job)
        future.add_done_callback(self._forget_if_cancelled)
        return future

    def _forget_if_cancelled(self, future: Future[Any]) -> None:
        if future.cancelled():  # it never started: it is no longer waiting
            with self._lock:
                self._waiting -= 1
            WORKER_WAITING.dec()

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        if not self._shutdown:  # the threads leave the metrics once
            WORKER_THREADS.dec(self.threads)
        super().shutdown(wait=wait, cancel_futures=cancel_futures)

    def install(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        """Make this pool the loop's default executor (``asyncio.to_thread`` runs here)."""
        (loop or asyncio.get_running_loop()).set_default_executor(self)


async def offload(fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """``fn(*args, **kwargs)`` in a worker thread of the running loop's pool; a call still
    waiting for a worker after the pool's ``queue_timeout`` is dropped with
    :class:`OverloadedError`. Without a :class:`WorkerPool` it is ``asyncio.to_thread``."""
    loop = asyncio.get_running_loop()
    pool = getattr(loop, "_default_executor", None)  # what set_default_executor set (no getter)
    if not isinstance(pool, WorkerPool):
        return await asyncio.to_thread(fn, *args, **kwargs)
    started, context = threading.Event(), contextvars.copy_context()

    def run() -> T:
        started.set()
        return context.run(fn, *args, **kwargs)

    future = pool.submit(run)
    waiting = asyncio.wrap_future(future)
    try:
        done, _ = await asyncio.wait({waiting}, timeout=pool.queue_timeout)
    except asyncio.CancelledError:
        waiting.cancel()  # the request is gone: a call not started yet never runs
        raise
    if not done and not started.is_set() and future.cancel():
        raise pool.overloaded(f"no worker within {pool.queue_timeout:g} s")
    return await waiting
