"""The one least-recently-used table behind the query, result and passage-block caches."""

from __future__ import annotations

import threading

import pytest

from tutor.retrieval.lru import LruTable


def test_the_least_recently_used_entry_goes_first() -> None:
    table: LruTable[str, int] = LruTable(2)
    table.put("a", 1)
    table.put("b", 2)
    assert table.get("a") == 1  # "a" is now the most recent: "b" goes when "c" comes
    table.put("c", 3)
    assert (table.get("b"), table.get("a"), table.get("c")) == (None, 1, 3)
    assert len(table) == 2 and (table.hits, table.misses) == (3, 1)


def test_entries_weigh_what_they_hold() -> None:
    table: LruTable[str, list[int]] = LruTable(5, weight=len)
    table.put("three", [1, 2, 3])
    table.put("two", [1, 2])
    table.put("one", [1])  # 6 > 5: the oldest block goes
    assert table.get("three") is None and len(table) == 2
    kept = table.put("six", [0] * 6)  # heavier than the whole table: returned, not kept
    assert kept == [0] * 6 and table.get("six") is None and len(table) == 2


def test_the_first_entry_for_a_key_stays() -> None:
    """Two threads that computed one entry at once share the first one kept."""
    table: LruTable[str, list[str]] = LruTable(4)
    first = table.put("q", ["first"])
    first.append("added later")
    assert table.put("q", ["second"]) is first
    assert table.get("q") == ["first", "added later"]


def test_size_zero_keeps_nothing_and_clear_empties() -> None:
    off: LruTable[str, int] = LruTable(0)
    assert off.put("a", 1) == 1 and off.get("a") is None and len(off) == 0
    table: LruTable[str, int] = LruTable(3)
    table.put("a", 1)
    table.clear()
    assert table.get("a") is None and len(table) == 0
    with pytest.raises(ValueError, match="negative"):
        LruTable(-1)


def test_threads_share_one_bounded_table() -> None:
    table: LruTable[int, int] = LruTable(50)

    def work(offset: int) -> None:
        for i in range(500):
            table.put((offset + i) % 120, i)
            table.get((offset * 7 + i) % 120)

    threads = [threading.Thread(target=work, args=(n * 13,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(table) == 50 and table.hits + table.misses == 3000
