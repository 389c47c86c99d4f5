"""``tutor learner list|mastery|next``: what the API's learner endpoints show, for operators.

The same services as ``GET /v1/learners``, ``/v1/learners/{id}/mastery`` and ``…/next``; the
local learner of single-user mode is ``local``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from typing import Annotated

import typer
from rich.table import Table

from tutor.cli.app import app
from tutor.cli.corpus_commands import JsonFlag
from tutor.cli.output import console, print_json
from tutor.config import Settings, get_settings
from tutor.corpus import Corpus, load_corpus
from tutor.store import Database, list_learners, open_database
from tutor.store.accounts import resolve_learner_id

learner_app = typer.Typer(help="Learners: who they are, their mastery, what comes next.")
app.add_typer(learner_app, name="learner", no_args_is_help=True)
LearnerArg = Annotated[
    str, typer.Argument(help="A learner id, or `local` for the single-user mode's learner.")
]


@contextmanager
def _store() -> Iterator[tuple[Settings, Database, Corpus]]:
    from tutor.variants.practice import practice_corpus

    settings = get_settings()
    with open_database(settings) as database:
        yield settings, database, practice_corpus(load_corpus(settings.corpus_dir), database)


def _resolve(database: Database, learner: str) -> str:
    return resolve_learner_id(database, learner)


@learner_app.command("list")
def learners(as_json: JsonFlag = False) -> None:
    """Every learner, oldest first."""
    with open_database(get_settings()) as database:
        found = list_learners(database)
    if as_json:
        print_json([{**asdict(r), "created_at": r.created_at.isoformat()} for r in found])
        return
    table = Table("id", "name", "created", title=f"{len(found)} learners")
    for record in found:
        table.add_row(record.id, record.name, f"{record.created_at:%Y-%m-%d %H:%M}")
    console.print(table)


@learner_app.command("mastery")
def mastery(learner: LearnerArg, as_json: JsonFlag = False) -> None:
    """The learner's mastery per concept (Bayesian Knowledge Tracing), prerequisites first."""
    from tutor.learners import LearnerConfig, mastery_report

    with _store() as (settings, database, corpus):
        config = LearnerConfig.from_settings(settings)
        report = mastery_report(database, corpus, _resolve(database, learner), config=config)
    if as_json:
        print_json(
            [
                {
                    **asdict(p),
                    "last_practiced": p.last_practiced.isoformat() if p.last_practiced else None,
                }
                for p in report
            ]
        )
        return
    mastered = sum(p.mastered for p in report)
    table = Table(
        "concept", "lesson", "P(known)", "attempts", "",
        title=f"{mastered} of {len(report)} concepts mastered "
        f"(P(known) ≥ {config.mastery_threshold:.0%} and the last {config.mastery_check} "
        "answers right)",
    )  # fmt: skip
    for p in report:
        table.add_row(
            p.name, p.lesson_id, f"{p.p_known:.0%}", str(p.attempts), "mastered" * p.mastered
        )
    console.print(table)


@learner_app.command("next")
def next_item(learner: LearnerArg, as_json: JsonFlag = False) -> None:
    """The item the learner should practise now, and why."""
    from tutor.learners import LearnerConfig, choose_next

    with _store() as (settings, database, corpus):
        config = LearnerConfig.from_settings(settings)
        chosen = choose_next(_resolve(database, learner), corpus, database, config=config)
        _, item = corpus.item(chosen.item_id)
    if as_json:
        print_json({**asdict(chosen), "stem": item.stem, "difficulty": item.difficulty.value})
        return
    console.print(f"[bold]{chosen.item_id}[/] ({item.difficulty.value}): {item.stem}")
    for option in item.options:
        console.print(f"  {option.key}. {option.text}", highlight=False)
    console.print(f"[dim]{chosen.reason}[/]", highlight=False)


@learner_app.command("quiz")
def quiz(
    quiz_id: Annotated[str, typer.Argument(help="A quiz id.")], as_json: JsonFlag = False
) -> None:
    """A quiz's questions so far and its summary (what ``GET /v1/quizzes/{id}`` shows)."""
    from tutor.learners import get_quiz

    with _store() as (_, database, corpus):
        view = get_quiz(database, corpus, quiz_id)
    summary = view.summary
    if as_json:
        print_json(
            {
                **asdict(view),
                "questions": [
                    {**asdict(q), "difficulty": q.difficulty.value} for q in view.questions
                ],
                "current": view.current.item_id if view.current else None,
                "created_at": view.created_at.isoformat(),
                "finished_at": view.finished_at.isoformat() if view.finished_at else None,
            }
        )
        return
    table = Table(
        "#", "item", "difficulty", "score", "verdict",
        title=f"quiz {view.id} on {view.lesson_id} ({view.status}, "
        f"{summary.answered} of {view.length} answered)",
    )  # fmt: skip
    for q in view.questions:
        score = "" if q.score is None else f"{q.score:.2f}"
        table.add_row(str(q.number), q.item_id, q.difficulty.value, score, q.verdict or "")
    console.print(table)
    if summary.answered:
        console.print(
            f"{summary.correct} of {summary.answered} right, mean score {summary.mean_score:.2f}; "
            f"strengths: {', '.join(r.name for r in summary.strengths) or 'none yet'}; "
            f"gaps: {', '.join(r.name for r in summary.gaps) or 'none'}",
            highlight=False,
        )
    if summary.note:
        console.print(f"[yellow]{summary.note}[/]", highlight=False)
