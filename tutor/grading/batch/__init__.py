"""Batch grading: a JSONL file of answers in, a JSONL file of grades out; resumable.

Input rows have the fields of the public short-answer sets (``shared/data/asag/README.md``):
``id``, ``question``, ``reference_answer`` (or ``reference_answers_all``), ``student_answer``,
optionally ``question_id``. Output rows are ``{"id": ..., **Grade}``, appended as each batch of
grades arrives, so an interrupted run loses nothing and a rerun skips the ids already written;
a run that ends puts the file's rows in input order. Identical requests in a file are graded
once (with the cache off too). Every input line is checked before anything is graded; a bad
line is an error naming it. A run can spread over worker processes (``processes.py``).
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from tutor.errors import ConfigurationError, TutorError
from tutor.grading.batch.examples import ExampleBank, ExampleRow, label_score, load_examples
from tutor.grading.batch.processes import Spread, WorkerPool, Workers
from tutor.grading.batch.rows import AnswerRow, graded_ids, read_answers
from tutor.grading.cache import grade_key
from tutor.grading.models import Flag, Grade, GradedExample, GradeRequest
from tutor.grading.service import GradingService

__all__ = [
    "AnswerRow",
    "BatchReport",
    "ExampleBank",
    "ExampleRow",
    "WorkerPool",
    "Workers",
    "batch_grader",
    "grade_file",
    "graded_ids",
    "label_score",
    "load_examples",
    "read_answers",
]

OFFLINE_CHUNK = 32  # answers per offline call (one embedding pass each)
Examples = Callable[[AnswerRow], Sequence[GradedExample]]


@dataclass
class BatchReport:
    total: int
    skipped: int  # already in the output
    graded: int = 0
    verdicts: dict[str, int] = field(default_factory=dict)
    needs_review: int = 0
    failed: dict[str, str] = field(default_factory=dict)  # id -> error; retried next run


def _no_examples(row: AnswerRow) -> Sequence[GradedExample]:
    return ()


def batch_grader(service: GradingService) -> Callable[[list[GradeRequest]], Awaitable[list[Grade]]]:
    """How a batch grades a chunk of requests, here and in a worker process: no offline
    stand-in (a batch is graded by one engine; a rerun retries what the model failed)."""
    return functools.partial(service.grade_many, fallback=False)


async def grade_file(
    service: GradingService,
    rows: Sequence[AnswerRow],
    out: Path,
    *,
    examples: Examples = _no_examples,
    concurrency: int = 8,
    on_graded: Callable[[int], None] | None = None,
    pool: WorkerPool | None = None,
) -> BatchReport:
    """Grade every row whose id is not in ``out`` yet, ``concurrency`` calls in flight over
    this process and the ``pool``'s worker processes.

    Rows whose requests are identical (the grade cache's key: same question, references,
    examples and normalised answer) are graded once, and the grade is written for each."""
    done = graded_ids(out)
    todo = [r for r in rows if r.id not in done]
    report = BatchReport(total=len(rows), skipped=len(rows) - len(todo))
    groups: dict[str, tuple[GradeRequest, list[AnswerRow]]] = {}
    for row in todo:
        request = _request(row, examples(row))
        groups.setdefault(grade_key(service.version, request), (request, []))[1].append(row)
    size = OFFLINE_CHUNK if service.llm is None else 1
    distinct = list(groups.values())
    queue: asyncio.Queue[list[tuple[GradeRequest, list[AnswerRow]]]] = asyncio.Queue()
    for start in range(0, len(distinct), size):
        queue.put_nowait(distinct[start : start + size])
    out.parent.mkdir(parents=True, exist_ok=True)
    stop: list[ConfigurationError] = []  # a setting to fix: every worker stops after its chunk
    async with Spread(batch_grader(service), pool) as spread:
        with _appending(out, rows) as sink:

            async def worker() -> None:
                while not queue.empty() and not stop:
                    chunk = queue.get_nowait()
                    chunk_rows = [row for _, same in chunk for row in same]
                    try:
                        grades = await spread([r for r, _ in chunk])
                    except ConfigurationError as exc:
                        stop.append(exc)
                        return
                    except TutorError as exc:  # the model failed: nothing written, retried next run
                        report.failed.update((row.id, exc.message) for row in chunk_rows)
                    else:
                        each = [g for (_, same), g in zip(chunk, grades, strict=True) for _ in same]
                        sink.writelines(
                            _line(r.id, g) for r, g in zip(chunk_rows, each, strict=True)
                        )
                        sink.flush()
                        _count(report, each)
                    if on_graded is not None:
                        on_graded(len(chunk_rows))

            await asyncio.gather(*(worker() for _ in range(max(1, concurrency))))
    if stop:
        raise stop[0]
    return report


@contextmanager
def _appending(out: Path, rows: Sequence[AnswerRow]) -> Iterator[TextIO]:
    """``out`` open for appending; after a run that ended without an error its rows are put
    in the order of ``rows`` (rows of other ids after them, as they were)."""
    with out.open("a", encoding="utf-8") as sink:
        yield sink
    _in_input_order(out, rows)


def _in_input_order(out: Path, rows: Sequence[AnswerRow]) -> None:
    """Rewritten aside and renamed over ``out``, so an interruption leaves it whole."""
    place = {row.id: i for i, row in enumerate(rows)}
    lines = [line for line in out.read_text(encoding="utf-8").splitlines(True) if line.strip()]
    ordered = sorted(lines, key=lambda line: place.get(str(json.loads(line)["id"]), len(place)))
    if ordered != lines:
        aside = out.with_name(out.name + ".sorting")
        aside.write_text("".join(ordered), encoding="utf-8")
        os.replace(aside, out)


def _request(row: AnswerRow, examples: Sequence[GradedExample]) -> GradeRequest:
    return GradeRequest(
        question=row.question,
        references=row.references,
        answer=row.student_answer,
        examples=list(examples),
    )


def _line(row_id: str, grade: Grade) -> str:
    data: dict[str, Any] = {"id": row_id, **grade.model_dump(mode="json")}
    return json.dumps(data, ensure_ascii=False) + "\n"


def _count(report: BatchReport, grades: Sequence[Grade]) -> None:
    for grade in grades:
        report.graded += 1
        report.verdicts[grade.verdict.value] = report.verdicts.get(grade.verdict.value, 0) + 1
        report.needs_review += Flag.NEEDS_REVIEW in grade.flags
