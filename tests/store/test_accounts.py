"""Learners and API keys in the store: issuing, finding and revoking keys."""

from __future__ import annotations

import pytest

from tutor.errors import BadRequestError, NotFoundError
from tutor.store import (
    Database,
    LearnerRecord,
    find_api_key,
    issue_key,
    list_api_keys,
    list_learners,
    revoke_api_key,
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
