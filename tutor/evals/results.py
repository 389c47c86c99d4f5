"""A run on disk: ``run.json`` (what was run), ``results.jsonl`` (one graded answer a line,
appended as grades arrive, so an interrupted run resumes), ``figures.json`` and
``report.html``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tutor.errors import BadRequestError, NotFoundError
from tutor.evals.cases import SchemeKind
from tutor.grading.models import Grade

RESULTS, MANIFEST, FIGURES, REPORT = "results.jsonl", "run.json", "figures.json", "report.html"


class Result(BaseModel):
    """One grade of one variant of one case, in one repeat (or why it has none)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str  # "<variant>@<repeat>"
    variant: str
    case: str
    question_id: str
    check: str  # base | paraphrase | format | order | injection | verbosity
    rule: str = ""  # the rewrite, attack or padding that made the variant
    repeat: int = 0
    group: str | None = None
    kind: str = "answer"
    answer: str
    truth: float | None
    grade: Grade | None = None
    error: str | None = None
    seconds: float = 0.0


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    dataset: str
    grader: str  # "offline" or the model
    version: str  # grader artifact or prompt name@version
    scheme: SchemeKind
    scale: float = 1.0
    repeats: int = 1
    checks: list[str] = Field(default_factory=list)
    seed: int = 0


class RunDir:
    def __init__(self, path: Path) -> None:
        self.path = path

    def file(self, name: str) -> Path:
        return self.path / name

    def start(self, manifest: Manifest, *, fresh: bool = False) -> None:
        """Create the folder, or check that it holds a run of the same grader and data."""
        self.path.mkdir(parents=True, exist_ok=True)
        old = self.file(MANIFEST)
        if fresh:
            for name in (RESULTS, FIGURES, REPORT):
                self.file(name).unlink(missing_ok=True)
        elif old.is_file() and self.file(RESULTS).is_file():
            previous = Manifest.model_validate_json(old.read_text(encoding="utf-8"))
            keys = ("dataset", "grader", "version", "scheme")
            clash = [k for k in keys if getattr(previous, k) != getattr(manifest, k)]
            if clash:
                raise BadRequestError(
                    f"{self.path} holds a run with another {', '.join(clash)} "
                    f"({', '.join(str(getattr(previous, k)) for k in clash)}); "
                    "pass --fresh to start over, or use another --report folder"
                )
        old.write_text(manifest.model_dump_json(indent=2) + "\n", encoding="utf-8")
        results = self.file(RESULTS)
        if (
            results.is_file()
            and not results.read_bytes().endswith(b"\n")
            and results.stat().st_size
        ):
            with results.open("a", encoding="utf-8") as handle:
                handle.write("\n")  # end a line torn by an interruption before appending

    def manifest(self) -> Manifest:
        path = self.file(MANIFEST)
        if not path.is_file():
            raise NotFoundError(f"{self.path} is not an eval run (no {MANIFEST})")
        return Manifest.model_validate_json(path.read_text(encoding="utf-8"))

    def results(self) -> dict[str, Result]:
        """Every stored result by id, the latest line winning; a torn last line is skipped."""
        path = self.file(RESULTS)
        out: dict[str, Result] = {}
        if not path.is_file():
            return out
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                result = Result.model_validate_json(line)
            except ValidationError:
                continue  # a line cut short by an interruption
            out[result.id] = result
        return out

    def append(self, results: list[Result]) -> None:
        with self.appending() as append:
            append(results)

    @contextmanager
    def appending(self) -> Iterator[Callable[[list[Result]], None]]:
        """``append`` with the results file opened once for a whole run: each batch is still
        written and flushed as it arrives (opening the file per batch was ~4% of an LLM run's
        event loop)."""
        with self.file(RESULTS).open("a", encoding="utf-8") as handle:

            def append(results: list[Result]) -> None:
                handle.writelines(r.model_dump_json() + "\n" for r in results)
                handle.flush()

            yield append

    def write_figures(self, figures: dict[str, Any]) -> Path:
        path = self.file(FIGURES)
        path.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return path
