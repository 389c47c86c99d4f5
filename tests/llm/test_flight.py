"""Shared flights: a value asked for while it is being computed is computed once."""

from __future__ import annotations

import asyncio

import pytest

from tutor.llm.flight import SharedFlights


async def test_keys_in_flight_are_awaited_and_the_rest_computed_together() -> None:
    flights: SharedFlights[str] = SharedFlights()
    batches: list[list[str]] = []
    release = asyncio.Event()

    async def compute(keys: list[str]) -> list[str]:
        batches.append(keys)
        await release.wait()
        return [k.upper() for k in keys]

    first = asyncio.create_task(flights.run(["a", "b", "a"], compute))
    await asyncio.sleep(0)
    second = asyncio.create_task(flights.run(["b", "c"], compute))
    await asyncio.sleep(0)
    release.set()
    assert await first == {"a": "A", "b": "B"}
    assert await second == {"b": "B", "c": "C"}
    assert batches == [["a", "b"], ["c"]]
    assert len(flights) == 0


async def test_an_error_is_shared_with_the_callers_waiting_for_it() -> None:
    flights: SharedFlights[str] = SharedFlights()
    calls = 0

    async def compute(keys: list[str]) -> list[str]:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.01)
        raise RuntimeError("provider down")

    results = await asyncio.gather(*(flights.run(["k"], compute) for _ in range(5)),
                                   return_exceptions=True)  # fmt: skip
    assert calls == 1 and all(isinstance(r, RuntimeError) for r in results)


async def test_when_the_computing_caller_is_cancelled_a_waiting_one_computes_it() -> None:
    flights: SharedFlights[str] = SharedFlights()
    started = asyncio.Event()

    async def slow(keys: list[str]) -> list[str]:
        started.set()
        await asyncio.sleep(10)
        return keys

    async def fast(keys: list[str]) -> list[str]:
        return [f"{k}!" for k in keys]

    owner = asyncio.create_task(flights.run(["k"], slow))
    await started.wait()
    waiter = asyncio.create_task(flights.run(["k"], fast))
    await asyncio.sleep(0)
    owner.cancel()
    with pytest.raises(asyncio.CancelledError):
        await owner
    assert await asyncio.wait_for(waiter, 5) == {"k": "k!"}
