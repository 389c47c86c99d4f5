"""Grades already given: the same item and the same normalised answer are graded once.

A key covers everything a grade depends on: the engine and its version (model, prompt
``name@version``, samples, offline artifact, detector), the question, references, rubric and
graded examples, and the answer normalised for Unicode (NFKC), case and whitespace. Invisible
characters are kept: an answer hiding text in them is a different answer.

``TUTOR_GRADE_CACHE``: ``database`` (the default) keeps grades in the service's database
(``grade_cache``, :class:`tutor.store.caches.CacheTable`), shared by every replica and bounded
in age and rows; ``memory`` in the process; ``off`` keeps none, and then no grade is reused.
Its methods block on the database: the grading service calls them in a worker thread, a whole
request's keys in one query and its new grades in one transaction.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Sequence
from typing import Protocol

from tutor.config import Settings
from tutor.grading.models import Grade, GradeRequest
from tutor.store import Database
from tutor.store.caches import CacheTable, decoded
from tutor.store.models import GradeCacheEntry


class GradeCache(Protocol):
    """``get_many``/``put_many`` take a whole request's grades at once (one query)."""

    def get(self, key: str) -> Grade | None: ...

    def put(self, key: str, grade: Grade) -> None: ...

    def get_many(self, keys: Sequence[str]) -> list[Grade | None]: ...

    def put_many(self, grades: Sequence[tuple[str, Grade]]) -> None: ...


def normalise_answer(answer: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", answer).casefold().split())


def grade_key(engine: str, request: GradeRequest) -> str:
    """sha256 over ``engine`` (all its versions) and the request, with the answer normalised."""
    payload = {
        "v": 1,
        "engine": engine,
        **request.model_dump(mode="json", exclude={"answer"}),
        "answer": normalise_answer(request.answer),
    }
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class MemoryGradeCache:
    def __init__(self) -> None:
        self._grades: dict[str, Grade] = {}

    def get(self, key: str) -> Grade | None:
        return self._grades.get(key)

    def put(self, key: str, grade: Grade) -> None:
        self._grades[key] = grade

    def get_many(self, keys: Sequence[str]) -> list[Grade | None]:
        return [self._grades.get(key) for key in keys]

    def put_many(self, grades: Sequence[tuple[str, Grade]]) -> None:
        self._grades.update(grades)

    def __len__(self) -> int:
        return len(self._grades)


class DatabaseGradeCache:
    """Grades in the ``grade_cache`` table, shared by every replica on the database."""

    def __init__(self, table: CacheTable) -> None:
        self.table = table

    @classmethod
    def from_settings(
        cls, settings: Settings, database: Database | None = None
    ) -> DatabaseGradeCache:
        """On ``database``, or on the configured one, opened (and migrated) on first use."""
        return cls(CacheTable.from_settings(settings, GradeCacheEntry, database))

    def get_many(self, keys: Sequence[str]) -> list[Grade | None]:
        stored = self.table.get_many(keys)
        return [decoded(Grade, stored.get(key)) for key in keys]

    def put_many(self, grades: Sequence[tuple[str, Grade]]) -> None:
        self.table.put_many([(key, grade.model_dump_json()) for key, grade in grades])

    def get(self, key: str) -> Grade | None:
        return self.get_many([key])[0]

    def put(self, key: str, grade: Grade) -> None:
        self.put_many([(key, grade)])

    def __len__(self) -> int:
        return len(self.table)


def cache_from_settings(settings: Settings, database: Database | None = None) -> GradeCache | None:
    """``TUTOR_GRADE_CACHE``: database (the default), memory, or off."""
    if settings.grade_cache == "off":
        return None
    if settings.grade_cache == "memory":
        return MemoryGradeCache()
    return DatabaseGradeCache.from_settings(settings, database)  # database (also the old "sqlite")
