"""``tutor corpus check`` and ``tutor import-page``."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from tutor.cli.app import app, corpus_app
from tutor.cli.output import console, err_console, fail, print_json
from tutor.config import get_settings
from tutor.corpus import Problem, check_corpus, dump_lesson, parse_lesson
from tutor.corpus.writer import write_lesson_file

JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON on stdout.")]


@corpus_app.command("check")
def corpus_check(
    directory: Annotated[
        Path | None, typer.Argument(help="Lesson folder [default: corpus/]")
    ] = None,
    strict: Annotated[bool, typer.Option(help="Treat warnings as errors.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Validate every lesson file and report each problem with file, line and field."""
    directory = directory or get_settings().corpus_dir
    report = check_corpus(directory)
    corpus = report.corpus
    items = [item for _, item in corpus.items()]
    failed = bool(report.errors or (strict and report.warnings))
    if as_json:
        print_json(
            {
                "ok": not failed,
                "lessons": len(corpus.lessons),
                "passages": len(corpus.passages()),
                "items": len(items),
                "problems": [asdict(p) for p in report.problems],
            }
        )
    else:
        for problem in report.problems:
            style = "red" if problem.severity == "error" else "yellow"
            console.print(f"[{style}]{problem.severity}[/] {problem}", highlight=False)
        console.print(
            f"{len(corpus.lessons)} lessons, {len(corpus.passages())} passages, "
            f"{len(items)} items; {len(report.errors)} errors, {len(report.warnings)} warnings"
        )
    if failed:
        raise typer.Exit(1)


@app.command("import-page")
def import_page(
    file: Annotated[Path, typer.Argument(help="A lesson page saved as text.")],
    out: Annotated[
        Path | None, typer.Option(help="Folder to write the lesson into [default: corpus/]")
    ] = None,
    lesson_id: Annotated[
        str | None, typer.Option("--id", help="Lesson id [default: from the title]")
    ] = None,
    force: Annotated[bool, typer.Option(help="Overwrite an existing lesson file.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Turn a lesson page into a corpus lesson file.

    Concepts the corpus already declares (same id or name) are reused as declared there, and the
    lesson is checked together with the corpus before it is written: a conflict is reported with
    its file and line, and nothing is written.
    """
    from tutor.corpus.importer import parse_page, read_page
    from tutor.corpus.sharing import reuse_concepts

    out = out or get_settings().corpus_dir
    before = check_corpus(out) if out.is_dir() else None
    lesson = parse_page(read_page(file), str(file), lesson_id=lesson_id)
    if before is not None:
        lesson = reuse_concepts(lesson, before.corpus.concepts())
    rendered = dump_lesson(lesson)
    reloaded = parse_lesson(rendered, str(file))
    if reloaded.lesson != lesson:  # the file we write must load back to the same lesson
        fail(
            "the imported lesson does not survive a round trip: "
            + "; ".join(str(p) for p in reloaded.problems)
        )
    target = out / f"{lesson.id}.yaml"
    if (target.exists() or target.is_symlink()) and not force:
        fail(f"{target} already exists; pass --force to overwrite it")
    if before is not None:
        _refuse_conflicts(out, target, rendered, before.errors)
    out.mkdir(parents=True, exist_ok=True)
    write_lesson_file(target, rendered, force=force)
    if as_json:
        print_json(
            {
                "lesson_id": lesson.id,
                "path": str(target),
                "title": lesson.title,
                "passages": len(lesson.passages),
                "items": len(lesson.items),
            }
        )
        return
    table = Table("item", "difficulty", "type", "answer", title=f"{lesson.title} → {target}")
    for item in lesson.items:
        table.add_row(
            item.id,
            item.difficulty.value,
            item.type.value,
            f"{item.answer_key or ''} {item.answer}".strip()[:60],
        )
    console.print(table)
    err_console.print(f"{len(lesson.passages)} passages, {len(lesson.items)} items written")


def _refuse_conflicts(out: Path, target: Path, rendered: str, known: list[Problem]) -> None:
    """Fail, naming file and line, when writing ``rendered`` to ``target`` would add errors to
    the corpus in ``out`` (a lesson or item id used elsewhere, a concept declared differently)."""
    after = check_corpus(out, overlay={target: rendered})
    old = {str(p) for p in known}
    new = [p for p in after.errors if str(p) not in old]
    if new:
        fail(
            f"importing into {out} would break the corpus check; nothing written:\n"
            + "\n".join(str(p) for p in new)
        )
