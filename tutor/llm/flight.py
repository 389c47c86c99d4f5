"""Single flight: concurrent identical requests wait for the first instead of racing it.

Two shapes, for the two ways a result can be shared:

- :class:`SingleFlight` is a lock per key: the later caller waits for the first and then looks
  in the cache, which the first filled (the gateway; with the cache off each still calls).
- :class:`SharedFlights` shares the value itself: the later caller gets the first caller's
  value (or its error) without a cache, so it holds with caches off (identical grade
  requests, :mod:`tutor.grading.service`).

With the cache this makes "an identical request never reaches the provider twice" hold
under concurrency too (two clicks on the same button, two learners asking the same thing).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

T = TypeVar("T")


@dataclass
class _Flight:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    holders: int = 0


class SingleFlight:
    def __init__(self) -> None:
        self._flights: dict[str, _Flight] = {}

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        flight = self._flights.setdefault(key, _Flight())
        flight.holders += 1
        try:
            async with flight.lock:
                yield
        finally:
            flight.holders -= 1
            if flight.holders == 0:
                del self._flights[key]

    def __len__(self) -> int:
        return len(self._flights)


def _retrieve(future: asyncio.Future[Any]) -> None:
    """A shared error nobody else awaited is not "never retrieved": the owner raised it."""
    if not future.cancelled():
        future.exception()


class SharedFlights(Generic[T]):
    """Values by key, computed once for all the callers that ask while it is in flight.

    ``await flights.run(keys, compute)``: the keys nobody is computing now go to ``compute``
    together (one batch, in order, one value each); the others are awaited from whoever is
    computing them. An error is shared like a value. When the caller computing a key is
    cancelled, a caller waiting for it computes it itself instead of failing.
    """

    def __init__(self) -> None:
        self._futures: dict[str, asyncio.Future[T]] = {}

    def __len__(self) -> int:
        return len(self._futures)

    async def run(
        self, keys: Sequence[str], compute: Callable[[list[str]], Awaitable[Sequence[T]]]
    ) -> dict[str, T]:
        distinct = list(dict.fromkeys(keys))
        waiting = {k: self._futures[k] for k in distinct if k in self._futures}
        owned = [k for k in distinct if k not in waiting]
        values: dict[str, T] = {}
        if owned:
            values.update(await self._compute(owned, compute))
        again: list[str] = []
        for key, future in waiting.items():
            try:
                values[key] = await asyncio.shield(future)
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if not future.cancelled() or (task is not None and task.cancelling()):
                    raise
                again.append(key)  # its owner was cancelled, not us
        if again:
            values.update(await self.run(again, compute))
        return values

    async def _compute(
        self, keys: list[str], compute: Callable[[list[str]], Awaitable[Sequence[T]]]
    ) -> dict[str, T]:
        loop = asyncio.get_running_loop()
        futures = {k: loop.create_future() for k in keys}
        for key, future in futures.items():
            future.add_done_callback(_retrieve)
            self._futures[key] = future
        try:
            values = list(await compute(keys))
            if len(values) != len(keys):
                raise RuntimeError(f"computed {len(values)} values for {len(keys)} keys")
        except Exception as exc:
            for future in futures.values():
                future.set_exception(exc)
            raise
        except BaseException:  # cancelled: a waiter computes the key itself
            for future in futures.values():
                future.cancel()
            raise
        else:
            for future, value in zip(futures.values(), values, strict=True):
                future.set_result(value)
            return dict(zip(keys, values, strict=True))
        finally:
            for key, future in futures.items():
                if self._futures.get(key) is future:
                    del self._futures[key]
