"""The attempt lifecycle: stored before grading, idempotent, never lost."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from tutor.config import PROJECT_ROOT
from tutor.errors import ConflictError, NotFoundError
from tutor.store import (
    AttemptStatus,
    Database,
    LearnerRecord,
    create_learner,
    get_attempt,
    learner_attempts,
    pending_attempts,
    record_failure,
    record_grade,
    submit_attempt,
)


def test_an_attempt_is_pending_until_graded(database: Database, learner: LearnerRecord) -> None:
    attempt = submit_attempt(database, learner.id, "pb-01", "Say who it is for.")
    assert attempt.status is AttemptStatus.PENDING and attempt.score is None
    assert pending_attempts(database) == [attempt]
    grade = {"score": 0.75, "verdict": "partial", "engine": "offline", "misconceptions": ["m"]}
    graded = record_grade(database, attempt.id, grade)
    assert graded.status is AttemptStatus.GRADED
    assert (graded.score, graded.verdict, graded.engine) == (0.75, "partial", "offline")
    assert graded.grade == grade and graded.graded_at is not None
    assert pending_attempts(database) == []
    assert get_attempt(database, attempt.id) == graded


def test_a_grade_without_a_usable_score_is_refused(
    database: Database, learner: LearnerRecord
) -> None:
    attempt = submit_attempt(database, learner.id, "pb-01", "x")
    for bad in ({"verdict": "correct"}, {"score": 1.5}, {"score": "high"}, {"score": True}):
        with pytest.raises(ValueError):
            record_grade(database, attempt.id, bad)
    assert get_attempt(database, attempt.id).status is AttemptStatus.PENDING


def test_a_reused_idempotency_key_returns_the_same_attempt(
    database: Database, learner: LearnerRecord
) -> None:
    first = submit_attempt(database, learner.id, "pb-01", "answer", idempotency_key="k1")
    again = submit_attempt(database, learner.id, "pb-01", "answer", idempotency_key="k1")
    assert again.id == first.id
    assert len(learner_attempts(database, learner.id)) == 1
    record_grade(database, first.id, {"score": 1.0})
    replay = submit_attempt(database, learner.id, "pb-01", "answer", idempotency_key="k1")
    assert replay.status is AttemptStatus.GRADED  # the stored grade, not a new attempt
    with pytest.raises(ConflictError, match="k1"):
        submit_attempt(database, learner.id, "pb-01", "another answer", idempotency_key="k1")
    other = create_learner(database, "Bo")
    theirs = submit_attempt(database, other.id, "pb-01", "answer", idempotency_key="k1")
    assert theirs.id != first.id  # keys are per learner


def test_concurrent_submissions_with_one_key_store_one_attempt(
    database: Database, learner: LearnerRecord
) -> None:
    ids: list[str] = []

    def submit() -> None:
        ids.append(submit_attempt(database, learner.id, "pb-01", "a", idempotency_key="k").id)

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(ids)) == 1 and len(learner_attempts(database, learner.id)) == 1


def test_unknown_learner_or_attempt(database: Database) -> None:
    with pytest.raises(NotFoundError):
        submit_attempt(database, "nobody", "pb-01", "x")
    with pytest.raises(NotFoundError):
        record_grade(database, "missing", {"score": 1})


def test_a_failed_grading_stays_regradable(database: Database, learner: LearnerRecord) -> None:
    attempt = submit_attempt(database, learner.id, "pb-01", "x")
    failed = record_failure(database, attempt.id, "LLMUnavailableError: every model failed")
    assert failed.status is AttemptStatus.FAILED and "every model failed" in (failed.error or "")
    assert [a.id for a in pending_attempts(database)] == [attempt.id]
    graded = record_grade(database, attempt.id, {"score": 0.0, "verdict": "incorrect"})
    assert graded.status is AttemptStatus.GRADED and graded.error is None
    # a failed re-grade of a graded attempt keeps the grade
    assert record_failure(database, attempt.id, "boom").status is AttemptStatus.GRADED


def test_an_attempt_survives_a_crash_between_submit_and_grade(
    db_url: str, database: Database, learner: LearnerRecord, tmp_path: Path
) -> None:
    """A separate process stores an answer, then dies inside the grader (os._exit)."""
    script = textwrap.dedent(
        f"""
        import asyncio, os
        from tutor.store import Database, submit_attempt

        async def main():
            db = Database({db_url!r})
            attempt = submit_attempt(db, {learner.id!r}, "pb-01", "my answer", idempotency_key="k")
            print(attempt.id, flush=True)
            os._exit(3)  # the process dies while grading: no cleanup, no commit of anything else

        asyncio.run(main())
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 3, done.stderr
    attempt_id = done.stdout.strip()
    with Database(db_url) as reopened:
        pending = pending_attempts(reopened)
        assert [(a.id, a.answer, a.status) for a in pending] == [
            (attempt_id, "my answer", AttemptStatus.PENDING)
        ]
        assert record_grade(reopened, attempt_id, {"score": 1.0}).status is AttemptStatus.GRADED
