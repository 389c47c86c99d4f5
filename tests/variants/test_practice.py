"""Published variants laid over the corpus: placement and what is left out."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tutor.corpus import Corpus
from tutor.store import VariantRecord, VariantStatus
from tutor.variants.practice import with_variants


def _record(parent: str, item: dict[str, Any], n: int = 0) -> VariantRecord:
    return VariantRecord(
        f"v{n}", parent, VariantStatus.PUBLISHED, item, {}, datetime(2026, 1, 1, tzinfo=UTC)
    )


def test_variants_follow_their_parent_and_broken_ones_are_left_out(
    starter_corpus: Corpus,
) -> None:
    lesson, parent = starter_corpus.item("fsp-01")
    good = {**parent.model_dump(mode="json"), "id": "fsp-01-vgood", "stem": "A new stem?"}
    taken = {**good, "id": lesson.items[1].id}  # an id the corpus already uses
    invalid = {**good, "id": "fsp-01-vbad", "answer": ""}
    orphan = {**good, "id": "gone-vx"}
    records = [
        _record("fsp-01", good, 1),
        _record("fsp-01", taken, 2),
        _record("fsp-01", invalid, 3),
        _record("no-such-item", orphan, 4),
    ]

    merged = with_variants(starter_corpus.lessons, records)

    ids = [item.id for item in merged[lesson.id].items]
    position = ids.index("fsp-01")
    assert ids[position + 1] == "fsp-01-vgood"
    assert ids.count(lesson.items[1].id) == 1
    assert "fsp-01-vbad" not in ids and "gone-vx" not in ids
    assert len(ids) == len(lesson.items) + 1
    assert starter_corpus.lessons[lesson.id].items == lesson.items  # the files' lesson is kept
    untouched = [lid for lid in merged if lid != lesson.id]
    assert all(merged[lid] is starter_corpus.lessons[lid] for lid in untouched)
