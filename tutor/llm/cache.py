"""Response caches: an identical request (same key) never reaches the provider twice.

Keys come from :meth:`tutor.llm.messages.ChatRequest.cache_key`: the model, the API base, the
prompt ``name@version``, the rendered messages and every parameter, so a change to any of them
never serves an older reply. Only replies the gateway accepted are stored (a structured reply
that failed validation is not).

``TUTOR_LLM_CACHE``: ``database`` (the default) keeps replies in the service's database
(``llm_cache``, :class:`tutor.store.caches.CacheTable`), shared by every replica and bounded in
age and rows (``TUTOR_CACHE_MAX_AGE_DAYS``, ``TUTOR_CACHE_MAX_ENTRIES``); ``memory`` keeps them
in the process; ``off`` keeps none. ``get`` and ``put`` block on the database: the gateway calls
them in a worker thread.
"""

from __future__ import annotations

from typing import Protocol

from tutor.config import Settings
from tutor.llm.messages import Strict, TokenUsage
from tutor.store import Database
from tutor.store.caches import CacheTable, decoded
from tutor.store.models import LLMCacheEntry


class CachedReply(Strict):
    text: str
    model: str
    usage: TokenUsage


class ResponseCache(Protocol):
    def get(self, key: str) -> CachedReply | None: ...

    def put(self, key: str, reply: CachedReply) -> None: ...


class MemoryCache:
    """A dict; lives as long as the process."""

    def __init__(self) -> None:
        self._replies: dict[str, CachedReply] = {}

    def get(self, key: str) -> CachedReply | None:
        return self._replies.get(key)

    def put(self, key: str, reply: CachedReply) -> None:
        self._replies[key] = reply

    def __len__(self) -> int:
        return len(self._replies)


class DatabaseCache:
    """Replies in the ``llm_cache`` table, shared by every replica on the database."""

    def __init__(self, table: CacheTable) -> None:
        self.table = table

    @classmethod
    def from_settings(cls, settings: Settings, database: Database | None = None) -> DatabaseCache:
        """On ``database``, or on the configured one, opened (and migrated) on first use."""
        return cls(CacheTable.from_settings(settings, LLMCacheEntry, database))

    def get(self, key: str) -> CachedReply | None:
        return decoded(CachedReply, self.table.get(key))

    def put(self, key: str, reply: CachedReply) -> None:
        self.table.put(key, reply.model_dump_json())

    def __len__(self) -> int:
        return len(self.table)


def cache_from_settings(
    settings: Settings, database: Database | None = None
) -> ResponseCache | None:
    """``TUTOR_LLM_CACHE``: database (the default), memory, or off."""
    if settings.llm_cache == "off":
        return None
    if settings.llm_cache == "memory":
        return MemoryCache()
    return DatabaseCache.from_settings(settings, database)  # database (also the old "sqlite")
