"""The typer application that the command modules attach to."""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperGroup

from tutor.cli.output import fail
from tutor.errors import TutorError


class _ErrorsAsLines(TyperGroup):
    """Any ``TutorError`` raised by a command becomes one ``error:`` line and exit code 1."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except TutorError as exc:
            fail(exc.message)


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
