"""Search results remembered in process, until the index changes.

The same questions come back from many learners (a class works through the same lesson), and
each search of an unchanged index gives the same passages. Chroma's query was ~16% of an
explanation's CPU in a profile of ``tutor serve``, so :class:`SearchResultCache` keeps the last
``size`` results in a least-recently-used table keyed by everything a search depends on: the
query, ``k`` and the filter (lesson, concept, kind). It belongs to one
:class:`~tutor.retrieval.index.PassageIndex`: ``sync`` and ``reset`` clear it, and a service's
reload after ``tutor index`` elsewhere opens a new index (``reopened``) with an empty one, so a
result never outlives the passages it came from. Safe to share between worker threads.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")


class SearchResultCache(Generic[T]):
    def __init__(self, size: int) -> None:
        if size < 0:
            raise ValueError("the search result cache size cannot be negative")
        self.size = size
        self._results: OrderedDict[Hashable, tuple[T, ...]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> list[T] | None:
        with self._lock:
            found = self._results.get(key)
            if found is None:
                self.misses += 1
                return None
            self._results.move_to_end(key)
            self.hits += 1
            return list(found)

    def put(self, key: Hashable, results: Sequence[T]) -> None:
        if not self.size:
            return
        with self._lock:
            self._results[key] = tuple(results)
            self._results.move_to_end(key)
            while len(self._results) > self.size:
                self._results.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._results.clear()

    def __len__(self) -> int:
        return len(self._results)
