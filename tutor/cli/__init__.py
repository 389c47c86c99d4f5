"""The ``tutor`` command line: a thin layer over the same services the API uses."""

from __future__ import annotations

import gc
import sys

from tutor.cli import (
    corpus_commands,
    eval_commands,
    grade_commands,
    learner_commands,
    progress_commands,
    retrieval_commands,
    serve_command,
    store_commands,
    tutoring_commands,
    variant_commands,
)
from tutor.cli.app import app

__all__ = [
    "app",
    "corpus_commands",
    "eval_commands",
    "grade_commands",
    "learner_commands",
    "main",
    "progress_commands",
    "retrieval_commands",
    "serve_command",
    "store_commands",
    "tutoring_commands",
    "variant_commands",
]


def main() -> None:
    """The ``tutor`` console script. ``tutor serve`` first re-runs itself in place with fewer
    malloc arenas (:mod:`tutor.malloc_arenas`); that happens here, in the process's own entry
    point, never when the app is invoked in-process (tests, embedding), where replacing the
    process would replace its host."""
    if _command(sys.argv[1:]) == "serve":
        from tutor.malloc_arenas import with_capped_arenas

        with_capped_arenas()
    try:
        app()
    finally:
        # On its way out Python collects garbage over every object still alive (litellm's
        # tables, the models, pydantic's schemas): 2-4 s of CPU after the command is done,
        # which also delayed Ctrl-C's exit (issue 15). Frozen, they are left to the OS.
        gc.freeze()


def _command(args: list[str]) -> str | None:
    """The subcommand named on the command line (the first word that is not an option)."""
    return next((a for a in args if not a.startswith("-")), None)
