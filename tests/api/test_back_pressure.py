"""A full worker queue answers 503 with Retry-After and the JSON error body, at once."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import httpx

from tests.api.conftest import serve, service_settings
from tutor.api import create_app
from tutor.api.deps import get_index
from tutor.api.services import Services
from tutor.retrieval import Hit, PassageIndex


class GatedIndex:
    """The real index, whose searches wait for a gate (so the one worker stays busy)."""

    def __init__(self, index: PassageIndex, gate: threading.Event) -> None:
        self.index, self.gate, self.entered = index, gate, threading.Event()

    def search(self, *args: object, **kwargs: object) -> list[Hit]:
        self.entered.set()
        self.gate.wait(30)
        return self.index.search(*args, **kwargs)  # type: ignore[arg-type]


async def _until(condition: object, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


def test_a_full_queue_answers_503_with_retry_after(indexed_data_dir: Path, tmp_path: Path) -> None:
    settings = service_settings(
        indexed_data_dir, tmp_path / "tutor.db", worker_threads=1, queue_limit=1, queue_timeout=30
    )
    app = create_app(settings)
    services: Services = app.state.services
    gate = threading.Event()
    index = GatedIndex(services.index, gate)
    app.dependency_overrides[get_index] = lambda: index
    body = {"query": "Why do examples help?", "k": 2}

    async def scenario(url: str) -> None:
        async with httpx.AsyncClient(base_url=url, timeout=60) as http:
            gate.set()  # the first request loads the index and the learner store
            assert (await http.post("/v1/search", json=body)).status_code == 200
            gate.clear()
            index.entered.clear()
            running = asyncio.ensure_future(http.post("/v1/search", json=body))
            await _until(index.entered.is_set)  # the one worker is busy in the search
            waiting = asyncio.ensure_future(http.post("/v1/search", json=body))
            await _until(lambda: services.workers.load().waiting == 1)
            started = time.monotonic()
            refused = await http.post("/v1/search", json=body)
            assert time.monotonic() - started < 5  # at once, not after the queue drains
            assert refused.status_code == 503
            assert int(refused.headers["retry-after"]) >= 1
            assert refused.json()["error"]["code"] == "overloaded"
            gate.set()
            replies = [await r for r in (running, waiting)]
            assert [r.status_code for r in replies] == [200, 200], replies[1].text

    try:
        with serve(app) as url:
            asyncio.run(scenario(url))
    finally:
        gate.set()


def test_a_request_waits_for_workers_at_most_the_queue_timeout_in_all(
    indexed_data_dir: Path, tmp_path: Path
) -> None:
    """Each of a request's calls (its key, then its search) waits less than the timeout, but
    together they wait more: the request gets a 503 once its time is up, not 200 later."""
    settings = service_settings(
        indexed_data_dir, tmp_path / "tutor.db", worker_threads=1, queue_limit=8, queue_timeout=1
    )
    app = create_app(settings)
    services: Services = app.state.services
    gate, hold = threading.Event(), threading.Event()
    index = GatedIndex(services.index, gate)
    app.dependency_overrides[get_index] = lambda: index
    body = {"query": "Why do examples help?", "k": 2}

    async def scenario(url: str) -> None:
        async with httpx.AsyncClient(base_url=url, timeout=60) as http:
            gate.set()
            assert (await http.post("/v1/search", json=body)).status_code == 200
            gate.clear()
            index.entered.clear()
            running = asyncio.ensure_future(http.post("/v1/search", json=body))
            await _until(index.entered.is_set)  # the one worker is busy in its search
            started = time.monotonic()
            late = asyncio.ensure_future(http.post("/v1/search", json=body))
            await _until(lambda: services.workers.load().waiting >= 1)  # its key lookup waits
            # then the worker is busy again, just after the key lookup: the search waits too
            blocker = services.workers.submit(hold.wait, 30)
            await asyncio.sleep(0.6)
            gate.set()  # the key lookup ran after ~0.6 s; the search now waits behind blocker
            await asyncio.sleep(0.8)  # each wait alone is under the 1 s timeout...
            hold.set()
            refused = await late  # ... their sum is not
            assert refused.status_code == 503, refused.text
            assert refused.json()["error"]["code"] == "overloaded"
            assert int(refused.headers["retry-after"]) >= 1
            assert time.monotonic() - started < 10
            assert (await running).status_code == 200
            assert blocker.result(5) is True
            assert (await http.post("/v1/search", json=body)).status_code == 200  # afresh

    try:
        with serve(app) as url:
            asyncio.run(scenario(url))
    finally:
        gate.set()
        hold.set()
