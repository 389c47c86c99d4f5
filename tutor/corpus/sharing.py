"""Concepts a lesson shares with a corpus.

Lessons declare the concepts they teach, and a concept taught by two lessons must be declared
identically in both (``check_corpus``). A lesson imported from a page knows only the names in its
title, so before it joins a corpus its concepts are matched against the corpus's by id or by
name: a match takes the corpus's declaration (id, description, prerequisites) and the lesson's
passages and items follow the id.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import TypeVar

from tutor.corpus.importer import slugify
from tutor.corpus.models import Concept, Lesson

T = TypeVar("T")

__all__ = ["reuse_concepts"]


def reuse_concepts(lesson: Lesson, known: Mapping[str, Concept]) -> Lesson:
    """``lesson`` with each concept that ``known`` declares (same id, or same name written any
    way) replaced by that declaration."""
    by_key: dict[str, Concept] = {}
    for concept in known.values():
        by_key.setdefault(_key(concept.name), concept)
    by_key.update({concept.id: concept for concept in known.values()})  # an id match wins
    found: dict[str, Concept] = {}
    for concept in lesson.concepts:
        match = by_key.get(concept.id) or by_key.get(_key(concept.name))
        if match is not None:
            found[concept.id] = match
    if not found:
        return lesson
    rename = {old: new.id for old, new in found.items()}
    data = lesson.model_dump(mode="json")
    concepts = _unique((found.get(c.id, c) for c in lesson.concepts), key=lambda c: c.id)
    data["concepts"] = [c.model_dump(mode="json") for c in concepts]
    for part in (*data["passages"], *data["items"]):
        part["concepts"] = _unique((rename.get(c, c) for c in part["concepts"]), key=str)
    return Lesson.model_validate(data)


def _key(name: str) -> str:
    return slugify(name)


def _unique(values: Iterable[T], key: Callable[[T], Hashable]) -> list[T]:
    """``values`` in order without repeats: two concepts of a page may be one in the corpus."""
    seen: set[Hashable] = set()
    kept = []
    for value in values:
        if key(value) not in seen:
            seen.add(key(value))
            kept.append(value)
    return kept
