"""The shipped artifact: small, loadable without pickle, with its figures next to it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from tutor.grading import artifact
from tutor.grading.features import ALL_FEATURES, BASE_FEATURES


def test_shipped_artifact_loads_and_is_small() -> None:
    shipped = artifact.load()
    assert shipped.models.base.features == BASE_FEATURES
    assert shipped.models.neighbour.features == ALL_FEATURES
    assert shipped.embedder == "minilm-l6-v2-int8"
    assert shipped.prompt == f"offline-grader@{shipped.version}"
    assert (artifact.MODEL_DIR / artifact.ARRAYS_FILE).stat().st_size < 5 * 1024 * 1024
    t = shipped.thresholds
    assert 0 < t.incorrect < t.decision < t.correct < 1


def test_metrics_file_has_the_figures() -> None:
    metrics = json.loads((artifact.MODEL_DIR / artifact.METRICS_FILE).read_text("utf-8"))
    assert metrics["version"] == artifact.load().version
    figures = metrics["figures"]
    for name in ("scientsbank_unseen_answers", "beetle_unseen_answers"):
        assert 0.5 < figures[name]["macro_f1"] <= 1 and 0.5 < figures[name]["accuracy"] <= 1
    mohler = figures["mohler_train_cv5"]
    assert 0.3 < mohler["pearson_grouped"] < 1 and 0.3 < mohler["pearson_by_answer"] < 1
    assert figures["scientsbank_unseen_answers"]["macro_f1"] > metrics["floors"]["scientsbank"]


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    shipped = artifact.load()
    saved = artifact.save(shipped, tmp_path)
    again = artifact.load(tmp_path)
    assert again.version == saved.version == shipped.version  # the version is content-derived
    x = np.random.default_rng(0).uniform(size=(5, len(ALL_FEATURES)))
    x[0, len(BASE_FEATURES) :] = np.nan
    assert np.array_equal(again.models.neighbour.predict(x), shipped.models.neighbour.predict(x))
