"""The ``tutor`` command line: a thin layer over the same services the API uses."""

from __future__ import annotations

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
    app()
