"""``tutor eval grading``, ``agreement``, ``compare``, ``contrast``, ``mistakes``, ``dialogue``."""

from __future__ import annotations

import asyncio
import functools
import json
import re
from pathlib import Path
from typing import Annotated, Any, Literal, cast

import typer

from tutor.cli.app import app
from tutor.cli.batch_progress import batch_progress
from tutor.cli.corpus_commands import JsonFlag
from tutor.cli.interrupt import interruptible
from tutor.cli.output import console, err_console, print_json
from tutor.config import get_settings
from tutor.errors import BadRequestError
from tutor.evals.cases import EvalCase, SchemeKind
from tutor.evals.compare import compare as compare_runs
from tutor.evals.datasets import parse_map
from tutor.evals.gates import GATES, suggest
from tutor.evals.graders import Grader, grader_for, grading_worker
from tutor.evals.harness import Options, Outcome, evaluate, load_cases
from tutor.evals.labels import label_agreement
from tutor.evals.public import SHARED_DATA, DatasetAbsent
from tutor.evals.results import FIGURES, REPORT, RESULTS, RunDir
from tutor.evals.tables import agreement_table, compare_table, run_table
from tutor.evals.variants import CHECKS
from tutor.grading.batch.processes import OFFLINE_PROCESSES, WorkerPool, Workers, batch_gc
from tutor.llm import UsageLedger

eval_app = typer.Typer(
    help="Measure the grader against people, and against itself.", no_args_is_help=True
)
app.add_typer(eval_app, name="eval")

AtLeast = Annotated[float | None, typer.Option(help="CI gate: exit 1 below this.")]
AtMost = Annotated[float | None, typer.Option(help="CI gate: exit 1 above this.")]
SchemeOption = Annotated[
    str | None, typer.Option(help="Force the label scheme: verdict, binary or score.")
]


def _list(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def _scheme(text: str | None) -> SchemeKind | None:
    if text not in (None, "verdict", "binary", "score"):
        raise BadRequestError("--scheme is verdict, binary or score")
    return cast(SchemeKind | None, text)


DatasetArg = Annotated[
    str,
    typer.Argument(
        help="A .jsonl/.csv/.yaml file, a folder of them, or a public set: "
        "asag:scientsbank, asag:beetle, asag:mohler, khan"
    ),
]
MapOption = Annotated[
    str | None,
    typer.Option("--map", help="Rename columns: question=Q,reference=R1+R2,answer=A,label=L"),
]
ALL_CHECKS = ",".join(CHECKS)
ChecksOption = Annotated[str, typer.Option(help=f"Comma list of {', '.join(CHECKS)}; or none.")]
ReportOption = Annotated[
    Path | None, typer.Option(help="Run folder (default: reports/evals/DATASET-GRADER).")
]
ScaleOption = Annotated[float | None, typer.Option(help="Top of the score range (score labels).")]


@eval_app.command("grading")
def grading(
    dataset: DatasetArg,
    engine: Annotated[Literal["offline", "llm"], typer.Option(help="Which grader.")] = "offline",
    model: Annotated[str | None, typer.Option(help="litellm model (default: TUTOR_MODEL).")] = None,
    prompt_version: Annotated[int | None, typer.Option(help="grade_answer prompt version")] = None,
    repeats: Annotated[int, typer.Option(min=1, help="Grade everything N times.")] = 1,
    report: ReportOption = None,
    concurrency: Annotated[int, typer.Option(min=1, help="Grading calls in flight.")] = 8,
    processes: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Processes that grade, this one included (default with --engine llm: one "
            "per core, at most one per 200 answers to grade; offline: 1).",
        ),
    ] = None,
    column_map: MapOption = None,
    checks: ChecksOption = ALL_CHECKS,
    sample: Annotated[int, typer.Option(help="Answers per robustness check (0: all).")] = 200,
    per_attack: Annotated[int, typer.Option(help="Wrong answers per attack template.")] = 3,
    seed: Annotated[int, typer.Option(help="Seed for samples and bootstrap.")] = 0,
    scheme: SchemeOption = None,
    scale: ScaleOption = None,
    fresh: Annotated[bool, typer.Option(help="Discard earlier results in the run folder.")] = False,
    shared_dir: Annotated[Path, typer.Option(help="Where the public sets are.")] = SHARED_DATA,
    skip_missing: Annotated[
        bool,
        typer.Option(help="A public set that is not on this machine is skipped, not an error."),
    ] = False,
    min_kappa: AtLeast = None,
    min_weighted_kappa: AtLeast = None,
    min_macro_f1: AtLeast = None,
    min_accuracy: AtLeast = None,
    max_flip_rate: AtMost = None,
    max_injection_inflation: AtMost = None,
    max_paraphrase_disagreement: AtMost = None,
    max_verbosity_inflation: AtMost = None,
    min_accuracy_without_review: AtLeast = None,
    max_review_rate: AtMost = None,
    as_json: JsonFlag = False,
) -> None:
    """Grade a labelled dataset and report agreement, consistency and robustness."""
    chosen = frozenset(c for c in _list(checks) if c != "none")
    if unknown := chosen - set(CHECKS):
        raise BadRequestError(f"unknown checks {sorted(unknown)}; known: {', '.join(CHECKS)}")
    settings = get_settings()
    try:
        cases = load_cases(
            dataset,
            mapping=parse_map(column_map),
            corpus_dir=settings.corpus_dir,
            shared=shared_dir,
        )
    except DatasetAbsent as exc:
        if not skip_missing:
            raise DatasetAbsent(
                f"{exc.message}; cannot evaluate {dataset} (pass --skip-missing to skip it)"
            ) from None
        err_console.print(
            f"[yellow]skipped {dataset}[/]: {exc.message}; its gates were not checked",
            highlight=False,
            soft_wrap=True,
        )
        return
    ledger = UsageLedger() if engine == "llm" else None  # tokens and cost on the bar
    if processes is None and engine == "offline":
        processes = OFFLINE_PROCESSES
    workers = Workers(
        functools.partial(grading_worker, engine, model, prompt_version), processes, ledger
    )
    grader = grader_for(engine, settings, model=model, version=prompt_version, ledger=ledger)
    # Ctrl-C stops the run even if this process started ignoring it; the collector is set
    # once the grader is built, before the workers fork; they start before the bar's thread
    with interruptible(), batch_gc(), WorkerPool(workers, len(cases) * repeats) as pool:
        outcome = _evaluate(grader, dataset, cases, report, pool, ledger, as_json, Options(
            repeats=repeats, concurrency=concurrency, checks=chosen, sample=sample or None,
            per_attack=per_attack, seed=seed, scheme=_scheme(scheme), scale=scale, fresh=fresh,
            limits=_limits(min_kappa, min_weighted_kappa, min_macro_f1, min_accuracy,
                           max_flip_rate, max_injection_inflation, max_paraphrase_disagreement,
                           max_verbosity_inflation, min_accuracy_without_review,
                           max_review_rate),
        ))  # fmt: skip
    if as_json:
        print_json(outcome.figures)
    else:
        console.print(run_table(outcome.figures))
        console.print(
            f"report: {outcome.run_dir.file(REPORT)}  figures: {outcome.run_dir.file(FIGURES)}  "
            f"answers: {outcome.run_dir.file(RESULTS)}",
            highlight=False,
            soft_wrap=True,
        )
    for gate in outcome.gates:
        (console if gate.passed else err_console).print(gate.line, highlight=False, soft_wrap=True)
    if not outcome.passed:
        raise typer.Exit(1)


def _limits(*values: float | None) -> dict[str, float | None]:
    return {g.option: v for g, v in zip(GATES, values, strict=True)}


def _evaluate(
    grader: Grader,
    dataset: str,
    cases: list[EvalCase],
    report: Path | None,
    pool: WorkerPool,
    ledger: UsageLedger | None,
    as_json: bool,
    options: Options,
) -> Outcome:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", f"{Path(dataset).stem}-{grader.name}").strip("-")
    run_dir = RunDir(report or Path("reports") / "evals" / slug)
    version = getattr(grader, "version", grader.name)
    title = f"grading {Path(dataset).name}"  # a long path would squeeze the bar out
    with batch_progress(title, total=None, ledger=ledger, quiet=as_json) as bar:
        return asyncio.run(
            evaluate(grader, version, dataset, cases, run_dir, options, bar.update, pool)
        )


MajorityOption = Annotated[
    str | None,
    typer.Option(help="Column that should hold the raters' majority: count where it does."),
]


@eval_app.command("agreement")
def agreement(
    file: Annotated[Path, typer.Argument(help="CSV or JSONL, one answer a row.")],
    raters: Annotated[str, typer.Option(help="Comma list of label columns (2 or more).")],
    truth: Annotated[str | None, typer.Option(help="Column with the true label.")] = None,
    truth_file: Annotated[Path | None, typer.Option(help="Take --truth from this file.")] = None,
    key: Annotated[str | None, typer.Option(help="Column joining --truth-file rows.")] = None,
    group_by: Annotated[str | None, typer.Option(help="Comma list of columns to group by.")] = None,
    majority: MajorityOption = None,
    scheme: SchemeOption = None,
    report: Annotated[
        Path | None, typer.Option(help="Folder for report.html and figures.json.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Agreement among existing labels: Fleiss' kappa, Krippendorff's alpha, kappa vs truth."""
    figures = label_agreement(
        file,
        _list(raters),
        truth=truth,
        truth_file=truth_file,
        key=key,
        group_by=_list(group_by),
        majority=majority,
        scheme=_scheme(scheme),
    )
    if report is not None:
        _write_agreement_report(report, figures)
    if as_json:
        print_json(figures)
        return
    console.print(agreement_table(figures))
    if report is not None:
        console.print(
            f"report: {report / REPORT}  figures: {report / FIGURES}",
            highlight=False,
            soft_wrap=True,
        )
    if (check := figures["overall"].get("majority_column")) is not None:
        console.print(
            f"{check['column']} equals the raters' majority on "
            f"{check['matches_on_complete_rows']} of {check['complete_rows']} complete "
            f"rows ({check['matches_on_all_rows']} of {figures['overall']['items']} "
            "rows in all)",
            highlight=False,
        )


def _write_agreement_report(folder: Path, figures: dict[str, Any]) -> None:
    from tutor.evals.agreement_report import render_agreement

    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / FIGURES).write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
        (folder / REPORT).write_text(render_agreement(figures), encoding="utf-8")
    except OSError as exc:
        raise BadRequestError(f"cannot write the report to {folder}: {exc}") from None


@eval_app.command("compare")
def compare(
    run_a: Annotated[Path, typer.Argument(help="Run folder A (from eval grading --report).")],
    run_b: Annotated[Path, typer.Argument(help="Run folder B, on the same answers.")],
    seed: Annotated[int, typer.Option(help="Bootstrap seed.")] = 0,
    as_json: JsonFlag = False,
) -> None:
    """Paired differences between two runs and the answers on which they disagree."""
    figures = compare_runs(RunDir(run_a), RunDir(run_b), seed=seed)
    if as_json:
        print_json(figures)
        return
    console.print(compare_table(figures))
    for d in figures["disagreements"][:20]:
        console.print(
            f"- {d['id']}: human {d['human']}, A {d['a']}, B {d['b']}: {d['answer'][:100]!r}",
            highlight=False,
            soft_wrap=True,
        )
    if len(figures["disagreements"]) > 20:
        console.print(f"... {len(figures['disagreements']) - 20} more (--json lists them all)")


@eval_app.command("gates")
def gates(
    run: Annotated[Path, typer.Argument(help="Run folder (from eval grading --report).")],
    margin: Annotated[float, typer.Option(help="How far on the safe side of each figure.")] = 0.03,
    as_json: JsonFlag = False,
) -> None:
    """Suggest CI gates from a run: its figures, a margin on the safe side."""
    path = RunDir(run).file(FIGURES)
    if not path.is_file():
        raise BadRequestError(f"{path} does not exist: run tutor eval grading --report {run}")
    limits = suggest(json.loads(path.read_text(encoding="utf-8")), margin)
    if as_json:
        print_json(limits)
        return
    console.print(
        " ".join(f"{k} {v:g}" for k, v in limits.items()), highlight=False, soft_wrap=True
    )


@eval_app.command("export-overrides")
def export_overrides(
    out: Annotated[Path, typer.Option("--out", help="The JSONL dataset to write.")],
    as_json: JsonFlag = False,
) -> None:
    """Write teachers' grade overrides as an eval dataset: the newest verdict for each answer is
    its human label (`tutor eval grading FILE` then measures the grader against them)."""
    from tutor.corpus import load_corpus
    from tutor.store import export_labels, open_database

    settings = get_settings()
    items = {item.id for _, item in load_corpus(settings.corpus_dir).items()}
    with open_database(settings) as database:
        exported = export_labels(database, items=items)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(exported.jsonl(), encoding="utf-8")
    summary = {"file": str(out), "labels": len(exported.rows), "skipped": exported.skipped}
    if as_json:
        print_json(summary)
        return
    console.print(f"wrote {len(exported.rows)} human labels to {out}", highlight=False)
    if exported.skipped:
        err_console.print(
            f"skipped {len(exported.skipped)} overridden answers to items not in the corpus",
            highlight=False,
        )


@eval_app.command("contrast")
def contrast(
    file: Annotated[Path, typer.Argument(help="Contrast cases (YAML).")] = Path(
        "evals/contrast.yaml"
    ),
    no_examples: Annotated[
        bool,
        typer.Option("--no-examples", help="Grade as a new question: no graded answers shown."),
    ] = False,
    right_only: Annotated[
        bool,
        typer.Option(
            "--right-only",
            help="Show only the graded answers scored 1: an item written with model answers.",
        ),
    ] = False,
    max_wrong_correct: Annotated[
        int, typer.Option(min=0, help="CI gate: exit 1 when more wrong answers grade correct.")
    ] = 0,
    min_paraphrase_correct: AtLeast = None,
    max_verbosity_inflation: AtMost = None,
    min_review_rate: AtLeast = None,
    as_json: JsonFlag = False,
) -> None:
    """Grade contrast cases (negations, swaps, keyword salad, padding, ...) with the offline
    grader and report per kind: wrong answers graded correct, paraphrase recall, review rate."""
    from tutor.corpus import load_corpus
    from tutor.evals.contrast import load_contrast, run_contrast
    from tutor.evals.contrast_report import Limits, check, figures, table

    if no_examples and right_only:
        raise BadRequestError("--no-examples and --right-only: choose one")
    settings = get_settings()
    corpus = load_corpus(settings.corpus_dir)
    cases = load_contrast(file, corpus)
    grader = grader_for("offline", settings)
    result = asyncio.run(
        run_contrast(cases, corpus, grader, examples=not no_examples, right_only=right_only)
    )
    limits = Limits(max_wrong_correct, min_paraphrase_correct, max_verbosity_inflation,
                    min_review_rate)  # fmt: skip
    outcomes = check(result, limits)
    if as_json:
        print_json({**figures(result), "gates": [o.as_dict() for o in outcomes]})
    else:
        console.print(table(result))
    for o in outcomes:
        line = (
            f"gate passed: {o.text}" if o.passed else f"[bold red]error:[/] gate failed: {o.text}"
        )
        out = console if o.passed and not as_json else err_console
        out.print(line, highlight=False, soft_wrap=True)
    if not all(o.passed for o in outcomes):
        raise typer.Exit(1)


@eval_app.command("mistakes")
def mistakes(
    file: Annotated[Path, typer.Argument(help="Answers labelled with the mistakes they state.")] = (
        Path("evals/mistakes.yaml")
    ),
    min_precision: AtLeast = None,
    min_recall: AtLeast = None,
    as_json: JsonFlag = False,
) -> None:
    """Does the offline grader name the common mistakes that answers state? Micro precision,
    recall and F1 against the labels, per item, and false positives on answers that reject one."""
    from tutor.corpus import load_corpus
    from tutor.evals import mistakes as m
    from tutor.evals.tables import mistakes_table

    settings = get_settings()
    corpus = load_corpus(settings.corpus_dir)
    answers = m.load_answers(file, corpus)
    figures = m.figures(asyncio.run(m.measure(answers, corpus, grader_for("offline", settings))))
    outcomes = m.check(figures, {"--min-precision": min_precision, "--min-recall": min_recall})
    if as_json:
        print_json({**figures, "gates": [o.as_dict() for o in outcomes]})
    else:
        console.print(mistakes_table(figures))
    for o in outcomes:
        if o.passed:  # stdout stays one JSON document with --json
            (err_console if as_json else console).print(o.line, highlight=False, soft_wrap=True)
        else:
            err_console.print(f"[bold red]error:[/] {o.line}", highlight=False, soft_wrap=True)
    if not all(o.passed for o in outcomes):
        raise typer.Exit(1)


@eval_app.command("dialogue")
def dialogue(
    path: Annotated[Path, typer.Argument(help="A dialogue file or folder (YAML).")] = Path(
        "evals/dialogues"
    ),
    min_hit1: AtLeast = None,
    min_hit3: AtLeast = None,
    max_wrong_attempt: AtMost = None,
    min_attempt_recall: AtLeast = None,
    as_json: JsonFlag = False,
) -> None:
    """Play multi-turn dialogues through the offline tutor (a temporary index and store) and
    report retrieval hit@1/@3 for labelled follow-ups and the rate of wrong attempt context."""
    from tutor.evals import dialogue as d

    figures = asyncio.run(d.evaluate(get_settings(), path))
    limits = {
        "--min-hit1": min_hit1,
        "--min-hit3": min_hit3,
        "--max-wrong-attempt": max_wrong_attempt,
        "--min-attempt-recall": min_attempt_recall,
    }
    outcomes = d.check(figures, limits)
    if as_json:
        print_json({**figures, "gates": [o.as_dict() for o in outcomes]})
    else:
        console.print(d.table(figures))
    for o in outcomes:
        if o.passed:
            (err_console if as_json else console).print(o.line, highlight=False, soft_wrap=True)
        else:
            err_console.print(f"[bold red]error:[/] {o.line}", highlight=False, soft_wrap=True)
    if not all(o.passed for o in outcomes):
        raise typer.Exit(1)
