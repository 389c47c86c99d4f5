"""``Database.transaction`` runs a unit of work again when Postgres breaks a real deadlock."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from tutor.store import Database, create_learner, get_learner, models


def test_a_deadlocked_unit_of_work_runs_again_and_both_commit(database: Database) -> None:
    if database.is_sqlite:
        pytest.skip("SQLite takes the write lock up front (BEGIN IMMEDIATE): it cannot deadlock")
    first, second = create_learner(database, "one").id, create_learner(database, "two").id
    both_hold_one = threading.Barrier(2, timeout=30)
    runs: list[str] = []

    def rename(mine: str, theirs: str, name: str) -> str:
        def work(session: Session) -> str:
            runs.append(name)
            session.execute(
                update(models.Learner).where(models.Learner.id == mine).values(name=name)
            )
            if runs.count(name) == 1:  # first run: wait until each holds its row, then cross
                both_hold_one.wait()
            session.execute(
                update(models.Learner).where(models.Learner.id == theirs).values(name=name)
            )
            return name

        return database.transaction(work)

    with ThreadPoolExecutor(2) as pool:
        done = [pool.submit(rename, first, second, "a"), pool.submit(rename, second, first, "b")]
        assert sorted(f.result() for f in done) == ["a", "b"]
    assert len(runs) == 3  # Postgres aborted one of the two; it ran again and committed
    names = {get_learner(database, first).name, get_learner(database, second).name}
    assert len(names) == 1  # the one that ran again renamed both rows last
