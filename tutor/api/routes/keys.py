"""API keys (admins only): create one (its secret is shown once), list them, revoke one."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from tutor.api.auth import admin
from tutor.api.deps import ServicesDep
from tutor.api.openapi import error_responses
from tutor.store import (
    ApiKeyRecord,
    Database,
    IssuedKey,
    Role,
    issue_key,
    list_api_keys,
    revoke_api_key,
)

router = APIRouter(prefix="/v1/keys", tags=["keys"], dependencies=[Depends(admin)])
Label = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]


class KeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role
    learner_id: str | None = Field(
        default=None,
        description="For a learner key: its learner, created with this id when it does not "
        "exist (default: a new learner); `local` is the single-user learner.",
    )
    learner_name: Label = Field(default="", description="The name of a new learner.")
    label: Label = ""


class KeyPublic(BaseModel):
    id: str
    prefix: str = Field(description="The key's first characters, to tell keys apart.")
    role: Role
    learner_id: str | None
    label: str
    created_at: datetime
    revoked: bool


class KeyIssued(KeyPublic):
    key: str = Field(description="The secret: shown this once, only its hash is stored.")


def key_public(record: ApiKeyRecord) -> KeyPublic:
    return KeyPublic(**vars(record))


def _issue(database: Database, body: KeyCreate) -> IssuedKey:
    return issue_key(
        database, body.role, learner_id=body.learner_id, learner_name=body.learner_name,
        label=body.label,
    )  # fmt: skip


@router.post("", status_code=201, responses=error_responses(400, 404))
async def create(body: KeyCreate, services: ServicesDep) -> KeyIssued:
    """A new key. Creating the first key ends single-user local mode: from then on every
    request needs a key."""
    issued = await asyncio.to_thread(_issue, services.database, body)
    return KeyIssued(**vars(issued.record), key=issued.secret)


@router.get("")
async def list_all(services: ServicesDep) -> list[KeyPublic]:
    return [key_public(r) for r in await asyncio.to_thread(list_api_keys, services.database)]


@router.delete("/{key_id}", responses=error_responses(404, 409))
async def revoke(key_id: str, services: ServicesDep) -> KeyPublic:
    """Revoke a key at once; its requests get 401 from then on."""
    revoked = await asyncio.to_thread(revoke_api_key, services.database, key_id)
    services.known_keys.forget()  # at once here; other processes within RECHECK_SECONDS
    return key_public(revoked)
