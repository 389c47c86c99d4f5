"""Gradient-boosted tree ensembles as plain arrays, evaluated with numpy, and blends of them.

The training script fits scikit-learn's ``HistGradientBoostingClassifier`` and flattens its trees
into the arrays below, so the shipped grader needs neither scikit-learn nor pickle to run.
Prediction walks every row down every tree at once, one tree level per step. A :class:`Blend`
averages the probabilities of several ensembles over the same features (experts trained on
different data).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

ARRAYS = ("feature", "threshold", "missing_left", "left", "right", "is_leaf", "value", "roots")


@dataclass(frozen=True)
class TreeEnsemble:
    """Binary classifier: P(correct) = sigmoid(baseline + sum of one leaf value per tree)."""

    features: tuple[str, ...]
    baseline: float
    depth: int
    feature: npt.NDArray[np.int32]
    threshold: npt.NDArray[np.float64]
    missing_left: npt.NDArray[np.bool_]
    left: npt.NDArray[np.int32]  # global node index of the left child
    right: npt.NDArray[np.int32]
    is_leaf: npt.NDArray[np.bool_]
    value: npt.NDArray[np.float64]
    roots: npt.NDArray[np.int32]  # global node index of each tree's root

    def predict(self, x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """P(correct) for each row of ``x`` (columns in ``self.features`` order; NaN = missing)."""
        if x.ndim != 2 or x.shape[1] != len(self.features):
            raise ValueError(f"expected {len(self.features)} feature columns, got {x.shape}")
        n = x.shape[0]
        nodes = np.broadcast_to(self.roots, (n, len(self.roots))).copy()
        rows = np.arange(n)[:, None]
        for _ in range(self.depth):
            values = x[rows, self.feature[nodes]]
            go_left = np.where(
                np.isnan(values), self.missing_left[nodes], values <= self.threshold[nodes]
            )
            step = np.where(go_left, self.left[nodes], self.right[nodes])
            nodes = np.where(self.is_leaf[nodes], nodes, step)
        raw = self.baseline + self.value[nodes].sum(axis=1)
        result: npt.NDArray[np.float64] = 1.0 / (1.0 + np.exp(-raw))
        return result

    def to_arrays(self, prefix: str) -> dict[str, npt.NDArray[Any]]:
        arrays: dict[str, npt.NDArray[Any]] = {f"{prefix}{k}": getattr(self, k) for k in ARRAYS}
        arrays[f"{prefix}baseline"] = np.array([self.baseline])
        arrays[f"{prefix}depth"] = np.array([self.depth])
        arrays[f"{prefix}features"] = np.array(self.features)
        return arrays

    @classmethod
    def from_arrays(cls, arrays: Any, prefix: str) -> TreeEnsemble:
        return cls(
            features=tuple(str(f) for f in arrays[f"{prefix}features"]),
            baseline=float(arrays[f"{prefix}baseline"][0]),
            depth=int(arrays[f"{prefix}depth"][0]),
            feature=arrays[f"{prefix}feature"].astype(np.int32),
            threshold=arrays[f"{prefix}threshold"].astype(np.float64),
            missing_left=arrays[f"{prefix}missing_left"].astype(np.bool_),
            left=arrays[f"{prefix}left"].astype(np.int32),
            right=arrays[f"{prefix}right"].astype(np.int32),
            is_leaf=arrays[f"{prefix}is_leaf"].astype(np.bool_),
            value=arrays[f"{prefix}value"].astype(np.float64),
            roots=arrays[f"{prefix}roots"].astype(np.int32),
        )

    @classmethod
    def from_sklearn(cls, model: Any, features: tuple[str, ...]) -> TreeEnsemble:
        """Flatten a fitted binary ``HistGradientBoostingClassifier`` (numeric features only)."""
        parts, roots, offset, depth = [], [], 0, 0
        for (predictor,) in model._predictors:
            nodes = predictor.nodes
            if nodes["is_categorical"].any():
                raise ValueError("categorical splits are not supported")
            parts.append(nodes)
            roots.append(offset)
            depth = max(depth, int(nodes["depth"].max()))
            offset += len(nodes)
        allnodes = np.concatenate(parts)
        shift = np.repeat(np.array(roots), [len(p) for p in parts])
        leaf = allnodes["is_leaf"].astype(np.bool_)
        return cls(
            features=features,
            baseline=float(np.ravel(model._baseline_prediction)[0]),
            depth=depth,
            feature=np.where(leaf, 0, allnodes["feature_idx"]).astype(np.int32),
            threshold=allnodes["num_threshold"].astype(np.float64),
            missing_left=allnodes["missing_go_to_left"].astype(np.bool_),
            left=np.where(leaf, 0, allnodes["left"] + shift).astype(np.int32),
            right=np.where(leaf, 0, allnodes["right"] + shift).astype(np.int32),
            is_leaf=leaf,
            value=allnodes["value"].astype(np.float64),
            roots=np.array(roots, dtype=np.int32),
        )


@dataclass(frozen=True)
class Blend:
    """P(correct) = the weighted mean of its members' P(correct); weights sum to 1."""

    members: tuple[TreeEnsemble, ...]
    weights: tuple[float, ...]

    def __post_init__(self) -> None:
        if not self.members or len(self.members) != len(self.weights):
            raise ValueError("a blend needs one weight per member, and at least one member")
        if abs(sum(self.weights) - 1.0) > 1e-9:
            raise ValueError(f"blend weights {self.weights} do not sum to 1")
        if any(m.features != self.members[0].features for m in self.members):
            raise ValueError("the members of a blend must read the same features")

    @classmethod
    def of(cls, ensemble: TreeEnsemble) -> Blend:
        return cls((ensemble,), (1.0,))

    @property
    def features(self) -> tuple[str, ...]:
        return self.members[0].features

    @property
    def trees(self) -> int:
        return sum(len(m.roots) for m in self.members)

    def predict(self, x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        result: npt.NDArray[np.float64] = sum(
            (w * m.predict(x) for m, w in zip(self.members, self.weights, strict=True)),
            start=np.zeros(x.shape[0]),
        )
        return result

    def to_arrays(self, prefix: str) -> dict[str, npt.NDArray[Any]]:
        arrays = {f"{prefix}weights": np.array(self.weights, dtype=np.float64)}
        for i, member in enumerate(self.members):
            arrays.update(member.to_arrays(f"{prefix}{i}_"))
        return arrays

    @classmethod
    def from_arrays(cls, arrays: Any, prefix: str) -> Blend:
        weights = tuple(float(w) for w in arrays[f"{prefix}weights"])
        members = tuple(
            TreeEnsemble.from_arrays(arrays, f"{prefix}{i}_") for i in range(len(weights))
        )
        return cls(members, weights)
