"""The shipped grader: tree arrays in ``grader.npz``, figures in ``grader.metrics.json``.

The ``.npz`` holds only numeric and string arrays (loaded with ``allow_pickle=False``) plus a
JSON manifest: artifact version, embedder name, feature names, the score thresholds and the
stack (how the cross-encoder's probability and the trees' combine). The version is derived from
the arrays' content and the cross-encoder's hash, so retraining with the same data and seeds
gives the same version.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from tutor.errors import ConfigurationError
from tutor.grading.ensemble import Blend

MODEL_DIR = Path(__file__).parent / "model"
ARRAYS_FILE = "grader.npz"
METRICS_FILE = "grader.metrics.json"
NAME = "offline-grader"
FORMAT = 3  # 2: each model is a blend of tree ensembles; 3: stacked with the cross-encoder


@dataclass(frozen=True)
class GraderModels:
    base: Blend  # answer vs references only
    neighbour: Blend  # plus graded answers to the same question


@dataclass(frozen=True)
class Thresholds:
    """Where scores (P(correct)) turn into verdicts and flags; fitted on train data only."""

    correct: float = 0.65  # verdict correct at or above
    incorrect: float = 0.35  # verdict incorrect below
    off_topic: float = 0.2  # off topic when similarity to question and references is below
    mistake: float = 0.6  # a common mistake is named from this similarity of the whole answer
    review: float = 0.6  # needs_review below this confidence
    # the same for an answer graded with graded examples (None: ``review``): that path's
    # scores are calibrated otherwise, so each gets the threshold its own verdicts support
    review_graded: float | None = None
    # ... and by how many examples: (fewest examples, threshold), ascending by the count. A
    # question with a few graded answers is graded less surely than one with dozens, and one
    # threshold fitted with dozens let 12-17% of the verdicts given with 1-9 examples be
    # wrong (docs/design/grading.md, "Review by the number of graded examples").
    review_examples: tuple[tuple[int, float], ...] = ()

    def review_for(self, examples: int) -> float:
        """The confidence under which a verdict goes to review, given this many graded
        examples: the threshold of the largest count in ``review_examples`` not above it;
        ``review_graded`` where none is (an artifact fitted before them), then ``review``."""
        if examples <= 0:
            return self.review
        fitted = [threshold for fewest, threshold in self.review_examples if fewest <= examples]
        if fitted:
            return fitted[-1]
        return self.review_graded if self.review_graded is not None else self.review


@dataclass(frozen=True)
class Stack:
    """Logistic blends of the cross-encoder's and the trees' log-odds, one per path:
    ``sigmoid(w_ce * logit(ce) + w_tree * logit(tree) + bias)``. Fitted on predictions for
    questions neither model saw (scripts/train_grader.py)."""

    base: tuple[float, ...] = (0.0, 1.0, 0.0)  # no graded examples
    neighbour: tuple[float, ...] = (0.0, 1.0, 0.0)  # with graded examples
    cross_encoder: str = ""  # sha256 prefix of the cross-encoder the weights were fitted for
    # No graded examples and one reference, the shape of an item a content team writes: its
    # own blend (``base`` where absent). Both models take an answer's best match over the
    # references, so an item with several runs higher for right and wrong answers alike; with
    # one blend for both shapes, a single key's right answers sat low (held-out questions: mean
    # P(correct) 0.49 for SciEntsBank's right answers, one reference each, against 0.77 for
    # Beetle's, 2-14) and the correct band turned most of them partial (docs/design/grading.md,
    # "A blend for one reference").
    # (w_ce, w_tree, bias), or with the key's length ``k = log(1 + words)`` as a term and a
    # factor of each model's log-odds: (w_ce, w_tree, bias, w_k, w_ce_k, w_tree_k).
    single: tuple[float, ...] | None = None


DEFAULT_THRESHOLDS = Thresholds()


@dataclass(frozen=True)
class GraderArtifact:
    models: GraderModels
    embedder: str
    thresholds: Thresholds = field(default_factory=Thresholds)
    stack: Stack = field(default_factory=Stack)
    version: str = ""
    metrics: dict[str, Any] = field(default_factory=dict)

    @property
    def prompt(self) -> str:
        return f"{NAME}@{self.version}"


def _arrays(artifact: GraderArtifact) -> dict[str, Any]:
    arrays = {
        **artifact.models.base.to_arrays("base_"),
        **artifact.models.neighbour.to_arrays("neighbour_"),
    }
    manifest = {
        "format": FORMAT,
        "embedder": artifact.embedder,
        "thresholds": asdict(artifact.thresholds),
        "stack": asdict(artifact.stack),
    }
    arrays["manifest"] = np.array(json.dumps(manifest, sort_keys=True))
    return arrays


def content_version(artifact: GraderArtifact) -> str:
    digest = hashlib.sha256()
    for key, value in sorted(_arrays(artifact).items()):
        digest.update(key.encode())
        digest.update(np.ascontiguousarray(value).tobytes())
    return f"{FORMAT}.{digest.hexdigest()[:10]}"


def save(artifact: GraderArtifact, directory: Path = MODEL_DIR) -> GraderArtifact:
    """Write both files; returns the artifact with its content version filled in."""
    directory.mkdir(parents=True, exist_ok=True)
    version = content_version(artifact)
    arrays = _arrays(artifact)
    arrays["version"] = np.array(version)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    (directory / ARRAYS_FILE).write_bytes(buffer.getvalue())
    metrics = {"name": NAME, "version": version, **artifact.metrics}
    (directory / METRICS_FILE).write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    return GraderArtifact(
        artifact.models, artifact.embedder, artifact.thresholds, artifact.stack, version, metrics
    )


def load(directory: Path = MODEL_DIR) -> GraderArtifact:
    path = directory / ARRAYS_FILE
    if not path.is_file():
        raise ConfigurationError(
            f"the offline grader model {path} is missing; train it with scripts/train_grader.py"
        )
    with np.load(path, allow_pickle=False) as arrays:
        manifest = json.loads(str(arrays["manifest"]))
        if manifest.get("format") != FORMAT:
            raise ConfigurationError(
                f"{path} has format {manifest.get('format')}, this tutor reads format {FORMAT}; "
                "retrain it with scripts/train_grader.py"
            )
        models = GraderModels(
            Blend.from_arrays(arrays, "base_"),
            Blend.from_arrays(arrays, "neighbour_"),
        )
        version = str(arrays["version"])
    metrics_path = directory / METRICS_FILE
    metrics = json.loads(metrics_path.read_text("utf-8")) if metrics_path.is_file() else {}
    stack = manifest["stack"]
    single = stack.get("single")
    stack = Stack(
        tuple(stack["base"]),
        tuple(stack["neighbour"]),
        stack["cross_encoder"],
        None if single is None else tuple(single),
    )
    bands = manifest["thresholds"]
    by_count = tuple((int(n), float(t)) for n, t in bands.pop("review_examples", ()))
    thresholds = Thresholds(**bands, review_examples=by_count)
    return GraderArtifact(models, manifest["embedder"], thresholds, stack, version, metrics)
