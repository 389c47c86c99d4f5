"""Who is calling: API keys with roles, and the single-user local mode.

Requests authenticate with ``Authorization: Bearer KEY``. Roles nest: an admin may do what a
teacher may, and a teacher what a learner may, except that only a key tied to a learner can act
*as* a learner (submit attempts, start quizzes). A learner key reaches only its own learner's
data.

Until the first key is issued the service runs in single-user local mode: every request from a
loopback address is the one local learner, with every permission, and any ``Authorization``
header is ignored (the ``openai`` client always sends one). Requests from other addresses are
refused even then, and ``tutor serve`` refuses to bind a non-loopback address in local mode, so
local mode never opens the service to a network. Creating the first key ends local mode at once
and for good: revoking keys never reopens it (the last admin key cannot be revoked); only
``tutor keys reset-local`` does.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Annotated, cast

from fastapi import Depends, Request

from tutor.api.deps import ServicesDep
from tutor.api.local_mode import check_local
from tutor.errors import ForbiddenError, UnauthorizedError
from tutor.store import Role, find_api_key, has_live_keys, is_local_mode
from tutor.store.accounts import RESET_LOCAL_HINT

CREATE_KEY_HINT = "create one with `tutor keys create --role admin` (or --role learner)"
_RANK = {Role.LEARNER: 0, Role.TEACHER: 1, Role.ADMIN: 2}


@dataclass(frozen=True)
class Principal:
    """The caller: a key's role and learner, or the local user of single-user mode."""

    role: Role
    learner_id: str | None = None
    key_id: str | None = None
    local: bool = False

    def has(self, role: Role) -> bool:
        return _RANK[self.role] >= _RANK[role]

    def can_read(self, learner_id: str | None) -> bool:
        """Teachers and admins read every learner's data; a learner only their own."""
        return self.has(Role.TEACHER) or (learner_id is not None and learner_id == self.learner_id)

    def require(self, role: Role) -> None:
        if not self.has(role):
            raise ForbiddenError(f"this needs a {role.value} key; yours is a {self.role.value} key")

    def require_learner(self, learner_id: str) -> None:
        """403 unless the caller may read ``learner_id``'s data."""
        if not self.can_read(learner_id):
            raise ForbiddenError("a learner key reaches only its own learner's data")

    def acting_learner(self) -> str:
        """The learner this caller practises as: a teacher or admin key without one cannot."""
        if self.learner_id is None:
            raise ForbiddenError(
                f"a {self.role.value} key has no learner: practise with a learner key "
                "(`tutor keys create --role learner`)"
            )
        return self.learner_id


def _bearer(header: str | None) -> str | None:
    """The key of a ``Bearer KEY`` header; None for no header or another scheme."""
    scheme, _, token = (header or "").partition(" ")
    return (token.strip() or None) if scheme.lower() == "bearer" else None


def _resolve(request: Request, services: ServicesDep, epoch: int) -> Principal:
    database = services.database
    header = request.headers.get("authorization")
    secret = _bearer(header)
    record = find_api_key(database, secret) if secret else None
    if secret and record is not None:  # one lookup for a good key, the usual case
        principal = Principal(record.role, record.learner_id, record.id)
        services.known_keys.put(secret, principal, epoch)
        return principal
    if is_local_mode(database):
        refusal = "this service has no API keys yet and answers only local requests; "
        check_local(request, services.settings.trusted_proxies, refusal + CREATE_KEY_HINT)
        return Principal(Role.ADMIN, services.local_learner_id, local=True)
    if not has_live_keys(database):
        raise UnauthorizedError(
            f"every API key of this service is revoked: {CREATE_KEY_HINT}, or {RESET_LOCAL_HINT}"
        )
    if header is None:
        raise UnauthorizedError("missing API key: send `Authorization: Bearer KEY`")
    if secret is None:
        raise UnauthorizedError("send the key as `Authorization: Bearer KEY`")
    raise UnauthorizedError("unknown or revoked API key")


async def get_principal(request: Request, services: ServicesDep) -> Principal:
    """A key found good before is known without a database call or a worker thread, until a
    key is revoked anywhere (:mod:`tutor.api.known_keys`); anything else is looked up."""
    secret = _bearer(request.headers.get("authorization"))
    if secret is not None and (known := services.known_keys.get(secret)) is not None:
        return cast(Principal, known)
    epoch = services.known_keys.epoch
    return await asyncio.to_thread(_resolve, request, services, epoch)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


async def teacher(principal: PrincipalDep) -> Principal:
    """A dependency: the caller, if a teacher or admin (403 otherwise)."""
    principal.require(Role.TEACHER)
    return principal


async def admin(principal: PrincipalDep) -> Principal:
    """A dependency: the caller, if an admin (403 otherwise)."""
    principal.require(Role.ADMIN)
    return principal


TeacherDep = Annotated[Principal, Depends(teacher)]
AdminDep = Annotated[Principal, Depends(admin)]
