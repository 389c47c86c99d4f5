"""Hint levels for items with a single hint (imported pages give one): each level adds
something, and a hint written without a final period still reads as sentences."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tutor.corpus import Corpus
from tutor.engines import OfflineEngine
from tutor.retrieval import MiniLMEmbedder, PassageIndex
from tutor.store import Database
from tutor.tutoring import Tutor

ONE_HINT = "Count the concrete facts each option gives a million readers"


def with_hints(corpus: Corpus, item_id: str, hints: list[str]) -> Corpus:
    lesson, _ = corpus.item(item_id)
    changed = lesson.model_copy(
        update={
            "items": [
                i.model_copy(update={"hints": hints}) if i.id == item_id else i
                for i in lesson.items
            ]
        }
    )
    return replace(corpus, lessons={**corpus.lessons, lesson.id: changed})


@pytest.fixture
def one_hint_tutor(
    embedder: MiniLMEmbedder,
    starter_corpus: Corpus,
    starter_index: PassageIndex,
    database: Database,
) -> Tutor:
    corpus = with_hints(starter_corpus, "pb-01", [ONE_HINT])
    return Tutor(OfflineEngine(embedder, corpus), corpus, starter_index, database)


def body(hint: str) -> str:
    return hint.split("): ", 1)[1]


async def test_levels_one_and_two_differ_when_an_item_has_one_hint(one_hint_tutor: Tutor) -> None:
    first = body((await one_hint_tutor.hint("pb-01", 1)).hint)
    second = body((await one_hint_tutor.hint("pb-01", 2)).hint)
    assert first != second
    assert ONE_HINT in first
    assert ONE_HINT not in second  # level 2 adds a strategy instead of repeating the nudge
    assert "common mistake" in second


async def test_a_hint_without_a_period_is_ended_before_the_next_sentence(
    one_hint_tutor: Tutor,
) -> None:
    first = body((await one_hint_tutor.hint("pb-01", 1)).hint)
    assert first.startswith(f"{ONE_HINT}. Concepts involved: ")
    assert "readers This" not in first
