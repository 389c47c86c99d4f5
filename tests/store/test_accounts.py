"""Learners and API keys in the store: issuing, finding and revoking keys."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tutor.errors import BadRequestError, NotFoundError
from tutor.store import (
    Database,
    LearnerRecord,
    find_api_key,
    has_live_keys,
    is_local_mode,
    issue_key,
    list_api_keys,
    list_learners,
    revoke_api_key,
    teacher_graded_answers,
)


def test_a_learner_key_without_a_learner_brings_its_own_learner(database: Database) -> None:
    issued = issue_key(database, "learner", learner_name="Grace", label="tablet")

    learners = list_learners(database)
    assert [learner.name for learner in learners] == ["Grace"]
    assert issued.record.learner_id == learners[0].id
    found = find_api_key(database, issued.secret)
    assert found is not None and found.learner_id == learners[0].id and found.label == "tablet"


def test_a_key_for_an_existing_learner_adds_no_learner(
    database: Database, learner: LearnerRecord
) -> None:
    issued = issue_key(database, "learner", learner_id=learner.id)

    assert [x.id for x in list_learners(database)] == [learner.id]
    assert issued.record.learner_id == learner.id


def test_bad_requests_store_nothing(database: Database) -> None:
    with pytest.raises(NotFoundError, match="no learner 'ghost'"):  # a learner key would create it
        issue_key(database, "teacher", learner_id="ghost")
    with pytest.raises(BadRequestError, match="unknown role 'root'"):
        issue_key(database, "root", learner_name="Eve")

    assert list_api_keys(database) == []
    assert list_learners(database) == []


def test_a_revoked_key_is_not_found_but_stays_listed(database: Database) -> None:
    issued = issue_key(database, "teacher", label="Ms Lovelace")

    revoke_api_key(database, issued.record.id)

    assert find_api_key(database, issued.secret) is None
    (listed,) = list_api_keys(database)
    assert listed.revoked and listed.role.value == "teacher"


def test_the_per_request_lookups_do_not_queue_behind_a_writer(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every request checks its key (or local mode), every graded answer looks up its item's
    teacher-graded answers: on SQLite these reads must not take the write lock (BEGIN
    IMMEDIATE), or each one waits for whatever attempt is being written."""
    if not db_url.startswith("sqlite"):
        pytest.skip("the write lock is SQLite's")
    monkeypatch.setattr("tutor.store.database.BUSY_TIMEOUT_MS", 50)  # a wait fails at once
    with Database(db_url) as database:
        issued = issue_key(database, "admin")
        with database.session() as writer:
            writer.execute(text("SELECT 1"))  # BEGIN IMMEDIATE: this session holds the lock

            found = find_api_key(database, issued.secret)
            assert found is not None and found.id == issued.record.id
            assert find_api_key(database, "tutor_not-a-key") is None
            assert not is_local_mode(database)
            assert has_live_keys(database)
            assert teacher_graded_answers(database, "any-item") == []
