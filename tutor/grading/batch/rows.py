"""Reading batch files: answer rows in, grade rows out (``{"id": ..., **Grade}``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from tutor.errors import BadRequestError, NotFoundError, validation_message
from tutor.grading.service import MAX_ANSWER_CHARS

M = TypeVar("M", bound=BaseModel)


class _Reference(BaseModel):
    model_config = ConfigDict(extra="ignore")
    text: str | None = None


class AnswerRow(BaseModel):
    """One input line; fields beyond these (label, split, corpus, ...) are ignored."""

    model_config = ConfigDict(extra="ignore")

    id: str = Field(min_length=1)
    question: str = Field(min_length=1)
    reference_answer: str = Field(min_length=1)
    student_answer: str
    question_id: str | None = None
    reference_answers_all: list[_Reference] | None = None

    @field_validator("id", "question_id", mode="before")
    @classmethod
    def _text_id(cls, value: object) -> object:
        number = isinstance(value, int | float) and not isinstance(value, bool)
        return str(value) if number else value

    @field_validator("question", "reference_answer")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        """A blank key grades nothing: every answer came out incorrect, confidently."""
        if not value.strip():
            raise ValueError("is blank")
        return value

    @property
    def references(self) -> list[str]:
        listed = [r.text for r in self.reference_answers_all or [] if r.text and r.text.strip()]
        return list(dict.fromkeys(listed or [self.reference_answer]))


def read_rows(path: Path, model: type[M]) -> list[tuple[int, M]]:
    """Every non-blank line as ``model``, with its line number; the first bad line is an error."""
    if not path.is_file():
        raise NotFoundError(f"no input file at {path}")
    rows = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                rows.append((number, model.model_validate_json(line)))
            except ValidationError as exc:
                raise BadRequestError(f"{path}:{number}: {_problem(exc)}") from None
    return rows


def _problem(exc: ValidationError) -> str:
    error = exc.errors(include_url=False, include_input=False)[0]
    if error["type"] == "json_invalid":
        return f"not valid JSON ({error['msg']})"
    where = ".".join(str(p) for p in error["loc"]) or "the row"
    return f"{where}: {validation_message(error['msg'])}"


def read_answers(path: Path) -> list[AnswerRow]:
    rows: list[AnswerRow] = []
    first: dict[str, int] = {}
    for number, row in read_rows(path, AnswerRow):
        if row.id in first:
            raise BadRequestError(f"{path}:{number}: id {row.id!r} repeats line {first[row.id]}")
        if len(row.student_answer) > MAX_ANSWER_CHARS:
            raise BadRequestError(
                f"{path}:{number}: student_answer is {len(row.student_answer):,} characters "
                f"long; answers are limited to {MAX_ANSWER_CHARS:,}"
            )
        first[row.id] = number
        rows.append(row)
    return rows


def graded_ids(out: Path) -> set[str]:
    """Ids already in ``out``; a torn last line (an interrupted write) is cut off."""
    if not out.is_file():
        return set()
    text = out.read_text(encoding="utf-8")
    lines = text.split("\n")
    done: set[str] = set()
    for number, line in enumerate(lines[:-1], start=1):
        if line.strip():
            done.add(_row_id(out, number, line))
    if lines[-1].strip():  # no newline at the end: keep the row if whole, else drop it
        try:
            done.add(_row_id(out, len(lines), lines[-1]))
            out.write_text(text + "\n", encoding="utf-8")
        except BadRequestError:
            out.write_text(text[: len(text) - len(lines[-1])], encoding="utf-8")
    return done


def _row_id(out: Path, number: int, line: str) -> str:
    try:
        return str(json.loads(line)["id"])
    except (ValueError, KeyError, TypeError):
        raise BadRequestError(
            f"{out}:{number}: not a grade row; fix or remove that line, or choose another --out"
        ) from None
