"""One batch run on several cores: this process grades, and so do the worker processes it starts.

A batch run's event loop is CPU-bound (litellm's per-call work, the gateway's, the guard's
offline grader: py-spy, issue 15), and one process runs on one core. :class:`Spread` hands each
job to this process or to a worker, whichever has the fewest jobs in flight. Workers are
started by :class:`WorkerPool`, forked or spawned (see :func:`start_method`), and build their
grading function with :attr:`Workers.factory` (a
module-level callable, so that it pickles) from the same settings (the environment and
``.env``): their own grader, caches' connections and HTTP clients. A worker takes jobs only
once it says it is ready, so a run never waits for one (a spawned worker imports tutor and
litellm first: 2-4 s of CPU).

What crosses the pipe: a job and its result (pickled), the usage records of a worker's model
calls (recorded again in this process's ledger, so the progress bar and an eval's figures count
them), and an exception raised by the grading (raised again here: a ``TutorError`` as the same
class and message). A worker that exits while grading fails its jobs with
``ServiceUnavailableError``: the run reports them as failed and the next run grades them.
Workers ignore Ctrl-C (the terminal sends it to the whole process group): this process stops
them on its way out, and a worker whose pipe closes stops by itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import multiprocessing
import os
import pickle
import signal
import threading
import traceback
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.context import ForkContext, SpawnContext
from multiprocessing.process import BaseProcess
from pathlib import Path
from types import TracebackType
from typing import Any, Generic, Literal, TypeVar

from tutor.collector import collect_less, collecting_less
from tutor.errors import ConfigurationError, ServiceUnavailableError, TutorError
from tutor.llm import UsageLedger, UsageRecord

J = TypeVar("J")
R = TypeVar("R")
Factory = Callable[[UsageLedger], Callable[[Any], Awaitable[Any]]]

ANSWERS_PER_PROCESS = 200  # a worker's start-up is ~2-6 s of CPU: not worth it for fewer
# The commands run the offline engine in one process unless told otherwise: its ONNX passes
# already run on several threads at once, each process would load its own models, and the
# gates of ``make evals`` were measured on one process. (Its grades would be the same: the
# embedder and the cross-encoder run one text per call.)
OFFLINE_PROCESSES = 1


@dataclass(frozen=True)
class Workers:
    """How a run starts its worker processes: ``factory(ledger)`` builds, in the worker, the
    function that grades a job (module-level, so that it pickles); ``processes`` in all, this
    one included (None: :func:`processes_for` decides); ``ledger``: where the workers' usage
    records go in this process; ``start``: how workers are started."""

    factory: Factory
    processes: int | None = None
    ledger: UsageLedger | None = None
    start: Literal["fork", "spawn"] | None = None  # None: :func:`start_method`


@contextlib.contextmanager
def batch_gc() -> Iterator[None]:
    """The garbage collector set for a batch run (:func:`tutor.collector.collecting_less`), put
    back after it: 1.2 ms of CPU per answer of ``grade --batch`` before, 0.15 ms after
    (gc.callbacks, 1,000 answers). Entered once the command has built its grader and before its
    workers start, so that a forked worker inherits it (a spawned one does the same itself,
    :func:`_serve`)."""
    with collecting_less():
        yield


def cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def processes_for(answers: int, asked: int | None) -> int:
    """``asked`` (at most one per answer), or one per core and per ``ANSWERS_PER_PROCESS``
    answers to grade."""
    if asked is not None:
        return max(1, min(asked, answers))
    return max(1, min(cores(), answers // ANSWERS_PER_PROCESS))


def start_method() -> Literal["fork", "spawn"]:
    """``fork`` from a fresh process: a worker is ready at once, with this process's modules
    imported (litellm alone is ~2 s of CPU), and builds its own grader, so nothing of this
    process's is shared but memory pages. ``spawn`` from a process with other threads (one
    may hold a lock the child would wait on forever) or an open socket (a process that has
    called a provider keeps pooled connections and clients that litellm caches per event loop;
    a child reusing them would talk on its parent's connections): a test run or a benchmark
    calling the commands in-process, or the service. ``tutor grade --batch`` and ``tutor eval
    grading`` start their workers before their first call, so they fork."""
    if "fork" not in multiprocessing.get_all_start_methods() or threading.active_count() > 1:
        return "spawn"
    return "spawn" if _sockets_open() else "fork"


def _sockets_open() -> bool:
    fds = Path("/proc/self/fd")
    if not fds.is_dir():
        return True  # cannot tell: the safe way
    for fd in fds.iterdir():
        with contextlib.suppress(OSError):  # the listing's own descriptor is gone by now
            if os.readlink(fd).startswith("socket:"):
                return True
    return False


@dataclass
class _Remote:
    process: BaseProcess
    conn: Connection
    ready: bool = False
    gone: bool = False
    in_flight: dict[int, asyncio.Future[Any]] = field(default_factory=dict)


class WorkerPool:
    """The worker processes of a run (one fewer than :func:`processes_for` says), started
    once this process has built its own grader (a forked worker then has its imports) and
    before its event loop and progress bar start threads; a context manager that terminates
    whichever is still running at its end (a :class:`Spread` lets finished ones exit)."""

    def __init__(self, workers: Workers | None, answers: int) -> None:
        self.ledger = None if workers is None else workers.ledger
        self.remotes: list[_Remote] = []
        if workers is None:
            return
        context: ForkContext | SpawnContext = (
            multiprocessing.get_context("fork")
            if (workers.start or start_method()) == "fork"
            else multiprocessing.get_context("spawn")
        )
        # A worker ignores Ctrl-C (the parent decides when to stop), but a spawned one needs
        # seconds of imports before `_work` can say so, and a Ctrl-C then killed it with a
        # traceback. So workers start with SIGINT ignored, which they inherit through fork and
        # exec (the mask alone was not enough: multiprocessing's resource tracker, started by
        # the first spawned worker, unblocks SIGINT in this thread before the worker is
        # spawned); here SIGINT is blocked meanwhile, so a Ctrl-C waits until the workers
        # have started, and then reaches this process's own handler.
        main = threading.current_thread() is threading.main_thread()
        handler = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            self._start(context, workers, answers)
        finally:
            if main and handler is not None:
                signal.signal(signal.SIGINT, handler)
            if signal.SIGINT not in blocked:
                signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})

    def _start(self, context: ForkContext | SpawnContext, workers: Workers, answers: int) -> None:
        for _ in range(processes_for(answers, workers.processes) - 1):
            mine, theirs = context.Pipe()
            # a forked worker holds copies of this process's ends of every pipe so far, and
            # would never see its own close: it closes them first (spawned: nothing inherited)
            ours = (
                [r.conn for r in self.remotes] + [mine] if isinstance(context, ForkContext) else []
            )
            process = context.Process(
                target=_work, args=(workers.factory, theirs, ours), daemon=True,
                name="tutor-grading-worker",
            )  # fmt: skip
            process.start()
            theirs.close()
            self.remotes.append(_Remote(process, mine))

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        for remote in self.remotes:
            remote.conn.close()
            if remote.process.is_alive():
                remote.process.terminate()
            remote.process.join(5)


class Spread(Generic[J, R]):
    """``await spread(job)`` grades ``job`` here with ``local`` or in one of the ``pool``'s
    workers, whichever has fewer jobs in flight; an async context manager that listens to
    the workers and, at its end, lets them exit (on an error: terminates them)."""

    def __init__(self, local: Callable[[J], Awaitable[R]], pool: WorkerPool | None) -> None:
        self._local = local
        self._pool = pool if pool is not None else WorkerPool(None, 0)
        self._remotes = self._pool.remotes
        self._local_in_flight = 0
        self._ids = itertools.count()
        self._failure: BaseException | None = None

    async def __aenter__(self) -> Spread[J, R]:
        loop = asyncio.get_running_loop()
        for remote in self._remotes:
            if not remote.gone:
                loop.add_reader(remote.conn.fileno(), self._receive, remote)
        return self

    async def __call__(self, job: J) -> R:
        if self._failure is not None:
            raise self._failure
        ready = [r for r in self._remotes if r.ready and not r.gone]
        remote = min(ready, key=lambda r: len(r.in_flight), default=None)
        if remote is None or len(remote.in_flight) >= self._local_in_flight:
            self._local_in_flight += 1
            try:
                return await self._local(job)
            finally:
                self._local_in_flight -= 1
        job_id = next(self._ids)
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        remote.in_flight[job_id] = future
        try:
            remote.conn.send((job_id, job))
            return await future
        except OSError:  # the pipe broke: the worker is gone
            self._lost(remote)
            return await future
        finally:
            remote.in_flight.pop(job_id, None)

    def _receive(self, remote: _Remote) -> None:
        try:
            while not remote.gone and remote.conn.poll():
                kind, job_id, value, records = remote.conn.recv()
                if self._pool.ledger is not None:
                    for record in records:
                        self._pool.ledger.record(record)
                if kind == "ready":
                    remote.ready = True
                elif kind == "failed":  # it could not build its grader: neither could we
                    self._failure = value
                    self._lost(remote)
                elif (future := remote.in_flight.get(job_id)) and not future.done():
                    if kind == "done":
                        future.set_result(value)
                    else:
                        future.set_exception(value)
        except (EOFError, OSError):
            self._lost(remote)

    def _lost(self, remote: _Remote) -> None:
        if remote.gone:
            return
        remote.gone = True
        asyncio.get_running_loop().remove_reader(remote.conn.fileno())
        for future in remote.in_flight.values():
            if not future.done():
                future.set_exception(
                    ServiceUnavailableError("a grading worker process exited while grading")
                )

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """On success a ready worker exits by itself (its pipe closes); on an error, a Ctrl-C
        or before it is ready, it is terminated."""
        for remote in self._remotes:
            if not remote.gone:
                asyncio.get_running_loop().remove_reader(remote.conn.fileno())
                remote.gone = True
            remote.conn.close()
        for remote in self._remotes:
            if kind is None and remote.ready:
                await asyncio.to_thread(remote.process.join, 10)
        self._pool.__exit__()


class _Outbox(UsageLedger):
    """A worker's ledger: its records go to the parent with the next result."""

    def __init__(self) -> None:
        super().__init__()
        self.pending: list[UsageRecord] = []

    def record(self, record: UsageRecord) -> None:
        self.pending.append(record)

    def take(self) -> list[UsageRecord]:
        taken, self.pending = self.pending, []
        return taken


def _work(factory: Factory, conn: Connection, inherited: list[Connection]) -> None:
    """A worker process's main: grade jobs from ``conn`` until it closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    for other in inherited:
        other.close()
    asyncio.run(_serve(factory, conn))


async def _serve(factory: Factory, conn: Connection) -> None:
    outbox = _Outbox()
    try:
        grade = factory(outbox)
    except Exception as exc:
        conn.send(("failed", None, _portable(exc), []))
        return
    collect_less()  # as batch_gc does in the parent (a forked worker has it already)
    loop = asyncio.get_running_loop()
    jobs: asyncio.Queue[tuple[int, Any] | None] = asyncio.Queue()
    # a thread drains the pipe whatever the loop is doing, so the parent's sends never block
    threading.Thread(target=_read, args=(conn, loop, jobs), daemon=True).start()
    conn.send(("ready", None, None, []))
    running: set[asyncio.Task[None]] = set()

    async def one(job_id: int, job: Any) -> None:
        try:
            message = ("done", job_id, await grade(job), outbox.take())
        except Exception as exc:
            message = ("error", job_id, _portable(exc), outbox.take())
        with contextlib.suppress(OSError):  # else the parent has gone
            conn.send(message)

    while (item := await jobs.get()) is not None:
        task = asyncio.create_task(one(*item))
        running.add(task)
        task.add_done_callback(running.discard)
    for task in running:  # the pipe closed: nobody is waiting for these
        task.cancel()
    await asyncio.gather(*running, return_exceptions=True)


def _read(conn: Connection, loop: asyncio.AbstractEventLoop, jobs: asyncio.Queue[Any]) -> None:
    while True:
        try:
            item = conn.recv()
        except (EOFError, OSError):
            item = None
        try:
            loop.call_soon_threadsafe(jobs.put_nowait, item)
        except RuntimeError:  # the loop has closed
            return
        if item is None:
            return


def _portable(exc: BaseException) -> BaseException:
    """A ``TutorError`` as it is (or, when it does not pickle, as the nearest kind with its
    message); anything else, a bug, as a ``RuntimeError`` carrying the worker's traceback."""
    if isinstance(exc, TutorError):
        try:
            pickle.loads(pickle.dumps(exc))
            return exc
        except Exception:
            kind = ConfigurationError if isinstance(exc, ConfigurationError) else TutorError
            return kind(exc.message)
    where = "".join(traceback.format_exception(exc))
    return RuntimeError(f"in a grading worker process:\n{where}")
