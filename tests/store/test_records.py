"""Round trips through the store: learners, keys, chat, variants, overrides."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from tutor.errors import BadRequestError, NotFoundError
from tutor.store import (
    Database,
    LearnerRecord,
    Role,
    VariantStatus,
    add_message,
    add_variant,
    create_chat_session,
    create_learner,
    find_api_key,
    get_learner,
    issue_api_key,
    list_messages,
    list_variants,
    models,
    override_grade,
    revoke_api_key,
    set_variant_status,
    submit_attempt,
)


def test_learner_round_trip_keeps_aware_utc_times(database: Database) -> None:
    when = datetime(2025, 3, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    created = create_learner(database, "Grace", now=when)
    loaded = get_learner(database, created.id)
    assert loaded == created
    assert loaded.created_at == when and loaded.created_at.tzinfo == UTC
    with pytest.raises(NotFoundError):
        get_learner(database, "missing")


def test_api_keys_are_stored_hashed_and_can_be_revoked(
    database: Database, learner: LearnerRecord
) -> None:
    issued = issue_api_key(database, "learner", learner_id=learner.id, label="laptop")
    assert issued.secret.startswith("tutor_") and len(issued.secret) > 40
    with database.session() as session:
        stored = session.scalars(select(models.ApiKey.key_hash)).all()
    assert issued.secret not in stored and len(stored[0]) == 64
    found = find_api_key(database, issued.secret)
    assert found is not None and found.role is Role.LEARNER and found.learner_id == learner.id
    assert find_api_key(database, issued.secret + "x") is None
    assert revoke_api_key(database, issued.record.id).revoked
    assert find_api_key(database, issued.secret) is None


def test_key_roles_are_checked(database: Database) -> None:
    with pytest.raises(BadRequestError, match="learner_id"):
        issue_api_key(database, "learner")
    with pytest.raises(BadRequestError, match="unknown role"):
        issue_api_key(database, "superuser")
    assert issue_api_key(database, Role.TEACHER).record.learner_id is None


def test_chat_messages_come_back_in_order_with_citations(
    database: Database, learner: LearnerRecord
) -> None:
    chat = create_chat_session(database, learner_id=learner.id, lesson_id="prompt-basics")
    add_message(database, chat.id, "user", "What is a delimiter?")
    add_message(
        database, chat.id, "assistant", "A marker.", engine="offline",
        prompt="explain@1", citations=[{"passage_id": "prompt-basics/solution"}],
    )  # fmt: skip
    add_message(database, chat.id, "user", "Thanks")
    messages = list_messages(database, chat.id)
    assert [m.content for m in messages] == ["What is a delimiter?", "A marker.", "Thanks"]
    assert messages[1].citations == [{"passage_id": "prompt-basics/solution"}]
    assert messages[1].prompt == "explain@1" and messages[1].engine == "offline"
    assert [m.content for m in list_messages(database, chat.id, last=2)] == ["A marker.", "Thanks"]
    with pytest.raises(NotFoundError):
        add_message(database, "nope", "user", "hi")


def test_variants_move_through_review(database: Database) -> None:
    draft = add_variant(
        database, "pb-01", {"stem": "Which prompt is clearer?"}, provenance={"model": "offline"}
    )
    assert draft.status is VariantStatus.DRAFT
    set_variant_status(database, draft.id, VariantStatus.PUBLISHED)
    published = list_variants(database, status=VariantStatus.PUBLISHED)
    assert [v.id for v in published] == [draft.id]
    assert published[0].item == {"stem": "Which prompt is clearer?"}
    assert list_variants(database, status=VariantStatus.DRAFT) == []


def test_teacher_overrides_are_recorded(database: Database, learner: LearnerRecord) -> None:
    attempt = submit_attempt(database, learner.id, "pb-01", "an answer")
    teacher = issue_api_key(database, "teacher").record
    override = override_grade(
        database, attempt.id, teacher_key_id=teacher.id, verdict="correct", score=1.0, note="ok"
    )
    assert override.attempt_id == attempt.id and override.score == 1.0
    with pytest.raises(BadRequestError):
        override_grade(database, attempt.id, teacher_key_id=teacher.id, verdict="x", score=2.0)
