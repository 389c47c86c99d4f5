"""``tutor variants ITEM``, ``list``, ``publish ID``, ``reject ID`` and ``report``."""

from __future__ import annotations

import asyncio
from statistics import median
from typing import Annotated, Any

import typer
from rich.table import Table
from typer.core import TyperGroup

from tutor.cli.app import app
from tutor.cli.corpus_commands import JsonFlag
from tutor.cli.output import console, err_console, print_json
from tutor.config import get_settings
from tutor.corpus import load_corpus
from tutor.retrieval import PassageIndex
from tutor.store import VariantRecord, VariantStatus, open_database
from tutor.variants import VariantService, review


class _ItemOrCommand(TyperGroup):
    """``tutor variants pb-01 --n 5`` runs ``generate``: an item id is not a subcommand."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and not args[0].startswith("-") and args[0] not in self.commands:
            args = ["generate", *args]
        result: list[str] = super().parse_args(ctx, args)
        return result


variants_app = typer.Typer(
    cls=_ItemOrCommand,
    help="Generate validated variants of a practice item and review them (ITEM, list, "
    "publish, reject); report what the offline templates yield per lesson.",
    no_args_is_help=True,
)
app.add_typer(variants_app, name="variants")


@variants_app.command("generate")
def generate(
    item: Annotated[str, typer.Argument(help="The practice item's id, e.g. pb-01.")],
    n: Annotated[int, typer.Option("--n", min=1, max=10, help="How many variants to keep.")] = 5,
    seed: Annotated[int, typer.Option(help="Seed for the offline templates.")] = 0,
    as_json: JsonFlag = False,
) -> None:
    """Generate variants, validate each one, store those accepted as drafts for review."""
    settings = get_settings()
    with open_database(settings) as database:
        service = VariantService.from_settings(
            settings,
            corpus=load_corpus(settings.corpus_dir),
            index=PassageIndex.from_settings(settings),
            database=database,
        )
        outcome = asyncio.run(service.generate(item, n, seed=seed))
    rejected = outcome.report.rejected
    if as_json:
        accepted = [review.variant_json(r) for r in outcome.records]
        print_json({"accepted": accepted, "rejected": rejected, "tried": outcome.report.tried})
        return
    _print_records(outcome.records, f"accepted variants of {item}")
    counts = ", ".join(f"{reason} {count}" for reason, count in rejected.items()) or "none"
    err_console.print(
        f"{len(outcome.records)} stored as drafts; rejected: {counts} "
        f"(of {outcome.report.tried} tried)"
    )


@variants_app.command("report")
def report(
    lesson: Annotated[
        list[str] | None, typer.Option(help="Only this lesson (repeat for more).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed for the offline templates.")] = 0,
    as_json: JsonFlag = False,
) -> None:
    """Per lesson: how many offline template variants pass validation, why the others fail,
    and how far the accepted ones move from their parent. Nothing is stored."""
    from tutor.variants.yields import lesson_yields

    settings = get_settings()
    corpus = load_corpus(settings.corpus_dir)
    index = PassageIndex.from_settings(settings)
    yields = asyncio.run(lesson_yields(corpus, index, seed=seed, lessons=lesson or ()))
    if as_json:
        print_json([y.as_json() for y in yields])
        return
    table = Table(title="offline template variants that pass validation")
    for name in ("lesson", "items", "passed", "items with one", "similarity to parent",
                 "new words", "rejected"):  # fmt: skip
        table.add_column(name, overflow="fold")
    for y in yields:
        table.add_row(
            y.lesson_id,
            str(y.items),
            f"{y.accepted}/{y.candidates} ({y.rate or 0:.0%})",
            f"{y.items_with_variant}/{y.items}",
            _spread(y.similarities),
            "-" if y.new_words_median is None else f"{y.new_words_median:.0%}",
            ", ".join(f"{r} {n}" for r, n in y.rejected.items()) or "none",
        )
    console.print(table)
    err_console.print(
        "similarity to parent: cosine of the questions (stem and options), median (min-max); "
        "new words: median share of a variant's words its parent does not use"
    )


def _spread(values: tuple[float, ...]) -> str:
    if not values:
        return "-"
    return f"{median(values):.2f} ({min(values):.2f}-{max(values):.2f})"


@variants_app.command("list")
def list_command(
    status: Annotated[
        VariantStatus | None, typer.Option(help="Only draft, published or rejected.")
    ] = None,
    item: Annotated[str | None, typer.Option(help="Only variants of this item.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """The review queue, oldest first."""
    with open_database(get_settings()) as database:
        records = review.review_queue(database, status, item)
    if as_json:
        print_json([review.variant_json(r) for r in records])
        return
    _print_records(records, "variants")


@variants_app.command("publish")
def publish(
    variant_id: Annotated[str, typer.Argument(help="The variant's id.")],
    as_json: JsonFlag = False,
) -> None:
    """Publish a draft variant."""
    _set_status(variant_id, review.publish, as_json)


@variants_app.command("reject")
def reject(
    variant_id: Annotated[str, typer.Argument(help="The variant's id.")],
    as_json: JsonFlag = False,
) -> None:
    """Reject a variant; it stays stored so that it is never proposed again."""
    _set_status(variant_id, review.reject, as_json)


def _set_status(variant_id: str, change: Any, as_json: bool) -> None:
    with open_database(get_settings()) as database:
        record: VariantRecord = change(database, variant_id)
    if as_json:
        print_json(review.variant_json(record))
        return
    console.print(f"variant {record.id} of {record.parent_item_id} is now {record.status.value}")


def _print_records(records: list[VariantRecord], title: str) -> None:
    table = Table(title=title)
    for name in ("id", "parent", "status", "kind", "type", "difficulty", "stem"):
        table.add_column(name, overflow="fold")
    for record in records:
        table.add_row(
            record.id,
            record.parent_item_id,
            record.status.value,
            str(record.provenance.get("transformation", "")),
            str(record.item.get("type", "")).replace("multiple_choice", "choice"),
            str(record.item.get("difficulty", "")),
            _short(" ".join(str(record.item.get("stem", "")).split())),
        )
    console.print(table)


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
