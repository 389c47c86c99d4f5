"""Grades already given: the same item and the same normalised answer are graded once.

A key covers everything a grade depends on: the engine and its version (model, prompt
``name@version``, samples, offline artifact, detector), the question, references, rubric and
graded examples, and the answer normalised for Unicode (NFKC), case and whitespace. Invisible
characters are kept: an answer hiding text in them is a different answer.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
import unicodedata
from contextlib import closing
from pathlib import Path
from typing import Protocol

from pydantic import ValidationError

from tutor.config import Settings
from tutor.grading.models import Grade, GradeRequest

FILE_NAME = "grades.sqlite3"


class GradeCache(Protocol):
    def get(self, key: str) -> Grade | None: ...

    def put(self, key: str, grade: Grade) -> None: ...


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

    def __len__(self) -> int:
        return len(self._grades)


class SQLiteGradeCache:
    """One SQLite file; a connection per operation, so it is safe from any thread."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as conn, conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS grades ("
                " key TEXT PRIMARY KEY, grade TEXT NOT NULL, created REAL NOT NULL)"
            )

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10)

    def get(self, key: str) -> Grade | None:
        with closing(self._connect()) as conn:
            row = conn.execute("SELECT grade FROM grades WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        try:
            return Grade.model_validate_json(row[0])
        except ValidationError:  # written under an older Grade: a miss, overwritten on put
            return None

    def put(self, key: str, grade: Grade) -> None:
        with closing(self._connect()) as conn, conn:
            conn.execute(
                "INSERT OR REPLACE INTO grades (key, grade, created) VALUES (?, ?, ?)",
                (key, grade.model_dump_json(), time.time()),
            )

    def __len__(self) -> int:
        with closing(self._connect()) as conn:
            (count,) = conn.execute("SELECT COUNT(*) FROM grades").fetchone()
        return int(count)


def cache_from_settings(settings: Settings) -> GradeCache | None:
    """``TUTOR_GRADE_CACHE``: sqlite (``<data_dir>/grades.sqlite3``, the default), memory, off."""
    if settings.grade_cache == "sqlite":
        return SQLiteGradeCache(settings.data_dir / FILE_NAME)
    if settings.grade_cache == "memory":
        return MemoryGradeCache()
    return None
