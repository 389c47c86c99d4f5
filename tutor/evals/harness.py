"""One eval run from start to end, for the CLI (and anything else) to call.

load cases → plan variants → grade (resumable) → figures → gates → figures.json + report.html
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tutor.corpus import load_corpus
from tutor.errors import BadRequestError
from tutor.evals import gates as gating
from tutor.evals.attacks import ATTACKS_FILE, PADDING_FILE, load_attacks, load_padding
from tutor.evals.cases import EvalCase, SchemeKind, all_labels, detect
from tutor.evals.datasets import load_dataset
from tutor.evals.figures import compute
from tutor.evals.graders import Grader
from tutor.evals.public import SHARED_DATA, is_public, load_public
from tutor.evals.report import render
from tutor.evals.results import REPORT, Manifest, RunDir
from tutor.evals.runner import Progress, RunStats, run
from tutor.evals.variants import CHECKS, Plan, build
from tutor.grading.batch.processes import WorkerPool

DATASET_SUFFIXES = (".jsonl", ".csv", ".yaml", ".yml")


@dataclass(frozen=True)
class Options:
    repeats: int = 1
    concurrency: int = 8
    checks: frozenset[str] = frozenset(CHECKS)
    sample: int | None = 200
    per_attack: int = 3
    seed: int = 0
    resamples: int = 1000
    scheme: SchemeKind | None = None
    scale: float | None = None
    fresh: bool = False
    attacks_file: Path = ATTACKS_FILE
    padding_file: Path = PADDING_FILE
    limits: Mapping[str, float | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    figures: dict[str, Any]
    gates: list[gating.Outcome]
    stats: RunStats
    run_dir: RunDir

    @property
    def passed(self) -> bool:
        return all(g.passed for g in self.gates)


def load_cases(
    dataset: str,
    *,
    mapping: Mapping[str, list[str]] | None = None,
    corpus_dir: Path | None = None,
    shared: Path = SHARED_DATA,
) -> list[EvalCase]:
    """A named public set, a dataset file, or a folder of dataset files."""
    if is_public(dataset):
        return load_public(dataset, shared)
    path = Path(dataset)
    corpus = None if corpus_dir is None else functools.cache(lambda: load_corpus(corpus_dir))
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in DATASET_SUFFIXES)
        if not files:
            raise BadRequestError(f"{path} holds no .jsonl, .csv or .yaml datasets")
        cases = [c for f in files for c in load_dataset(f, mapping=mapping, corpus=corpus)]
        ids = [c.id for c in cases]
        if len(set(ids)) != len(ids):
            raise BadRequestError(f"{path}: case ids repeat across files")
        return cases
    return load_dataset(path, mapping=mapping, corpus=corpus)


async def evaluate(
    grader: Grader,
    grader_version: str,
    dataset: str,
    cases: Sequence[EvalCase],
    run_dir: RunDir,
    options: Options,
    progress: Progress | None = None,
    pool: WorkerPool | None = None,
) -> Outcome:
    if not cases:
        raise BadRequestError(f"{dataset} holds no answers")
    scheme = detect(all_labels(cases), options.scheme, options.scale)
    attacks = load_attacks(options.attacks_file) if "injection" in options.checks else []
    padding = load_padding(options.padding_file) if "verbosity" in options.checks else []
    plan = Plan(
        checks=options.checks,
        sample=options.sample,
        per_attack=options.per_attack,
        seed=options.seed,
        attacks=attacks,
        padding=padding,
    )
    variants = build(cases, scheme, plan)
    manifest = Manifest(
        dataset=dataset,
        grader=grader.name,
        version=grader_version,
        scheme=scheme.kind,
        scale=scheme.scale,
        repeats=options.repeats,
        checks=sorted(options.checks),
        seed=options.seed,
    )
    run_dir.start(manifest, fresh=options.fresh)
    results, stats = await run(
        grader,
        variants,
        run_dir,
        repeats=options.repeats,
        concurrency=options.concurrency,
        progress=progress,
        pool=pool,
    )
    figures = compute(
        cases,
        results,
        manifest,
        categories={a.id: a.category for a in attacks},
        resamples=options.resamples,
    )
    outcomes = gating.check(figures, options.limits)
    figures["gates"] = [o.as_dict() for o in outcomes]
    ledger = getattr(grader, "ledger", None)
    if ledger is not None:  # an LLM grader: what the run cost (cache hits cost nothing)
        figures["usage"] = asdict(ledger.totals())
    figures["timing"] = {
        "graded": stats.graded,
        "skipped": stats.skipped,
        "failed": stats.failed,
        "seconds": stats.seconds,
    }
    run_dir.write_figures(figures)
    html = render(figures, [{**o.as_dict(), "line": o.line} for o in outcomes])
    run_dir.file(REPORT).write_text(html, encoding="utf-8")
    return Outcome(figures, outcomes, stats, run_dir)
