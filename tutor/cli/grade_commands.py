"""``tutor grade`` (an item, an ad-hoc question or a batch file) and ``tutor regrade``."""

from __future__ import annotations

import asyncio
import functools
import sys
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from tutor.cli.app import app
from tutor.cli.batch_progress import batch_progress
from tutor.cli.corpus_commands import JsonFlag
from tutor.cli.interrupt import interruptible
from tutor.cli.output import console, err_console, fail, print_json
from tutor.config import Settings, get_settings
from tutor.errors import BadRequestError
from tutor.grading.batch import (
    BatchReport,
    WorkerPool,
    Workers,
    batch_grader,
    grade_file,
    load_examples,
    read_answers,
)
from tutor.grading.batch.processes import OFFLINE_PROCESSES, batch_gc
from tutor.grading.models import Grade, GradeRequest
from tutor.grading.service import GradingService
from tutor.llm import UsageLedger
from tutor.store import Database

USAGE = (
    "give --item ID --answer TEXT, or --question Q --reference R --answer A, "
    "or --batch IN.jsonl --out OUT.jsonl"
)
OfflineFlag = Annotated[
    bool, typer.Option("--offline", help="Use the offline grader even when TUTOR_MODEL is set.")
]
ProcessesOption = Annotated[
    int | None,
    typer.Option(
        min=1,
        help="Processes that grade, this one included (default with a model: one per core, "
        "at most one per 200 answers to grade; offline: 1).",
    ),
]

T = TypeVar("T")


def _service(
    offline: bool, database: Database | None = None, ledger: UsageLedger | None = None
) -> GradingService:
    """``database``: teacher-graded attempts become graded examples of an item's answers;
    ``ledger`` records what the model calls cost."""
    settings: Settings = get_settings()
    if offline:
        settings = settings.model_copy(update={"model": None})
    return GradingService.from_settings(settings, database=database, ledger=ledger)


@app.command("grade")
def grade(
    item: Annotated[str | None, typer.Option(help="A corpus item id.")] = None,
    question: Annotated[str | None, typer.Option(help="An ad-hoc question.")] = None,
    reference: Annotated[
        list[str] | None, typer.Option(help="A reference answer (repeat for several).")
    ] = None,
    answer: Annotated[str | None, typer.Option(help="The answer to grade ('-': stdin).")] = None,
    batch: Annotated[Path | None, typer.Option(help="JSONL of answers (ASAG fields).")] = None,
    out: Annotated[Path | None, typer.Option(help="JSONL of grades; resumed if present.")] = None,
    examples: Annotated[
        list[Path] | None,
        typer.Option(help="JSONL of graded answers with `label` (repeatable), for --batch."),
    ] = None,
    label_max: Annotated[
        float | None, typer.Option(help="Top of numeric labels (default: read from label_scheme).")
    ] = None,
    concurrency: Annotated[int, typer.Option(min=1, help="Grading calls in flight.")] = 8,
    processes: ProcessesOption = None,
    offline: OfflineFlag = False,
    as_json: JsonFlag = False,
) -> None:
    """Grade one answer (to a corpus item or an ad-hoc question), or a batch file."""
    if batch is not None or out is not None:
        if batch is None or out is None or item or question or answer is not None:
            raise BadRequestError(f"--batch and --out go together, without the others; {USAGE}")
        _batch(batch, out, examples or [], label_max, concurrency, processes, offline, as_json)
        return
    if examples or label_max is not None or processes is not None:
        raise BadRequestError("--examples, --label-max and --processes go with --batch")
    blank = [name for name, given in (("--question", [question] if question is not None else []),
                                      ("--reference", reference or []))
             if any(not text.strip() for text in given)]  # fmt: skip
    if blank:
        raise BadRequestError(f"{' and '.join(blank)} cannot be blank")
    if answer is None or bool(item) == bool(question) or bool(item) == bool(reference):
        raise BadRequestError(USAGE)
    text = sys.stdin.read() if answer == "-" else answer
    if item:
        result = _grade_item(item, text, offline)
    else:
        service = _service(offline)
        assert question is not None and reference
        request = GradeRequest(question=question, references=reference, answer=text)
        result = asyncio.run(service.grade(request))
    if as_json:
        print_json(result.model_dump(mode="json"))
    else:
        _show(result)


def _grade_item(item_id: str, answer: str, offline: bool) -> Grade:
    """As the API grades an attempt: published variants count as items, and answers a teacher
    graded are examples (nothing is stored)."""
    from tutor.corpus import load_corpus
    from tutor.store import open_database
    from tutor.variants.practice import practice_corpus

    settings = get_settings()
    with open_database(settings) as database:
        _, found = practice_corpus(load_corpus(settings.corpus_dir), database).item(item_id)
        return asyncio.run(_service(offline, database).grade_item(found, answer))


def _show(grade: Grade) -> None:
    colour = {"correct": "green", "partially_correct": "yellow"}.get(grade.verdict.value, "red")
    console.print(
        f"[bold {colour}]{grade.verdict.value}[/]  score {grade.score:.2f}  "
        f"confidence {grade.confidence:.2f}"
    )
    if grade.flags:
        console.print("flags: " + ", ".join(f.value for f in grade.flags), style="yellow")
    console.print(grade.feedback.text, highlight=False, soft_wrap=True)
    for mistake in grade.mistakes:
        console.print(f"  common mistake: {mistake}", highlight=False, soft_wrap=True)
    err_console.print(f"engine {grade.engine} · {grade.prompt}", highlight=False, style="dim")


def _batch(
    source: Path,
    out: Path,
    example_files: list[Path],
    label_max: float | None,
    concurrency: int,
    processes: int | None,
    offline: bool,
    as_json: bool,
) -> None:
    rows = read_answers(source)  # every line checked before anything is graded
    bank = load_examples(example_files, label_max)
    ledger = UsageLedger()
    service = _service(offline, ledger=ledger)
    if processes is None and service.llm is None:
        processes = OFFLINE_PROCESSES
    workers = Workers(functools.partial(batch_worker, offline), processes, ledger)
    title = f"grading ({service.engine})"
    with (
        interruptible(),  # Ctrl-C stops the run, even if this process started ignoring it
        batch_gc(),  # once the grader is built, before the workers fork
        WorkerPool(workers, len(rows)) as pool,  # before the bar's thread: see start_method
        batch_progress(title, total=len(rows), ledger=ledger, quiet=as_json) as bar,
    ):
        report = asyncio.run(
            grade_file(
                service,
                rows,
                out,
                examples=bank,
                concurrency=concurrency,
                on_graded=bar.advance,
                pool=pool,
            )
        )
    _report(report, out, bank.size, as_json)


def batch_worker(
    offline: bool, ledger: UsageLedger
) -> Callable[[list[GradeRequest]], Awaitable[list[Grade]]]:
    """What a worker process of ``grade --batch`` grades with: the same service, built there."""
    return batch_grader(_service(offline, ledger=ledger))


def _report(report: BatchReport, out: Path, examples: int, as_json: bool) -> None:
    if as_json:
        print_json({**asdict(report), "out": str(out), "examples": examples})
    else:
        verdicts = ", ".join(f"{n} {v}" for v, n in sorted(report.verdicts.items())) or "none"
        console.print(
            f"graded {report.graded} of {report.total} ({report.skipped} already in {out}): "
            f"{verdicts}; {report.needs_review} need review",
            highlight=False,
        )
    if report.failed:
        first_id, first_error = next(iter(report.failed.items()))
        fail(
            f"{len(report.failed)} answers could not be graded (first: {first_id}: "
            f"{first_error}); run the same command again to retry them"
        )


@app.command("regrade")
def regrade(
    pending: Annotated[
        bool, typer.Option("--pending", help="Grade every pending or failed attempt.")
    ] = False,
    fallback: Annotated[
        bool,
        typer.Option(
            "--fallback",
            help="Grade again with the model the attempts the offline grader graded while the "
            "model was down (flag llm_unavailable); the earlier grade is kept as history.",
        ),
    ] = False,
    review: Annotated[
        bool,
        typer.Option(
            "--review",
            help="Grade again the answers waiting for review to items a teacher has graded "
            "answers of, with those grades as examples; a sure grade leaves the queue.",
        ),
    ] = False,
    item: Annotated[
        list[str] | None,
        typer.Option(
            "--item",
            help="With --review: this item's answers (repeatable), whether or not a teacher "
            "graded answers to it (its lesson file may have new graded answers).",
        ),
    ] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="At most this many.")] = None,
    offline: OfflineFlag = False,
    as_json: JsonFlag = False,
) -> None:
    """Finish attempts that were stored but not graded (the grader was down or crashed),
    (--fallback) re-grade with the model those graded offline while it was down, or (--review)
    re-grade the review queue with what teachers have graded since."""
    if pending + fallback + review != 1:
        raise BadRequestError(
            "say which attempts: tutor regrade --pending, tutor regrade --fallback or "
            "tutor regrade --review"
        )
    if item and not review:
        raise BadRequestError("--item goes with --review")
    if fallback:
        _regrade_fallback(limit, offline, as_json)
        return
    if review:
        _regrade_review(item, limit, offline, as_json)
        return
    from tutor.learners import regrade_pending

    report = _regraded(regrade_pending, offline, limit=limit)
    if as_json:
        print_json({"graded": report.graded, "failed": report.failed})
    else:
        console.print(f"graded {len(report.graded)} pending attempts", highlight=False)
    _fail_on(report.failed, "failed again")


def _fail_on(failed: dict[str, str], how: str) -> None:
    """An error line naming the first few attempts that could not be graded, if any."""
    if failed:
        first = "; ".join(f"{attempt}: {error}" for attempt, error in list(failed.items())[:3])
        fail(f"{len(failed)} attempts {how}: {first}")


def _regraded(run: Callable[..., Coroutine[Any, Any, T]], offline: bool, **options: Any) -> T:
    """``run(database, corpus, grader, config=..., **options)``, one of the regrade functions,
    on the store, the corpus with its published variants, the grading service's item grader
    (the model's unless ``offline``) and the learner settings."""
    from tutor.corpus import load_corpus
    from tutor.learners import LearnerConfig
    from tutor.store import open_database
    from tutor.variants.practice import practice_corpus

    settings = get_settings()
    with open_database(settings) as database:
        corpus = practice_corpus(load_corpus(settings.corpus_dir), database)  # variants too
        grader = _service(offline, database).item_grader
        config = LearnerConfig.from_settings(settings)
        return asyncio.run(run(database, corpus, grader, config=config, **options))


def _regrade_review(
    items: list[str] | None, limit: int | None, offline: bool, as_json: bool
) -> None:
    from tutor.learners.review_queue import regrade_review

    report = _regraded(regrade_review, offline, items=items, limit=limit)
    if as_json:
        print_json(
            {"regraded": report.regraded, "left_queue": report.left_queue,
             "unchanged": report.unchanged, "skipped": report.skipped, "failed": report.failed}
        )  # fmt: skip
    else:
        console.print(
            f"re-graded {len(report.regraded)} answers waiting for review "
            f"({len(report.left_queue)} left the queue); {len(report.unchanged)} unchanged",
            highlight=False,
        )
    _fail_on(report.failed, "failed")


def _regrade_fallback(limit: int | None, offline: bool, as_json: bool) -> None:
    from tutor.learners.fallback import regrade_fallback

    if offline or not get_settings().model:
        raise BadRequestError(
            "tutor regrade --fallback grades with the model: set TUTOR_MODEL (and not --offline)"
        )
    report = _regraded(regrade_fallback, False, limit=limit)
    if as_json:
        print_json(
            {"regraded": report.regraded, "still_offline": report.still_offline,
             "failed": report.failed}
        )  # fmt: skip
    else:
        console.print(
            f"re-graded {len(report.regraded)} attempts with the model; "
            f"{len(report.still_offline)} still offline (the model is still down)",
            highlight=False,
        )
    _fail_on(report.failed, "failed")
