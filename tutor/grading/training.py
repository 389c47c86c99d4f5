"""Fitting the offline grader: two tree ensembles, with and without graded-answer neighbours.

Neighbour features of a training row come from the *other folds* of its own question (K-fold
within each question, never leave-one-out: leave-one-out would leak the question's mean label
into ``ex_mean`` and friends). A second copy of the rows sees only a few (3-20) graded answers,
so the model also learns what a small set of examples is worth.

Fractional targets (Mohler's 0-5 scores divided by 5) train the classifier as soft labels: the
row appears once as correct with weight ``t`` and once as incorrect with weight ``1 - t``.
Needs scikit-learn (a development dependency); the fitted trees are exported to plain arrays.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from tutor.grading.artifact import GraderModels
from tutor.grading.datasets import AsagRow, by_question
from tutor.grading.ensemble import TreeEnsemble
from tutor.grading.features import (
    ALL_FEATURES,
    BASE_FEATURES,
    EmbeddingTable,
    GradingCase,
    extract,
)

Examples = tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class TrainConfig:
    seed: int = 0
    folds: int = 5  # K-fold within each question for neighbour features
    few_examples: tuple[int, int] = (3, 20)  # size range of the second, sparse copy
    learning_rate: float = 0.03
    max_iter: int = 500
    max_leaf_nodes: int = 31
    min_samples_leaf: int = 20
    l2_regularization: float = 1.0
    mohler_weight: float = 2.0  # weight of rows graded on a scale (longer, explanatory answers)


def oof_examples(
    rows: Sequence[AsagRow], config: TrainConfig, *, few: bool = False, salt: int = 0
) -> list[Examples]:
    """Graded answers each row may see: its question's rows outside its own fold."""
    rng = np.random.default_rng(config.seed + salt)
    out: list[Examples] = [() for _ in rows]
    for indices in by_question(rows).values():
        shuffled = rng.permutation(indices)
        fold_of = {int(i): k % config.folds for k, i in enumerate(shuffled)}
        for i in indices:
            pool = [j for j in indices if fold_of[j] != fold_of[i]]
            if few and pool:
                size = int(rng.integers(config.few_examples[0], config.few_examples[1] + 1))
                pool = [int(j) for j in rng.permutation(pool)[:size]]
            out[i] = tuple((rows[j].answer, rows[j].target) for j in pool)
    return out


def fit(rows: Sequence[AsagRow], table: EmbeddingTable, config: TrainConfig) -> GraderModels:
    targets = np.array([r.target for r in rows])
    weights = np.array([config.mohler_weight if _scored(r) else 1.0 for r in rows])
    x_base = extract([r.case() for r in rows], table, neighbours=False)
    x_full = np.vstack(
        [
            extract(_cases(rows, oof_examples(rows, config)), table),
            extract(_cases(rows, oof_examples(rows, config, few=True, salt=1)), table),
        ]
    )
    return GraderModels(
        base=_fit_one(x_base, targets, weights, config, BASE_FEATURES),
        neighbour=_fit_one(x_full, np.tile(targets, 2), np.tile(weights, 2), config, ALL_FEATURES),
    )


def _scored(row: AsagRow) -> bool:
    """Rows from a set graded on a scale (Mohler), rather than correct / incorrect."""
    return row.dataset.startswith("mohler")


def _cases(rows: Sequence[AsagRow], examples: Sequence[Examples]) -> list[GradingCase]:
    return [r.case(e) for r, e in zip(rows, examples, strict=True)]


def _fit_one(
    x: npt.NDArray[np.float64],
    targets: npt.NDArray[np.float64],
    row_weights: npt.NDArray[np.float64],
    config: TrainConfig,
    features: tuple[str, ...],
) -> TreeEnsemble:
    from sklearn.ensemble import HistGradientBoostingClassifier  # type: ignore[import-untyped]
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    soft = (targets > 0) & (targets < 1)
    xs = np.vstack([x, x[soft]])
    first = np.where(soft, 1, (targets >= 0.5).astype(int))  # soft rows: correct, weight t ...
    ys = np.concatenate([first, np.zeros(int(soft.sum()), dtype=int)])  # ... incorrect, 1 - t
    weights = np.concatenate([np.where(soft, targets, 1.0), 1.0 - targets[soft]])
    weights *= np.concatenate([row_weights, row_weights[soft]])
    model: Any = HistGradientBoostingClassifier(
        learning_rate=config.learning_rate,
        max_iter=config.max_iter,
        max_leaf_nodes=config.max_leaf_nodes,
        min_samples_leaf=config.min_samples_leaf,
        l2_regularization=config.l2_regularization,
        early_stopping=False,
        random_state=config.seed,
    )
    with threadpool_limits(limits=1):  # on a shared machine, OpenMP spinning costs 5x
        model.fit(xs, ys, sample_weight=weights)
    ensemble = TreeEnsemble.from_sklearn(model, features)
    check = xs[:: max(1, len(xs) // 500)]
    if not np.allclose(ensemble.predict(check), model.predict_proba(check)[:, 1], atol=1e-9):
        raise RuntimeError("the exported trees do not reproduce scikit-learn's predictions")
    return ensemble
