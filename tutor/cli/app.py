"""The typer application that the command modules attach to."""

from __future__ import annotations

from typing import Any

import typer
from pydantic import ValidationError
from typer.core import TyperGroup

from tutor.cli.output import fail
from tutor.config import Settings
from tutor.errors import TutorError


class _ErrorsAsLines(TyperGroup):
    """Any ``TutorError`` raised by a command, or a ``TUTOR_*`` setting that does not
    validate, becomes one ``error:`` line and exit code 1."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except TutorError as exc:
            fail(exc.message)
        except ValidationError as exc:
            if exc.title != Settings.__name__:
                raise
            fail(_settings_problems(exc))


def _settings_problems(exc: ValidationError) -> str:
    """``TUTOR_LLM_CACHE='redis': Input should be 'database', 'memory' or 'off'``, ..."""
    problems = []
    for error in exc.errors(include_url=False):
        name = "TUTOR_" + "_".join(str(part) for part in error["loc"][:1]).upper()
        problems.append(f"{name}={error.get('input')!r}: {error['msg']}")
    return "; ".join(problems)


app = typer.Typer(
    name="tutor",
    cls=_ErrorsAsLines,
    help="An adaptive tutor over a lesson corpus: index lessons, search, serve the API.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
corpus_app = typer.Typer(help="Check lesson files.", no_args_is_help=True)
app.add_typer(corpus_app, name="corpus")
