"""Learners and API keys.

A key is ``tutor_`` plus 32 random bytes (url-safe base64); only its sha256 is stored, which is
enough for a secret of that entropy (no salt or slow hash needed), and lookups are by hash.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tutor.errors import BadRequestError, ConflictError, NotFoundError
from tutor.store import models
from tutor.store.database import Database
from tutor.store.records import ApiKeyRecord, IssuedKey, LearnerRecord, Role

KEY_PREFIX = "tutor_"
KEYS_REQUIRED = "keys_required"  # the flag that closes local mode (see ``is_local_mode``)
RESET_LOCAL_HINT = (
    "go back to keyless single-user local mode with `tutor keys reset-local --yes` "
    "(it revokes every key)"
)


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_learner(
    database: Database, name: str = "", *, now: datetime | None = None
) -> LearnerRecord:
    with database.session() as session:
        row = models.Learner(name=name, created_at=now or models.utcnow())
        session.add(row)
        session.flush()
        return LearnerRecord.of(row)


def get_learner(database: Database, learner_id: str) -> LearnerRecord:
    with database.session() as session:
        row = session.get(models.Learner, learner_id)
        if row is None:
            raise NotFoundError(f"no learner {learner_id!r}")
        return LearnerRecord.of(row)


def issue_api_key(
    database: Database,
    role: Role | str,
    *,
    learner_id: str | None = None,
    label: str = "",
    now: datetime | None = None,
) -> IssuedKey:
    """A new key for ``role``; a learner key must name its learner."""
    role = _role(role)
    if role is Role.LEARNER and learner_id is None:
        raise BadRequestError("a learner key needs a learner_id")
    with database.session() as session:
        return _insert_key(session, role, learner_id, label, now or models.utcnow())


def issue_key(
    database: Database,
    role: Role | str,
    *,
    learner_id: str | None = None,
    learner_name: str = "",
    label: str = "",
    now: datetime | None = None,
) -> IssuedKey:
    """A key as ``tutor keys create`` and ``POST /v1/keys`` make one. A learner key for a
    learner that does not exist yet creates it, with that id (a school's own learner ids) or a
    new one when none is given, named ``learner_name``, in the same transaction (a failure
    leaves neither behind). ``local`` is the single-user learner, as everywhere."""
    role = _role(role)
    when = now or models.utcnow()
    if learner_id is not None:
        learner_id = resolve_learner_id(database, learner_id)
    with database.session() as session:
        exists = learner_id is not None and session.get(models.Learner, learner_id) is not None
        if learner_name and (role is not Role.LEARNER or exists):
            raise BadRequestError(
                f"learner {learner_id!r} already exists: a learner name is only for a new "
                "learner of a learner key"
                if exists
                else "a learner name is only for the new learner of a learner key"
            )
        if role is Role.LEARNER and not exists:
            if learner_id is not None:
                _check_learner_id(learner_id)
            learner = models.Learner(name=learner_name, created_at=when)
            if learner_id is not None:
                learner.id = learner_id
            session.add(learner)
            session.flush()
            learner_id = learner.id
        return _insert_key(session, role, learner_id, label, when)


LOCAL_ALIAS = "local"  # the single-user learner, on the command line and in the HTTP API
_LEARNER_ID = re.compile(rf"^[A-Za-z0-9][A-Za-z0-9._-]{{0,{models.ID - 1}}}$")


def resolve_learner_id(database: Database, learner_id: str) -> str:
    """``learner_id``, or the single-user learner's id for the alias ``local``."""
    return local_learner(database) if learner_id == LOCAL_ALIAS else learner_id


def _check_learner_id(learner_id: str) -> None:
    if not _LEARNER_ID.match(learner_id):
        raise BadRequestError(
            f"learner id {learner_id!r} cannot be created: use 1-{models.ID} letters, digits, "
            "'.', '_' or '-', starting with a letter or digit"
        )


def _role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise BadRequestError(f"unknown role {role!r}: use learner, teacher or admin") from None


def _insert_key(
    session: Session, role: Role, learner_id: str | None, label: str, now: datetime
) -> IssuedKey:
    if learner_id is not None and session.get(models.Learner, learner_id) is None:
        raise NotFoundError(f"no learner {learner_id!r}")
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    row = models.ApiKey(
        key_hash=hash_key(secret),
        prefix=secret[: len(KEY_PREFIX) + 6],
        role=role.value,
        learner_id=learner_id,
        label=label,
        created_at=now,
    )
    session.add(row)
    session.flush()
    _require_keys(session, now)
    return IssuedKey(secret, ApiKeyRecord.of(row))


def _require_keys(session: Session, now: datetime) -> None:
    """Close local mode for good: set the ``keys_required`` flag (once; a race is harmless)."""
    if session.get(models.ServiceFlag, KEYS_REQUIRED) is not None:
        return
    try:
        with session.begin_nested():
            session.add(models.ServiceFlag(name=KEYS_REQUIRED, set_at=now))
    except IntegrityError:
        pass  # a concurrent first key set it


_KEYS = models.ApiKey.__table__.c
_KEY_BY_HASH = select(
    _KEYS.id, _KEYS.prefix, _KEYS.role, _KEYS.learner_id, _KEYS.label, _KEYS.created_at,
    _KEYS.revoked,
).where(_KEYS.key_hash == bindparam("hash"))  # fmt: skip


def find_api_key(database: Database, secret: str) -> ApiKeyRecord | None:
    """The live key with this secret, or ``None`` (unknown or revoked): the auth layer's lookup,
    on every request (one prepared Core statement, no ORM row)."""
    with database.reads() as connection:
        row = connection.execute(_KEY_BY_HASH, {"hash": hash_key(secret)}).first()
    if row is None or row.revoked:
        return None
    return ApiKeyRecord(
        row.id, row.prefix, Role(row.role), row.learner_id, row.label, row.created_at, row.revoked
    )


def revoke_api_key(database: Database, key_id: str, *, now: datetime | None = None) -> ApiKeyRecord:
    """Revoke a key; the last live admin key is refused (409), so a keyed service always keeps
    an admin and never falls back to local mode by itself."""
    live_admins = (
        select(models.ApiKey.id)
        .where(models.ApiKey.role == Role.ADMIN.value, models.ApiKey.revoked.is_(False))
        .order_by(models.ApiKey.id)
        .with_for_update()  # two revocations at once see each other (Postgres; SQLite locks)
    )
    with database.session() as session:
        admins = list(session.scalars(live_admins))
        row = session.get(models.ApiKey, key_id)
        if row is None:
            raise NotFoundError(f"no API key {key_id!r}")
        if admins == [row.id]:
            raise ConflictError(
                f"refusing to revoke {row.id}, the last admin key: the service would have no "
                "admin left. Create another first (`tutor keys create --role admin`), or "
                + RESET_LOCAL_HINT
            )
        if not row.revoked:
            row.revoked = True
            row.revoked_at = now or models.utcnow()
        return ApiKeyRecord.of(row)


def has_live_keys(database: Database) -> bool:
    """Whether any unrevoked key exists."""
    with database.read_session() as session:
        found = session.scalar(
            select(models.ApiKey.id).where(models.ApiKey.revoked.is_(False)).limit(1)
        )
        return found is not None


def is_local_mode(database: Database) -> bool:
    """Whether the service runs in single-user local mode: no key was ever issued, or
    ``tutor keys reset-local`` went back to it. Revoking keys never reopens it."""
    with database.read_session() as session:
        return session.get(models.ServiceFlag, KEYS_REQUIRED) is None


def reset_local_mode(database: Database, *, now: datetime | None = None) -> list[ApiKeyRecord]:
    """Revoke every live key and reopen single-user local mode; the keys it revoked."""
    when = now or models.utcnow()
    with database.session() as session:
        live = session.scalars(select(models.ApiKey).where(models.ApiKey.revoked.is_(False)))
        revoked = []
        for row in live:
            row.revoked, row.revoked_at = True, when
            revoked.append(ApiKeyRecord.of(row))
        flag = session.get(models.ServiceFlag, KEYS_REQUIRED)
        if flag is not None:
            session.delete(flag)
        return revoked


def list_api_keys(database: Database) -> list[ApiKeyRecord]:
    """Every key (revoked ones too), oldest first; secrets are never stored, so never listed."""
    query = select(models.ApiKey).order_by(models.ApiKey.created_at, models.ApiKey.id)
    with database.session() as session:
        return [ApiKeyRecord.of(row) for row in session.scalars(query)]


def list_learners(database: Database) -> list[LearnerRecord]:
    query = select(models.Learner).order_by(models.Learner.created_at, models.Learner.id)
    with database.session() as session:
        return [LearnerRecord.of(row) for row in session.scalars(query)]


LOCAL_LEARNER = "local learner"


def local_learner(database: Database) -> str:
    """The one learner of single-user local mode (no keys yet), created on first use."""
    query = (
        select(models.Learner.id)
        .where(models.Learner.name == LOCAL_LEARNER)
        .order_by(models.Learner.created_at, models.Learner.id)
        .limit(1)
    )
    with database.session() as session:
        found = session.scalar(query)
    return found if found is not None else create_learner(database, LOCAL_LEARNER).id
