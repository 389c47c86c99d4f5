"""What the shared caches cost per call: the database tables against the file they replaced.

    .venv/bin/python benchmarks/cache_latency.py [--database-url URL] [--n 300]

For each cache: a hit, a miss and a write of an LLM reply (~1.5 KB of JSON), in microseconds
(median and p95 over ``--n`` calls; for a hit also this process's CPU time per call, since the
wall time of a database round trip is mostly waiting on a busy machine), and a cached
``Gateway.complete`` (the hit path as the service runs it, through a worker thread). The
baseline in the same run is the SQLite file each replica used to keep in its data dir (a copy
of its code is below), and the ratio is to that. ``--database-url`` measures that database
(migrated first; its llm_cache table is emptied); without it, a temporary SQLite database.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

from tutor.config import Settings
from tutor.llm import CachedReply, DatabaseCache, Gateway, MemoryCache, Message, ResponseCache
from tutor.llm.messages import ChatRequest, TokenUsage
from tutor.store import Database, upgrade_to_head

REPLY = CachedReply(
    text="A few-shot prompt shows the model worked examples. " * 30,
    model="openai/gpt-4o-mini",
    usage=TokenUsage(prompt_tokens=300, completion_tokens=120),
)
QUESTION = [Message(role="user", content="What is a few-shot prompt?")]


class FileCache:
    """The cache before: one SQLite file per replica, a connection per operation."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with closing(sqlite3.connect(path, timeout=10)) as conn, conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS replies"
                " (key TEXT PRIMARY KEY, reply TEXT NOT NULL, created REAL NOT NULL)"
            )

    def get(self, key: str) -> CachedReply | None:
        with closing(sqlite3.connect(self.path, timeout=10)) as conn:
            row = conn.execute("SELECT reply FROM replies WHERE key = ?", (key,)).fetchone()
        return None if row is None else CachedReply.model_validate_json(row[0])

    def put(self, key: str, reply: CachedReply) -> None:
        with closing(sqlite3.connect(self.path, timeout=10)) as conn, conn:
            conn.execute("INSERT OR REPLACE INTO replies (key, reply, created) VALUES (?, ?, ?)",
                         (key, reply.model_dump_json(), time.time()))  # fmt: skip


def timed(call: Callable[[int], Any], n: int) -> tuple[float, float]:
    """Median and p95 of ``call(i)`` in microseconds."""
    took = []
    for i in range(n):
        started = time.perf_counter()
        call(i)
        took.append((time.perf_counter() - started) * 1e6)
    took.sort()
    return statistics.median(took), took[int(0.95 * (len(took) - 1))]


def cpu(call: Callable[[int], Any], n: int) -> tuple[float, float]:
    """This process's CPU time per ``call(i)`` in microseconds (mean; twice, for the table)."""
    started = time.process_time()
    for i in range(n):
        call(i)
    mean = (time.process_time() - started) * 1e6 / n
    return mean, mean


async def gateway_hits(cache: ResponseCache, n: int) -> tuple[float, float]:
    """A cached ``Gateway.complete``: the key looked up, the reply rebuilt, usage recorded."""
    gateway = Gateway("openai/gpt-4o-mini", cache=cache)
    request = ChatRequest(prompt="explain@1", messages=tuple(QUESTION), temperature=0.0)
    cache.put(request.cache_key(gateway.model, gateway.api_base), REPLY)  # never the provider
    took = []
    for _ in range(n):
        started = time.perf_counter()
        reply = await gateway.complete(QUESTION, prompt="explain@1")
        took.append((time.perf_counter() - started) * 1e6)
        assert reply.cached
    took.sort()
    return statistics.median(took), took[int(0.95 * (len(took) - 1))]


def measure(name: str, cache: ResponseCache, n: int) -> dict[str, tuple[float, float]]:
    for i in range(n):
        cache.put(f"hit-{i}", REPLY)
    return {
        "hit": timed(lambda i: cache.get(f"hit-{i}"), n),
        "hit, CPU": cpu(lambda i: cache.get(f"hit-{i}"), n),
        "miss": timed(lambda i: cache.get(f"miss-{name}-{i}"), n),
        "write": timed(lambda i: cache.put(f"new-{name}-{i}", REPLY), n),
        "gateway hit": asyncio.run(gateway_hits(cache, n)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--n", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        url = args.database_url or f"sqlite:///{folder / 'tutor.db'}"
        database = Database(url)
        upgrade_to_head(database)
        settings = Settings(data_dir=folder, database_url=url, _env_file=None)  # type: ignore[call-arg]
        shared = DatabaseCache.from_settings(settings, database)
        shared.table.clear()
        rows = {
            "file per replica (before)": measure("file", FileCache(folder / "llm.sqlite3"), args.n),
            "memory": measure("memory", MemoryCache(), args.n),
            f"database ({database.engine.dialect.name}, now)": measure("db", shared, args.n),
        }
        shared.table.clear()
        database.dispose()
    base = rows["file per replica (before)"]
    print(f"{args.n} calls each, µs median / p95 (ratio of medians to the file cache)")
    print(f"{'cache':<32}" + "".join(f"{op:>26}" for op in base))
    for name, figures in rows.items():
        cells = [f"{m:,.0f} / {p:,.0f} ({m / base[op][0]:.2f}x)" for op, (m, p) in figures.items()]
        print(f"{name:<32}" + "".join(f"{c:>26}" for c in cells))


if __name__ == "__main__":
    main()
