"""Response caches: an identical request (same key) never reaches the provider twice.

Keys come from :meth:`tutor.llm.messages.ChatRequest.cache_key`. Only replies the gateway
accepted are stored (a structured reply that failed validation is not).
"""

from __future__ import annotations

import sqlite3
import time
from contextlib import closing
from pathlib import Path
from typing import Protocol

from pydantic import ValidationError

from tutor.config import Settings
from tutor.llm.messages import Strict, TokenUsage


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


class SQLiteCache:
    """One SQLite file; a connection per operation, so it is safe from any thread."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as conn, conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS replies ("
                " key TEXT PRIMARY KEY, reply TEXT NOT NULL, created REAL NOT NULL)"
            )

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10)

    def get(self, key: str) -> CachedReply | None:
        with closing(self._connect()) as conn:
            row = conn.execute("SELECT reply FROM replies WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        try:
            return CachedReply.model_validate_json(row[0])
        except ValidationError:  # written by an older layout: a miss, overwritten on put
            return None

    def put(self, key: str, reply: CachedReply) -> None:
        with closing(self._connect()) as conn, conn:
            conn.execute(
                "INSERT OR REPLACE INTO replies (key, reply, created) VALUES (?, ?, ?)",
                (key, reply.model_dump_json(), time.time()),
            )

    def __len__(self) -> int:
        with closing(self._connect()) as conn:
            (count,) = conn.execute("SELECT COUNT(*) FROM replies").fetchone()
        return int(count)


def cache_from_settings(settings: Settings) -> ResponseCache | None:
    """``TUTOR_LLM_CACHE``: sqlite (under the data dir, the default), memory, or off."""
    if settings.llm_cache == "sqlite":
        return SQLiteCache(settings.data_dir / "llm-cache.sqlite3")
    if settings.llm_cache == "memory":
        return MemoryCache()
    return None
