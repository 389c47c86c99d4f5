"""Train the offline grader's trees, stack them with the cross-encoder, ship the artifact.

    .venv/bin/python scripts/train_grader.py [--data ../shared/data/asag]

Run after ``scripts/train_cross_encoder.py``, which writes ``cross_encoder.onnx`` and records in
``cross_encoder.json`` which fold of questions (``datasets.question_folds``) it never saw.

1. Trees are fitted without those questions; the cross-encoder and the trees then grade them
   (with no graded examples, and with graded examples from the same question's other folds).
2. The stack and verdict bands are fitted on half of the held-out questions and measured, by
   verdict through ``OfflineGrader``, on the other half, then the halves swap: the *new
   questions* figures. The shipped stack and bands are then fitted on all held-out questions.
3. The shipped trees are fitted on every train row, and the figures written to
   ``grader.metrics.json``: new questions (SciEntsBank and Beetle macro-F1, Mohler Pearson),
   SciEntsBank and Beetle *unseen answers* (test files), accuracy against coverage.

``--stack-only`` keeps the shipped trees (and the vectors they were fitted on) and refits the
stack and bands alone: steps 1 and 2, then the figures.

Deterministic: fixed seeds and single-threaded scikit-learn. About 15 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import sklearn  # type: ignore[import-untyped]

from tutor.grading import artifact as artifacts
from tutor.grading import cross_encoder as ce
from tutor.grading.artifact import GraderArtifact
from tutor.grading.datasets import TRAIN_FILES, corpus_rows, load, load_many
from tutor.grading.evaluation import FLOORS, TARGETS, unseen_answers
from tutor.grading.features import ALL_FEATURES, BASE_FEATURES, EmbeddingTable
from tutor.grading.holdout import held_out_rows, make_grader, new_questions
from tutor.grading.training import TrainConfig, fit_cached
from tutor.retrieval.embedder import FP32, QINT8, MiniLMEmbedder

REPO = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "asag")
    parser.add_argument("--corpus", type=Path, default=REPO / "corpus")
    parser.add_argument("--out", type=Path, default=artifacts.MODEL_DIR)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--cache",
        type=Path,
        default=REPO / "build" / "grader",
        help="fitted trees are kept here and reused for the same rows",
    )
    parser.add_argument(
        "--embedder",
        choices=(QINT8, FP32),
        default=QINT8,
        help="the sentence vectors the trees are fitted on, and that the shipped "
        "grader then uses: the int8-compute default, the same model retrieval "
        "runs, so the service loads one MiniLM",
    )
    parser.add_argument(
        "--stack-only",
        action="store_true",
        help="keep the shipped trees; refit the stack and verdict bands on the held-out "
        "questions and write them with new figures",
    )
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        print(f"no ASAG data at {args.data}; pass --data", file=sys.stderr)
        return 2
    settings = json.loads((args.out / ce.SETTINGS_FILE).read_text("utf-8"))
    held_fold = settings.get("held_out_fold")
    if held_fold is None:
        print(
            "the cross-encoder saw every question: retrain it with --run-folds 1 --ship-fold 0 "
            "so that the stack can be fitted on questions it never saw",
            file=sys.stderr,
        )
        return 2

    started = time.monotonic()
    config = TrainConfig(seed=args.seed)
    # The machine is shared: spinning threads cost more.
    shipped = artifacts.load(args.out) if args.stack_only else None
    embedder = MiniLMEmbedder(threads=1, name=shipped.embedder if shipped else args.embedder)
    table = EmbeddingTable(embedder)
    cross = ce.CrossEncoder(args.out)
    asag = load_many(args.data, TRAIN_FILES)
    cv = settings["config"]
    held_rows, seen_rows = held_out_rows(
        asag, corpus_rows(args.corpus), cv["folds"], cv["seed"], held_fold,
        settings.get("corpus_questions"),
    )  # fmt: skip
    print(f"{len(asag)} train rows; {len(held_rows)} rows of held-out questions", flush=True)
    new = new_questions(held_rows, seen_rows, embedder, table, cross, config, args.cache)
    stack = replace(new.stack, cross_encoder=cross.version)
    thresholds = new.thresholds
    print(f"new questions in {time.monotonic() - started:.0f}s: {new.figures}", flush=True)
    print(f"stack {stack}; {thresholds}", flush=True)

    models = shipped.models if shipped else fit_cached(asag, table, config, args.cache)
    grader = make_grader(embedder, table, cross, models, stack, thresholds)
    figs: dict[str, Any] = {"new_questions": new.figures}
    for name in ("scientsbank", "beetle"):
        train, test = (load(args.data / f"{name}-train.jsonl"),
                       load(args.data / f"{name}-test-unseen-answers.jsonl"))  # fmt: skip
        figs[f"{name}_unseen_answers"] = unseen_answers(grader, train, test)
    figs["accuracy_by_coverage_new_questions"] = new.curve
    kept = {k: v for k, v in (shipped.metrics if shipped else {}).items()
            if k not in ("name", "version")}  # fmt: skip
    metrics = kept | {
        "trained_on": {name: sum(r.dataset == name for r in asag) for name in TRAIN_FILES},
        "embedder": embedder.name,
        "cross_encoder": {
            "file": ce.MODEL_FILE,
            "sha256": settings.get("sha256"),
            "quantized_sha256": settings.get("quantized_sha256"),  # its version (stack)
            "held_out_fold": held_fold,
            "folds": cv["folds"],
        },
        "config": asdict(config),
        "features": {"base": list(BASE_FEATURES), "neighbour": list(ALL_FEATURES)},
        "trees": {"base": models.base.trees, "neighbour": models.neighbour.trees},
        "figures": figs,
        "floors": FLOORS,
        "targets": TARGETS,
        "scikit_learn": sklearn.__version__,
    }
    written = artifacts.save(
        GraderArtifact(models, embedder.name, thresholds, stack, metrics=metrics), args.out
    )
    print(f"wrote {args.out / artifacts.ARRAYS_FILE}, version {written.version}, "
          f"in {time.monotonic() - started:.0f}s")  # fmt: skip
    print(json.dumps(figs, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
