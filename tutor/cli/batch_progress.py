"""The progress bar of batch runs (``grade --batch``, ``eval grading``): answers done, answers
per second, and the tokens and cost the model calls took so far.

It draws on stderr, and only when stderr is a terminal and no ``--json`` was asked for, so
what a program reads (the JSON document on stdout, the output files) never holds any of it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TimeRemainingColumn,
)
from rich.text import Text

from tutor.cli.output import err_console
from tutor.llm import UsageLedger


class RateColumn(ProgressColumn):
    """Answers per second over the last half minute (rich's own speed estimate)."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("" if speed is None else f"{speed:.1f} answers/s", style="cyan")


class UsageColumn(ProgressColumn):
    """Tokens and cost of the model calls so far (cache hits cost nothing)."""

    def __init__(self, ledger: UsageLedger | None) -> None:
        super().__init__()
        self.ledger = ledger

    def render(self, task: Task) -> Text:
        if self.ledger is None:
            return Text("")
        totals = self.ledger.totals()  # the event loop records meanwhile: the ledger locks
        if not totals.calls:
            return Text("")
        cost = f"${totals.cost_usd:.4f}" if self.ledger.priced else "cost unknown"
        return Text(f"{totals.total_tokens:,} tokens · {cost}", style="dim")


class BatchBar:
    """What a run reports to: ``advance(n)`` answers, or ``update(done, total)``."""

    def __init__(self, progress: Progress, task: TaskID) -> None:
        self._progress, self._task = progress, task

    def advance(self, n: int) -> None:
        self._progress.advance(self._task, n)

    def update(self, done: int, total: int) -> None:
        self._progress.update(self._task, completed=done, total=total)


@contextmanager
def batch_progress(
    description: str, *, total: int | None, ledger: UsageLedger | None, quiet: bool = False
) -> Iterator[BatchBar]:
    """A transient bar on stderr; ``quiet`` (``--json``) or a stderr that is not a terminal:
    nothing is drawn."""
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        UsageColumn(ledger),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
        disable=quiet or not err_console.is_terminal,
    ) as progress:
        yield BatchBar(progress, progress.add_task(description, total=total))
