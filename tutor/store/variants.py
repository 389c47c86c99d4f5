"""Generated item variants and their review state (draft → published or rejected)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select

from tutor.errors import NotFoundError
from tutor.store import models
from tutor.store.database import Database
from tutor.store.generations import VARIANTS, bump_in
from tutor.store.records import VariantRecord, VariantStatus


def add_variant(
    database: Database,
    parent_item_id: str,
    item: Mapping[str, Any],
    *,
    provenance: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> VariantRecord:
    """Store a generated item as a draft; ``provenance`` records model, prompt and checks."""
    with database.session() as session:
        row = models.Variant(
            parent_item_id=parent_item_id,
            status=VariantStatus.DRAFT.value,
            item=dict(item),
            provenance=dict(provenance or {}),
            created_at=now or models.utcnow(),
        )
        session.add(row)
        session.flush()
        return VariantRecord.of(row)


def set_variant_status(database: Database, variant_id: str, status: VariantStatus) -> VariantRecord:
    with database.session() as session:
        row = session.get(models.Variant, variant_id, with_for_update=True)
        if row is None:
            raise NotFoundError(f"no variant {variant_id!r}")
        published = VariantStatus.PUBLISHED.value
        was, row.status = row.status, VariantStatus(status).value
        if published in (was, row.status) and was != row.status:
            bump_in(session, VARIANTS)  # replicas lay the change over their corpus
        return VariantRecord.of(row)


def get_variant(database: Database, variant_id: str) -> VariantRecord:
    with database.session() as session:
        row = session.get(models.Variant, variant_id)
        if row is None:
            raise NotFoundError(f"no variant {variant_id!r}")
        return VariantRecord.of(row)


def list_variants(
    database: Database,
    *,
    status: VariantStatus | None = None,
    parent_item_id: str | None = None,
) -> list[VariantRecord]:
    """Oldest first, so a review queue is worked in arrival order."""
    query = select(models.Variant).order_by(models.Variant.created_at, models.Variant.id)
    if status is not None:
        query = query.where(models.Variant.status == VariantStatus(status).value)
    if parent_item_id is not None:
        query = query.where(models.Variant.parent_item_id == parent_item_id)
    with database.session() as session:
        return [VariantRecord.of(row) for row in session.scalars(query)]
