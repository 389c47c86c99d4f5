"""Single flight: concurrent identical requests wait for the first instead of racing it.

With the cache this makes "an identical request never reaches the provider twice" hold
under concurrency too (two clicks on the same button, two learners asking the same thing).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field


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
