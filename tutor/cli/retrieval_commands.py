"""``tutor index`` and ``tutor search``."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from chromadb.errors import NotFoundError
from rich.progress import BarColumn, MofNCompleteColumn, Progress, Task, TextColumn
from rich.table import Table
from rich.text import Text

from tutor.cli.app import app
from tutor.cli.corpus_commands import JsonFlag
from tutor.cli.output import console, err_console, print_json
from tutor.config import Settings, get_settings
from tutor.corpus import load_corpus
from tutor.retrieval import PassageIndex, make_embedder, open_client
from tutor.store import open_database
from tutor.store.generations import CORPUS, bump_generation
from tutor.store.locks import job_lock


@app.command("index")
def index(
    directory: Annotated[
        Path | None, typer.Argument(help="Lesson folder [default: corpus/]")
    ] = None,
    rebuild: Annotated[
        bool, typer.Option(help="Drop the index and embed everything again.")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Index lesson passages; only new or changed passages are embedded (everything when the
    index was built with another embedder). Safe to run from several processes at once: each
    waits for the one before (a lock in the database). Running services reload the lessons and
    the index within seconds (no restart)."""
    settings = get_settings()
    corpus = load_corpus(directory or settings.corpus_dir)
    with open_database(settings) as database, job_lock(database, "index"):
        stale = _drop_if_stale(settings)
        if stale and not as_json:
            err_console.print(f"the index holds {stale} vectors: embedding every passage again")
        passage_index = PassageIndex.from_settings(settings)
        if rebuild or stale:
            passage_index.reset()
        # On stderr, and only on a terminal: never in --json output or a log file.
        shown = not as_json and err_console.is_terminal
        with Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), RateColumn(),
            console=err_console, transient=True, disable=not shown,
        ) as bar:  # fmt: skip
            task = bar.add_task("embedding passages", total=None)
            report = passage_index.sync(
                corpus, lambda done, total: bar.update(task, completed=done, total=total)
            )
        bump_generation(database, CORPUS)  # lesson files may have changed beyond their passages
    if as_json:
        print_json({**asdict(report), "total": passage_index.count()})
        return
    console.print(
        f"indexed {len(corpus.lessons)} lessons: {report.added} added, {report.updated} updated, "
        f"{report.unchanged} unchanged, {report.removed} removed ({passage_index.count()} passages)"
    )


class RateColumn(TextColumn):
    """Passages per second so far."""

    def __init__(self) -> None:
        super().__init__("")

    def render(self, task: Task) -> Text:
        rate = task.completed / task.elapsed if task.elapsed and task.completed else None
        return Text(f"{rate:.1f} passages/s" if rate else "", style="progress.data.speed")


def _drop_if_stale(settings: Settings) -> str | None:
    """Drop the passage collection when it was built with another embedder than the configured
    one (its vectors cannot be compared with the new ones); returns that embedder's name."""
    client = open_client(settings)
    try:
        collection = client.get_collection(settings.collection)
    except NotFoundError:
        return None
    built_with = (collection.metadata or {}).get("embedder")
    wanted = make_embedder(
        settings.embedder, batch_size=settings.embed_batch_size, model=settings.embedding_model
    ).name
    if not built_with or built_with == wanted:
        return None
    client.delete_collection(settings.collection)
    return str(built_with)


@app.command("search")
def search(
    query: Annotated[str, typer.Argument(help="What to look for.")],
    lesson: Annotated[str | None, typer.Option(help="Only this lesson id.")] = None,
    concept: Annotated[str | None, typer.Option(help="Only passages on this concept id.")] = None,
    kind: Annotated[
        str | None, typer.Option(help="Only this section kind, e.g. key_takeaways.")
    ] = None,
    k: Annotated[int, typer.Option("-k", help="How many passages.")] = 5,
    as_json: JsonFlag = False,
) -> None:
    """Find the passages that best match a query."""
    passage_index = PassageIndex.from_settings(get_settings())
    hits = passage_index.search(query, k, lesson=lesson, concept=concept, kind=kind)
    if as_json:
        print_json([asdict(h) for h in hits])
        return
    if not hits:
        console.print("no passages found (is the corpus indexed? run `tutor index`)")
        return
    table = Table("score", "passage", "lesson", "text", title=f"search: {query}")
    for hit in hits:
        table.add_row(
            f"{hit.score:.3f}",
            hit.passage_id,
            hit.lesson_title,
            hit.text[:90].replace("\n", " ") + ("…" if len(hit.text) > 90 else ""),
        )
    console.print(table)
