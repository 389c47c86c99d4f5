"""The review queue over the store: list drafts, publish or reject them, and their JSON shape.

A variant is stored as a draft; a teacher publishes it (it becomes usable practice) or rejects
it (it stays stored, so the generator never proposes the same question again).
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from tutor.corpus import Item
from tutor.errors import ConflictError
from tutor.store import (
    Database,
    VariantRecord,
    VariantStatus,
    get_variant,
    list_variants,
    set_variant_status,
)


def review_queue(
    database: Database, status: VariantStatus | None = None, parent_item_id: str | None = None
) -> list[VariantRecord]:
    """Oldest first, so the queue is worked in arrival order."""
    return list_variants(database, status=status, parent_item_id=parent_item_id)


def publish(database: Database, variant_id: str) -> VariantRecord:
    """Publish a variant, after checking that what is stored is still a valid item."""
    record = get_variant(database, variant_id)
    try:
        Item.model_validate(record.item)
    except ValidationError as exc:
        raise ConflictError(f"variant {variant_id} is not a valid item any more: {exc}") from exc
    return set_variant_status(database, variant_id, VariantStatus.PUBLISHED)


def reject(database: Database, variant_id: str) -> VariantRecord:
    return set_variant_status(database, variant_id, VariantStatus.REJECTED)


def variant_json(record: VariantRecord) -> dict[str, Any]:
    """One variant as the API returns it and ``tutor variants … --json`` prints it."""
    return {
        "id": record.id,
        "parent_item_id": record.parent_item_id,
        "status": record.status.value,
        "item": record.item,
        "provenance": record.provenance,
        "created_at": record.created_at.isoformat(),
    }
