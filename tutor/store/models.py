"""The learner store's tables, as typed SQLAlchemy declarative models.

Ids a client sees (learners, keys, sessions, attempts, variants, quizzes) are random hex
strings; item and concept ids are the corpus slugs (the corpus lives in files, so they carry no
foreign key). Every timestamp is timezone-aware UTC. A change here needs an Alembic revision
(``tests/store/test_migrations.py`` fails until the migrations match these models).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SLUG = 80  # corpus ids (items, concepts, lessons)
ID = 32  # uuid4 hex


def new_id() -> str:
    return uuid.uuid4().hex


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out (SQLite stores them without a zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pass an aware one (UTC)")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
    }


class Learner(Base):
    __tablename__ = "learners"

    id: Mapped[str] = mapped_column(String(ID), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApiKey(Base):
    """Only the sha256 of a key is kept; ``prefix`` lets people tell their keys apart."""

    __tablename__ = "api_keys"
    __table_args__ = (CheckConstraint("role IN ('learner', 'teacher', 'admin')", name="role"),)

    id: Mapped[str] = mapped_column(String(ID), primary_key=True, default=new_id)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    role: Mapped[str] = mapped_column(String(16))
    learner_id: Mapped[str | None] = mapped_column(ForeignKey("learners.id"), index=True)
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    revoked_at: Mapped[datetime | None]


class ServiceFlag(Base):
    """A fact about the whole service, present or absent. ``keys_required``: a key was issued,
    so single-user local mode stays closed, even with every key revoked, until an operator
    runs ``tutor keys reset-local``."""

    __tablename__ = "service_flags"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    set_at: Mapped[datetime] = mapped_column(default=utcnow)


class ChatSession(Base):
    __tablename__ = "sessions"

    id: Mapped[str] = mapped_column(String(ID), primary_key=True, default=new_id)
    learner_id: Mapped[str | None] = mapped_column(ForeignKey("learners.id"), index=True)
    lesson_id: Mapped[str | None] = mapped_column(String(SLUG))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    item_id: Mapped[str | None] = mapped_column(String(SLUG))  # a practice item's session


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        CheckConstraint("role IN ('user', 'assistant', 'system')", name="role"),
        Index("ix_messages_session_id_id", "session_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))
    content: Mapped[str] = mapped_column(Text)
    engine: Mapped[str | None] = mapped_column(String(200))
    prompt: Mapped[str | None] = mapped_column(String(200))  # name@version of the prompt
    citations: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Attempt(Base):
    """An answer to an item: stored ``pending`` before grading, then ``graded`` (or ``failed``)."""

    __tablename__ = "attempts"
    __table_args__ = (
        UniqueConstraint("learner_id", "idempotency_key", name="uq_attempts_learner_key"),
        CheckConstraint("status IN ('pending', 'graded', 'failed')", name="status"),
        CheckConstraint("score IS NULL OR (score >= 0 AND score <= 1)", name="score"),
        Index("ix_attempts_learner_id_created_at", "learner_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(ID), primary_key=True, default=new_id)
    learner_id: Mapped[str] = mapped_column(ForeignKey("learners.id"))
    item_id: Mapped[str] = mapped_column(String(SLUG), index=True)
    answer: Mapped[str] = mapped_column(Text)
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    verdict: Mapped[str | None] = mapped_column(String(32))
    score: Mapped[float | None] = mapped_column(Float)
    grade: Mapped[dict[str, Any] | None]
    engine: Mapped[str | None] = mapped_column(String(200))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    graded_at: Mapped[datetime | None]
    # The item's Elo rating the learner model used at the first grade, so a replay of the
    # learner's answers (a teacher override, a late grade) sees the same difficulty.
    item_rating: Mapped[float | None] = mapped_column(Float)


class GradeOverride(Base):
    """A teacher's correction (or confirmation) of a grade; the newest one wins.

    ``teacher_key_id`` is the key that made it, or None for the local user of single-user
    mode (no keys exist then).
    """

    __tablename__ = "grade_overrides"
    __table_args__ = (CheckConstraint("score >= 0 AND score <= 1", name="score"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    attempt_id: Mapped[str] = mapped_column(ForeignKey("attempts.id"), index=True)
    teacher_key_id: Mapped[str | None] = mapped_column(ForeignKey("api_keys.id"))
    verdict: Mapped[str] = mapped_column(String(32))
    score: Mapped[float] = mapped_column(Float)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReplacedGrade(Base):
    """A grade an attempt had before a newer one replaced it: the offline stand-in given while
    the model was down, once ``tutor regrade --fallback`` has the model grade the attempt. The
    attempt holds the newest grade; these rows keep the history."""

    __tablename__ = "replaced_grades"
    __table_args__ = (CheckConstraint("score >= 0 AND score <= 1", name="score"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    attempt_id: Mapped[str] = mapped_column(ForeignKey("attempts.id"), index=True)
    grade: Mapped[dict[str, Any]]
    score: Mapped[float] = mapped_column(Float)
    verdict: Mapped[str | None] = mapped_column(String(32))
    engine: Mapped[str | None] = mapped_column(String(200))
    graded_at: Mapped[datetime | None]
    replaced_at: Mapped[datetime] = mapped_column(default=utcnow)


class Mastery(Base):
    """The tutor's belief about one learner and one concept (Bayesian Knowledge Tracing)."""

    __tablename__ = "mastery"

    learner_id: Mapped[str] = mapped_column(ForeignKey("learners.id"), primary_key=True)
    concept_id: Mapped[str] = mapped_column(String(SLUG), primary_key=True)
    p_known: Mapped[float] = mapped_column(Float)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    streak: Mapped[int] = mapped_column(Integer, default=0)  # successes in a row
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)  # last practice


class ItemStats(Base):
    """An item's Elo difficulty on the logit scale (starts from its easy/medium/hard label)."""

    __tablename__ = "item_stats"

    item_id: Mapped[str] = mapped_column(String(SLUG), primary_key=True)
    rating: Mapped[float] = mapped_column(Float)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class BKTParamsRow(Base):
    """Knowledge-tracing parameters fitted for one concept by ``tutor fit``."""

    __tablename__ = "bkt_params"

    concept_id: Mapped[str] = mapped_column(String(SLUG), primary_key=True)
    prior: Mapped[float] = mapped_column(Float)
    learn: Mapped[float] = mapped_column(Float)
    guess: Mapped[float] = mapped_column(Float)
    slip: Mapped[float] = mapped_column(Float)
    sequences: Mapped[int] = mapped_column(Integer)
    observations: Mapped[int] = mapped_column(Integer)
    log_likelihood: Mapped[float] = mapped_column(Float)
    fitted_at: Mapped[datetime] = mapped_column(default=utcnow)


class Variant(Base):
    __tablename__ = "variants"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'published', 'rejected')", name="status"),
    )

    id: Mapped[str] = mapped_column(String(ID), primary_key=True, default=new_id)
    parent_item_id: Mapped[str] = mapped_column(String(SLUG), index=True)
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    item: Mapped[dict[str, Any]]
    provenance: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Quiz(Base):
    """A "test this pattern" quiz on one lesson; ``questions`` holds what was asked and scored."""

    __tablename__ = "quizzes"
    __table_args__ = (CheckConstraint("status IN ('active', 'finished')", name="status"),)

    id: Mapped[str] = mapped_column(String(ID), primary_key=True, default=new_id)
    learner_id: Mapped[str] = mapped_column(ForeignKey("learners.id"), index=True)
    lesson_id: Mapped[str] = mapped_column(String(SLUG))
    status: Mapped[str] = mapped_column(String(16), default="active")
    length: Mapped[int] = mapped_column(Integer)
    questions: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class _CacheEntry:
    """A cached value (JSON text) under the sha256 of everything it depends on."""

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class LLMCacheEntry(_CacheEntry, Base):
    """A model's accepted reply (:mod:`tutor.llm.cache`), shared by every replica."""

    __tablename__ = "llm_cache"


class GradeCacheEntry(_CacheEntry, Base):
    """A grade already given (:mod:`tutor.grading.cache`), shared by every replica."""

    __tablename__ = "grade_cache"


class Generation(Base):
    """A counter bumped when shared state that replicas hold in memory changes: ``corpus``
    (``tutor index``, a published or withdrawn variant). Replicas compare it every few
    seconds and reload (:mod:`tutor.store.generations`)."""

    __tablename__ = "generations"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
