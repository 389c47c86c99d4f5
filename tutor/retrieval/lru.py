"""One bounded, least-recently-used table for the in-process caches.

The query vectors (:mod:`tutor.retrieval.query_cache`), the search results
(:class:`~tutor.retrieval.index.PassageIndex`), the passage blocks of filtered searches
(:mod:`tutor.retrieval.exact_search`) and the offline grader's recent answers' vectors
(:mod:`tutor.grading.features`) each keep recent entries up to a bound and drop the least
recently used first. They differ only in what an entry weighs: one query vector or result
list counts 1, a block counts its passages, an answer's vectors their bytes. Safe to share
between worker threads.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def _one(_: object) -> int:
    return 1


class LruTable(Generic[K, V]):
    """At most ``capacity`` weight of entries (``weight(value)``, 1 each by default); 0 keeps
    nothing. An entry heavier than the whole capacity is not kept."""

    def __init__(self, capacity: int, weight: Callable[[V], int] = _one) -> None:
        if capacity < 0:
            raise ValueError("a cache's size cannot be negative")
        self.capacity = capacity
        self._weight = weight
        self._entries: OrderedDict[K, V] = OrderedDict()
        self._held = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: K) -> V | None:
        """The entry, now the most recently used; counts a hit or a miss."""
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return found

    def put(self, key: K, value: V) -> V:
        """Keeps ``value`` unless the key has an entry already (two threads that computed the
        same entry at once: the first one stays, with whatever was added to it since), and
        drops the least recently used entries until the table is within its capacity again.
        Returns the entry the key now has (``value`` when it was not kept)."""
        weight = self._weight(value)
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                return found
            if weight > self.capacity:
                return value
            self._entries[key] = value
            self._held += weight
            while self._held > self.capacity:
                _, dropped = self._entries.popitem(last=False)
                self._held -= self._weight(dropped)
        return value

    @property
    def held(self) -> int:
        """The weight of the entries kept."""
        return self._held

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._held = 0

    def __len__(self) -> int:
        return len(self._entries)
