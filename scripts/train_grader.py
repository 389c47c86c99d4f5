"""Train the offline grader on the public ASAG train files and ship it into tutor/grading/model.

    .venv/bin/python scripts/train_grader.py [--data ../shared/data/asag] [--no-mohler-cv]

Fits two gradient-boosted tree models (with and without graded-answer neighbours) on
scientsbank-train, beetle-train and mohler-train, exports them to ``grader.npz`` and writes
the figures of the issue to ``grader.metrics.json``: SciEntsBank and Beetle unseen answers
(macro-F1, accuracy) and Mohler 5-fold cross-validation (Pearson r). Deterministic: fixed seeds
and single-threaded-safe scikit-learn settings. Takes about 5 minutes (single-threaded).
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import asdict
from pathlib import Path

import sklearn  # type: ignore[import-untyped]

from tutor.grading import artifact as artifacts
from tutor.grading.artifact import GraderArtifact, Thresholds
from tutor.grading.datasets import TRAIN_FILES, load_many
from tutor.grading.evaluation import FLOORS, TARGETS, figures
from tutor.grading.features import ALL_FEATURES, BASE_FEATURES, EmbeddingTable
from tutor.grading.training import TrainConfig, fit
from tutor.retrieval.embedder import MiniLMEmbedder

REPO = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "asag")
    parser.add_argument("--out", type=Path, default=artifacts.MODEL_DIR)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-mohler-cv", action="store_true", help="skip the 10 refits")
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        print(f"no ASAG data at {args.data}; pass --data", file=sys.stderr)
        return 2

    started = time.monotonic()
    config = TrainConfig(seed=args.seed)
    embedder = MiniLMEmbedder(threads=1)  # the machine is shared; spinning threads cost more
    table = EmbeddingTable(embedder)
    rows = load_many(args.data, TRAIN_FILES)
    print(f"training on {len(rows)} answers from {', '.join(TRAIN_FILES)}")
    models = fit(rows, table, config)
    thresholds = Thresholds()
    print(f"fitted in {time.monotonic() - started:.0f}s; measuring")
    figs = figures(args.data, models, table, config, thresholds.decision,
                   mohler=not args.no_mohler_cv)  # fmt: skip
    metrics = {
        "trained_on": {name: sum(r.dataset == name for r in rows) for name in TRAIN_FILES},
        "embedder": embedder.name,
        "config": asdict(config),
        "features": {"base": list(BASE_FEATURES), "neighbour": list(ALL_FEATURES)},
        "trees": {"base": models.base.trees, "neighbour": models.neighbour.trees},
        "figures": figs,
        "floors": FLOORS,
        "targets": TARGETS,
        "scikit_learn": sklearn.__version__,
    }
    shipped = artifacts.save(
        GraderArtifact(models, embedder.name, thresholds, metrics=metrics), args.out
    )
    size = (args.out / artifacts.ARRAYS_FILE).stat().st_size
    print(f"wrote {args.out / artifacts.ARRAYS_FILE} ({size / 1024:.0f} KiB), "
          f"version {shipped.version}, in {time.monotonic() - started:.0f}s")  # fmt: skip
    for name, values in figs.items():
        print(f"  {name}: " + ", ".join(f"{k}={v}" for k, v in values.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
