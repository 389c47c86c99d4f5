"""The shared cache tables: upserts that two replicas may race, expiry and the row bound.

Runs on SQLite and, when configured, on Postgres (``-m servers``).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from tutor.grading.cache import DatabaseGradeCache
from tutor.grading.rubric import empty_grade
from tutor.store import Database, upgrade_to_head
from tutor.store import caches as caches_module
from tutor.store.caches import CacheTable
from tutor.store.generations import bump_generation, read_generation
from tutor.store.models import GradeCacheEntry, LLMCacheEntry, utcnow

DAY = timedelta(days=1)


def table(database: Database, **bounds: object) -> CacheTable:
    options = {"max_rows": 1000, "max_age": 30 * DAY, **bounds}
    return CacheTable(database, LLMCacheEntry, **options)  # type: ignore[arg-type]


def test_a_key_holds_its_latest_value_and_tables_are_apart(database: Database) -> None:
    llm = table(database)
    grades = CacheTable(database, GradeCacheEntry, max_rows=1000, max_age=30 * DAY)
    llm.put("k1", '"first"')
    llm.put("k1", '"second"')  # an upsert, not a duplicate key
    llm.put_many([("k2", '"a"'), ("k3", '"b"'), ("k2", '"c"')])
    assert llm.get("k1") == '"second"'
    assert llm.get_many(["k1", "k2", "k3", "nope"]) == {"k1": '"second"', "k2": '"c"', "k3": '"b"'}
    assert len(llm) == 3
    assert grades.get("k1") is None and len(grades) == 0


def test_two_replicas_writing_the_same_keys_at_once_both_succeed(db_url: str) -> None:
    keys = [f"key-{i:02d}" for i in range(20)]
    with Database(db_url) as one, Database(db_url) as two:
        replicas = [table(one), table(two)]

        def write(n: int) -> None:
            order = keys if n % 2 else list(reversed(keys))  # opposite orders: no deadlock
            replicas[n % 2].put_many([(key, f'"{n}"') for key in order])

        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(write, range(40)))
        seen = table(one).get_many(keys)
    assert sorted(seen) == keys  # every write landed; each key holds one writer's value
    assert {value for value in seen.values()} <= {f'"{n}"' for n in range(40)}


def test_an_entry_past_its_age_is_a_miss_and_is_pruned(database: Database) -> None:
    cache = table(database, max_age=7 * DAY)
    cache.put_many([("old", '"stale"'), ("new", '"fresh"')])
    with database.session() as session:
        session.execute(
            update(LLMCacheEntry)
            .where(LLMCacheEntry.key == "old")
            .values(created_at=utcnow() - 8 * DAY)
        )
    assert cache.get("old") is None and cache.get("new") == '"fresh"'
    assert cache.prune() == 1
    assert len(cache) == 1


def test_the_table_keeps_the_newest_entries_up_to_its_bound(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(caches_module, "PRUNE_EVERY", 10)
    cache = table(database, max_rows=25)
    for n in range(60):  # one write each: every entry a little newer than the one before
        cache.put(f"key-{n:02d}", f'"{n}"')
    assert len(cache) <= 25 + 10  # pruned every 10 writes, by itself
    cache.prune()
    assert len(cache) == 25
    assert cache.get("key-59") == '"59"' and cache.get("key-34") is None  # the oldest went


def test_a_write_that_cannot_be_stored_is_logged_not_raised(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    cache = table(database)
    cache.put("nul", "text with a \x00")  # Postgres refuses NUL; the store refuses it first
    assert cache.get("nul") is None
    assert "could not write 1 llm_cache entries" in caplog.text


def test_a_cache_that_cannot_be_read_is_a_miss(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with Database(f"sqlite:///{tmp_path / 'never-migrated.db'}") as database:
        cache = table(database)
        assert cache.get("any") is None  # no table: logged, not raised
        cache.put("any", '"value"')
    assert "could not read llm_cache" in caplog.text
    assert "could not write 1 llm_cache entries" in caplog.text


def test_reads_leave_pooled_sqlite_connections_as_they_were(tmp_path: Path) -> None:
    with Database(f"sqlite:///{tmp_path / 'reads.db'}") as database:
        upgrade_to_head(database)
        for _ in range(3):  # the pool hands the same connection back each time
            table(database).get("any")
        with database.engine.connect() as connection:
            assert connection.connection.dbapi_connection is not None
            # None: SQLAlchemy's BEGIN IMMEDIATE, never the driver's own legacy transactions
            assert connection.connection.dbapi_connection.isolation_level is None


def test_an_entry_in_an_older_shape_is_a_miss_until_overwritten(database: Database) -> None:
    cache = DatabaseGradeCache(CacheTable(database, GradeCacheEntry, max_rows=100, max_age=DAY))
    cache.table.put("key", '{"score": 0.5}')  # a Grade as an older release wrote it
    assert cache.get("key") is None
    grade = empty_grade("offline", "offline-grader@1")
    cache.put("key", grade)
    assert cache.get("key") == grade


def test_generations_count_up_from_zero(database: Database) -> None:
    assert read_generation(database) == 0
    assert bump_generation(database) == 1
    with ThreadPoolExecutor(max_workers=4) as pool:  # several jobs at once: no lost bump
        list(pool.map(lambda _: bump_generation(database), range(8)))
    assert read_generation(database) == 9
    assert read_generation(database, "other") == 0
