"""Reading lesson files, with every problem traced to a file, a line and a field."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from tutor.corpus.models import Lesson

LESSON_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a lesson file; ``severity`` is ``error`` or ``warning``."""

    file: str
    line: int | None
    field: str
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        field = f" [{self.field}]" if self.field else ""
        return f"{where}:{field} {self.message}"


@dataclass(frozen=True)
class LoadResult:
    lesson: Lesson | None
    problems: list[Problem]
    node: yaml.Node | None = None  # the file's YAML tree, to point at the line of a field

    def line_of(self, *loc: str | int) -> int | None:
        """The line of field ``loc`` (``"concepts", 0``) in the file, when it was parsed."""
        return _line_of(self.node, loc)


def lesson_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*") if p.suffix in LESSON_SUFFIXES and p.is_file())


def load_lesson_file(path: Path) -> LoadResult:
    """Parse and validate one file; never raises for bad content, returns the problems."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return LoadResult(None, [Problem(name, None, "", f"cannot read file: {exc}")])
    return parse_lesson(text, name)


def parse_lesson(text: str, name: str = "<lesson>") -> LoadResult:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        return LoadResult(None, [Problem(name, line, "", f"not valid YAML: {exc}")])
    if not isinstance(data, dict):
        return LoadResult(None, [Problem(name, 1, "", "a lesson file must be a YAML mapping")])
    try:
        return LoadResult(Lesson.model_validate(data), [], node)
    except ValidationError as exc:
        problems = [
            Problem(name, _line_of(node, err["loc"]), _dotted(err["loc"]), err["msg"])
            for err in exc.errors()
        ]
        return LoadResult(None, problems, node)


def _dotted(loc: Iterable[Any]) -> str:
    return ".".join(str(part) for part in loc)


def _line_of(node: yaml.Node | None, loc: Iterable[Any]) -> int | None:
    """The line of the deepest YAML node that the error location reaches."""
    if node is None:
        return None
    best = node
    for part in loc:
        child = _child(best, part)
        if child is None:
            break
        best = child
    return best.start_mark.line + 1


def _child(node: yaml.Node, part: Any) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                found: yaml.Node = value
                return found
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
        child: yaml.Node = node.value[part]
        return child
    return None
