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
The timeout bounds a request's waiting, not each call's: a request makes several calls (its
key, the attempt, the grader, the learner update), and within :func:`waiting_budget` (the
service opens one per request) what they waited is added up, so a call gets only what its
request has left. Nothing piles up without bound, and no request waits longer than that for a
worker, however many calls it makes.

Background calls (:meth:`WorkerPool.background`: cache writes a reply need not wait for, see
:mod:`tutor.write_behind`) run one at a time in the pool's own writer thread, not in its workers:
a write stuck on a database lock must not take the threads requests need. At most
``queue_limit`` are pending; the service waits for them at shutdown (:meth:`WorkerPool.drain`).
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import math
import os
import threading
import time
import weakref
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from tutor.config import Settings
from tutor.errors import OverloadedError
from tutor.metrics import WORKER_BUSY, WORKER_REFUSED, WORKER_THREADS, WORKER_WAITING

P = ParamSpec("P")
T = TypeVar("T")
logger = logging.getLogger("tutor.offload")


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


class WaitBudget:
    """What one request's calls have waited for a worker, added up (calls a request makes at
    once are counted each, so it errs towards refusing early)."""

    __slots__ = ("_lock", "waited")

    def __init__(self) -> None:
        self.waited = 0.0
        self._lock = threading.Lock()

    def add(self, seconds: float) -> None:
        with self._lock:  # worker threads add what their calls waited
            self.waited += seconds


_BUDGET: contextvars.ContextVar[WaitBudget | None] = contextvars.ContextVar(
    "tutor_wait_budget", default=None
)


def waiting_budget() -> WaitBudget:
    """Start counting, in this context (a request's), what its calls wait for a worker: from
    now on the calls made here, and in tasks and threads started from here, share
    ``queue_timeout`` seconds of waiting."""
    budget = WaitBudget()
    _BUDGET.set(budget)
    return budget


class WorkerPool(ThreadPoolExecutor):
    """A thread pool whose queue is bounded in length and in waiting time."""

    def __init__(self, threads: int, queue_limit: int, queue_timeout: float) -> None:
        super().__init__(max_workers=threads, thread_name_prefix="tutor-work")
        self.threads, self.queue_limit, self.queue_timeout = threads, queue_limit, queue_timeout
        self._lock = threading.Lock()
        self._waiting = self._running = self._refused = 0
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tutor-write")
        self._behind: set[Future[Any]] = set()  # background calls not finished yet
        self.background_limit = queue_limit
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
        budget = _BUDGET.get()  # the caller's request's, if any (submit runs in its context)
        allowed = self.wait_allowed(budget)
        queued = time.monotonic()

        def job() -> T:
            with self._lock:
                self._waiting -= 1
                self._running += 1
            WORKER_WAITING.dec()
            WORKER_BUSY.inc()
            try:
                waited = time.monotonic() - queued
                if budget is not None:
                    budget.add(waited)
                if waited > allowed:
                    raise self.overloaded(f"no worker within {self.queue_timeout:g} s")
                return fn(*args, **kwargs)
            finally:
                with self._lock:
                    self._running -= 1
                WORKER_BUSY.dec()

        future = super().submit(job)
        future.add_done_callback(self._forget_if_cancelled)
        return future

    def wait_allowed(self, budget: WaitBudget | None = None) -> float:
        """Seconds a call may wait for a worker: ``queue_timeout``, less what the calls of
        ``budget``'s request have waited already."""
        return self.queue_timeout - (budget.waited if budget is not None else 0.0)

    def _forget_if_cancelled(self, future: Future[Any]) -> None:
        if future.cancelled():  # it never started: it is no longer waiting
            with self._lock:
                self._waiting -= 1
            WORKER_WAITING.dec()

    def background(self, fn: Callable[..., Any], /, *args: Any) -> bool:
        """``fn(*args)`` in the writer thread, awaited by nobody; an error is logged. False
        (and nothing runs) when ``background_limit`` calls are pending: the caller then does
        the work itself, so the backlog stays bounded and nothing is lost."""
        with self._lock:
            if len(self._behind) >= self.background_limit or self._shutdown:
                return False
            # in the caller's context, as offload() does (its request id in log lines)
            future = self._writer.submit(contextvars.copy_context().run, fn, *args)
            self._behind.add(future)
        future.add_done_callback(self._background_done)
        return True

    def _background_done(self, future: Future[Any]) -> None:
        with self._lock:
            self._behind.discard(future)
        if not future.cancelled() and (error := future.exception()) is not None:
            logger.warning("a background call failed (%s: %s)", type(error).__name__, error)

    def pending_background(self) -> int:
        with self._lock:
            return len(self._behind)

    async def drain(self, timeout: float = 30.0) -> int:
        """Wait (at most ``timeout`` seconds) for the background calls still pending, as a
        service shuts down; how many did not finish (logged)."""
        with self._lock:
            pending = [asyncio.wrap_future(f) for f in self._behind]
        if not pending:
            return 0
        _, late = await asyncio.wait(pending, timeout=timeout)
        if late:
            logger.warning("%d background calls (cache writes) did not finish within %g s of "
                           "shutting down; they are lost", len(late), timeout)  # fmt: skip
        return len(late)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        if not self._shutdown:  # the threads leave the metrics once
            WORKER_THREADS.dec(self.threads)
        self._writer.shutdown(wait=wait, cancel_futures=cancel_futures)
        super().shutdown(wait=wait, cancel_futures=cancel_futures)

    def install(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        """Make this pool the loop's default executor (``asyncio.to_thread`` runs here)."""
        loop = loop or asyncio.get_running_loop()
        loop.set_default_executor(self)
        _INSTALLED[loop] = self


# The pool installed on each loop: loops have no getter for their default executor, and
# uvloop's (what uvicorn runs) has no ``_default_executor`` attribute to read either.
_INSTALLED: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, WorkerPool] = (
    weakref.WeakKeyDictionary()
)


def current_pool() -> WorkerPool | None:
    """The running loop's :class:`WorkerPool`, if one is installed (in the service)."""
    return _INSTALLED.get(asyncio.get_running_loop())


async def offload(fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """``fn(*args, **kwargs)`` in a worker thread of the running loop's pool; a call still
    waiting for a worker after the pool's ``queue_timeout`` is dropped with
    :class:`OverloadedError`. Without a :class:`WorkerPool` it is ``asyncio.to_thread``."""
    pool = current_pool()
    if pool is None:
        return await asyncio.to_thread(fn, *args, **kwargs)
    budget = _BUDGET.get()
    allowed = pool.wait_allowed(budget)
    if allowed <= 0:  # the request has waited its time already
        raise pool.overloaded(f"no worker within {pool.queue_timeout:g} s")
    started, context = threading.Event(), contextvars.copy_context()

    def run() -> T:
        started.set()
        return context.run(fn, *args, **kwargs)

    future = pool.submit(run)
    waiting = asyncio.wrap_future(future)
    try:
        done, _ = await asyncio.wait({waiting}, timeout=allowed)
    except asyncio.CancelledError:
        waiting.cancel()  # the request is gone: a call not started yet never runs
        raise
    if not done and not started.is_set() and future.cancel():
        if budget is not None:
            budget.add(allowed)
        raise pool.overloaded(f"no worker within {pool.queue_timeout:g} s")
    return await waiting
