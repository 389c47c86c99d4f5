"""What the store's services return: plain frozen dataclasses, detached from any session.

Routes turn these into their response models; nothing outside ``tutor/store`` (and the learner
model) touches the ORM classes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from tutor.store import models


class Role(StrEnum):
    LEARNER = "learner"
    TEACHER = "teacher"
    ADMIN = "admin"


class AttemptStatus(StrEnum):
    PENDING = "pending"  # stored, not graded yet (or the process died while grading)
    GRADED = "graded"
    FAILED = "failed"  # grading raised; ``error`` says why; still re-gradable


class VariantStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    REJECTED = "rejected"


@dataclass(frozen=True)
class LearnerRecord:
    id: str
    name: str
    created_at: datetime

    @classmethod
    def of(cls, row: models.Learner) -> LearnerRecord:
        return cls(row.id, row.name, row.created_at)


@dataclass(frozen=True)
class ApiKeyRecord:
    id: str
    prefix: str
    role: Role
    learner_id: str | None
    label: str
    created_at: datetime
    revoked: bool

    @classmethod
    def of(cls, row: models.ApiKey) -> ApiKeyRecord:
        return cls(
            row.id, row.prefix, Role(row.role), row.learner_id, row.label, row.created_at,
            row.revoked,
        )  # fmt: skip


@dataclass(frozen=True)
class IssuedKey:
    """A new key: ``secret`` is shown once and never stored."""

    secret: str
    record: ApiKeyRecord


@dataclass(frozen=True)
class ChatSessionRecord:
    id: str
    learner_id: str | None
    lesson_id: str | None
    created_at: datetime
    item_id: str | None = None  # the practice item the session is about, if any

    @classmethod
    def of(cls, row: models.ChatSession) -> ChatSessionRecord:
        return cls(row.id, row.learner_id, row.lesson_id, row.created_at, row.item_id)


@dataclass(frozen=True)
class MessageRecord:
    id: int
    session_id: str
    role: str
    content: str
    engine: str | None
    prompt: str | None
    citations: list[Any]
    created_at: datetime

    @classmethod
    def of(cls, row: models.Message) -> MessageRecord:
        return cls(
            row.id, row.session_id, row.role, row.content, row.engine, row.prompt,
            list(row.citations), row.created_at,
        )  # fmt: skip


@dataclass(frozen=True)
class AttemptRecord:
    id: str
    learner_id: str
    item_id: str
    answer: str
    idempotency_key: str | None
    status: AttemptStatus
    verdict: str | None
    score: float | None
    grade: dict[str, Any] | None
    engine: str | None
    error: str | None
    created_at: datetime
    graded_at: datetime | None

    @classmethod
    def of(cls, row: models.Attempt) -> AttemptRecord:
        return cls(
            row.id, row.learner_id, row.item_id, row.answer, row.idempotency_key,
            AttemptStatus(row.status), row.verdict, row.score,
            dict(row.grade) if row.grade is not None else None, row.engine, row.error,
            row.created_at, row.graded_at,
        )  # fmt: skip

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> AttemptRecord:
        """From an ``attempts`` row read with Core (column name -> value)."""
        grade = row["grade"]
        return cls(
            row["id"], row["learner_id"], row["item_id"], row["answer"], row["idempotency_key"],
            AttemptStatus(row["status"]), row["verdict"], row["score"],
            dict(grade) if grade is not None else None, row["engine"], row["error"],
            row["created_at"], row["graded_at"],
        )  # fmt: skip


@dataclass(frozen=True)
class OverrideRecord:
    id: int
    attempt_id: str
    teacher_key_id: str | None  # None: the local user of single-user mode
    verdict: str
    score: float
    note: str
    created_at: datetime

    @classmethod
    def of(cls, row: models.GradeOverride) -> OverrideRecord:
        return cls(
            row.id, row.attempt_id, row.teacher_key_id, row.verdict, row.score, row.note,
            row.created_at,
        )  # fmt: skip


@dataclass(frozen=True)
class VariantRecord:
    id: str
    parent_item_id: str
    status: VariantStatus
    item: dict[str, Any]
    provenance: dict[str, Any]
    created_at: datetime

    @classmethod
    def of(cls, row: models.Variant) -> VariantRecord:
        return cls(
            row.id, row.parent_item_id, VariantStatus(row.status), dict(row.item),
            dict(row.provenance), row.created_at,
        )  # fmt: skip
