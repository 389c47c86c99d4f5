"""Grading spread over worker processes (``tutor.grading.batch.processes``), forked and spawned:
jobs reach other processes and their results come back to the caller that asked, usage records
come back to this process's ledger, errors keep their kind, and a worker that dies fails only
its own jobs."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Literal

import pytest

from tutor.errors import ConfigurationError, LLMUnavailableError, ServiceUnavailableError
from tutor.grading.batch.processes import Spread, WorkerPool, Workers, processes_for
from tutor.llm import UsageLedger, UsageRecord

Start = Literal["fork", "spawn"]
STARTS: list[Start] = ["fork", "spawn"]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _importable(monkeypatch: pytest.MonkeyPatch) -> None:
    """A spawned worker imports this module to find ``echo_worker``."""
    monkeypatch.syspath_prepend(str(ROOT))  # a spawned process starts from this sys.path


def _record(job: int) -> UsageRecord:
    return UsageRecord(model="fake", prompt="grade_answer@1", prompt_tokens=job,
                       completion_tokens=1, cost_usd=None, cached=False, latency_s=0.0)  # fmt: skip


def echo_worker(ledger: UsageLedger) -> Callable[[int], Awaitable[tuple[int, int]]]:
    """Module-level (spawned workers import it): grades job ``n`` as (its pid, n * n)."""

    async def grade(job: int) -> tuple[int, int]:
        await asyncio.sleep(0.01)
        if job == -1:
            raise LLMUnavailableError("the model is down")
        if job == -2:
            raise ConfigurationError("set TUTOR_MODEL")
        if job == -3 and os.getpid() != PARENT:
            os._exit(3)  # a worker dying mid-job
        ledger.record(_record(job))
        return os.getpid(), job * job

    return grade


PARENT = os.getpid()


async def _run(
    start: Start, jobs: list[int], processes: int = 3
) -> tuple[list[object], UsageLedger, list[int | None]]:
    """The results of ``jobs``, the ledger, and how each worker ended (0: it exited by itself
    once its pipe closed, as it should after a run; -15: it had to be terminated)."""
    ledger = UsageLedger()
    local = echo_worker(ledger)
    with WorkerPool(Workers(echo_worker, processes, ledger, start), len(jobs)) as pool:
        async with Spread(local, pool) as spread:
            while not all(r.ready or r.gone for r in pool.remotes):  # spawned ones import first
                await asyncio.sleep(0.05)
            results = await asyncio.gather(*(spread(j) for j in jobs), return_exceptions=True)
    return list(results), ledger, [r.process.exitcode for r in pool.remotes]


@pytest.mark.parametrize("start", STARTS)
def test_jobs_spread_over_processes_and_come_back_in_order(start: Start) -> None:
    results, ledger, ends = asyncio.run(_run(start, list(range(60))))
    assert [r[1] for r in results] == [j * j for j in range(60)]  # type: ignore[index]
    pids = {r[0] for r in results}  # type: ignore[index]
    assert len(pids) == 3 and PARENT in pids
    totals = ledger.totals()  # every worker's records were recorded here
    assert totals.calls == 60 and totals.prompt_tokens == sum(range(60))
    assert ends == [0, 0]  # a forked worker closes the pipe ends it inherited, or never ends


@pytest.mark.parametrize("start", STARTS)
def test_errors_keep_their_kind_and_message(start: Start) -> None:
    results, _, _ = asyncio.run(_run(start, [-1, -2] * 6 + [5] * 6))
    down = [r for r in results if isinstance(r, LLMUnavailableError)]
    config = [r for r in results if isinstance(r, ConfigurationError)]
    assert len(down) == 6 and {e.message for e in down} == {"the model is down"}
    assert len(config) == 6 and {e.message for e in config} == {"set TUTOR_MODEL"}


def test_a_worker_that_dies_fails_its_own_jobs_only() -> None:
    # calls alternate between this process and the worker while both have as many in flight
    results, _, ends = asyncio.run(_run("fork", [1, -3, 2, 4, 5, 6, 7, 8], processes=2))
    lost = [r for r in results if isinstance(r, ServiceUnavailableError)]
    done = [r for r in results if isinstance(r, tuple)]
    assert len(lost) + len(done) == 8
    assert results[1] in lost  # the job that killed its worker; others it held fail alike
    assert ends == [3]


def test_processes_are_sized_to_the_machine_and_the_run() -> None:
    assert processes_for(10, None) == 1  # too few answers to pay a worker's start
    assert processes_for(10_000, None) == len(os.sched_getaffinity(0))
    assert processes_for(10, 4) == 4 and processes_for(3, 4) == 3
