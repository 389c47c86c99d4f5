"""The worker pool: a bounded queue, bounded waiting, and offload() running in it."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
import uvloop

from tutor.errors import OverloadedError
from tutor.offload import WorkerPool, offload, waiting_budget


def _until(condition: object, seconds: float = 5) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_a_full_queue_refuses_the_next_call_at_once() -> None:
    pool = WorkerPool(threads=1, queue_limit=1, queue_timeout=5)
    gate = threading.Event()
    try:
        busy = pool.submit(gate.wait, 5)
        _until(lambda: pool.load().running == 1)
        queued = pool.submit(lambda: "ran")
        with pytest.raises(OverloadedError) as refused:
            pool.submit(lambda: "never")
        assert refused.value.status_code == 503 and refused.value.retry_after >= 1
        gate.set()
        assert busy.result(5) is True and queued.result(5) == "ran"
        assert pool.load().refused == 1 and pool.load().waiting == 0
    finally:
        gate.set()
        pool.shutdown()


async def test_offload_gives_up_on_a_call_that_waits_past_the_timeout() -> None:
    await _gives_up_in_time()


def test_offload_gives_up_in_time_on_uvloop_too() -> None:
    """uvicorn runs uvloop, whose loop has no ``_default_executor`` to find the pool by: the
    queue timeout did not apply in ``tutor serve`` (offload fell back to to_thread)."""
    loop = uvloop.new_event_loop()
    try:
        loop.run_until_complete(_gives_up_in_time())
    finally:
        loop.close()


async def _gives_up_in_time() -> None:
    pool = WorkerPool(threads=1, queue_limit=10, queue_timeout=0.2)
    pool.install()
    gate, ran = threading.Event(), list[str]()
    try:
        busy = asyncio.ensure_future(offload(gate.wait, 5))
        await asyncio.sleep(0.05)
        started = time.monotonic()
        with pytest.raises(OverloadedError):
            await offload(ran.append, "late")
        assert time.monotonic() - started < 1  # refused when the time is up, not later
        gate.set()
        assert await busy is True
        assert ran == [] and pool.load().waiting == 0  # the dropped call never ran
        assert await offload(sum, [1, 2]) == 3
    finally:
        gate.set()
        pool.shutdown()


async def test_asyncio_to_thread_runs_in_the_installed_pool() -> None:
    pool = WorkerPool(threads=2, queue_limit=4, queue_timeout=1)
    pool.install()
    try:
        name = await asyncio.to_thread(lambda: threading.current_thread().name)
        assert name.startswith("tutor-work")
    finally:
        pool.shutdown()


async def test_without_a_pool_offload_is_a_plain_thread() -> None:
    assert await offload(lambda: threading.current_thread() is threading.main_thread()) is False


async def test_a_call_gets_only_the_waiting_time_its_request_has_left() -> None:
    pool = WorkerPool(threads=1, queue_limit=4, queue_timeout=1)
    pool.install()
    try:

        async def request(waited: float) -> int:
            waiting_budget().add(waited)  # what its earlier calls waited for a worker
            return await offload(sum, [1, 2])

        assert await asyncio.ensure_future(request(0.5)) == 3
        started = time.monotonic()
        with pytest.raises(OverloadedError):
            await asyncio.ensure_future(request(1.0))  # its time is up: refused at once
        assert time.monotonic() - started < 0.5
        assert await offload(sum, [3, 4]) == 7  # no request's budget here: the full timeout
    finally:
        pool.shutdown()
