"""The shipped artifact: small, loadable without pickle, with its figures next to it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tutor.grading import artifact
from tutor.grading.cross_encoder import CrossEncoder
from tutor.grading.features import ALL_FEATURES, BASE_FEATURES
from tutor.grading.offline import logit, stacked
from tutor.retrieval.embedder import QINT8


def test_shipped_artifact_loads_and_is_small() -> None:
    shipped = artifact.load()
    assert shipped.models.base.features == BASE_FEATURES
    assert shipped.models.neighbour.features == ALL_FEATURES
    assert shipped.embedder == QINT8  # the int8-compute embedder retrieval uses: one MiniLM
    assert shipped.prompt == f"offline-grader@{shipped.version}"
    assert (artifact.MODEL_DIR / artifact.ARRAYS_FILE).stat().st_size < 5 * 1024 * 1024
    t = shipped.thresholds
    assert 0 < t.incorrect <= t.correct < 1
    w_ce, w_tree, _ = shipped.stack.base
    assert w_ce > 0 and w_tree > 0  # both models count on new questions
    assert shipped.stack.cross_encoder == CrossEncoder().version  # fitted for the shipped file
    # a new question's key of one reference has its own blend, reading the key's length
    assert shipped.stack.single is not None and len(shipped.stack.single) == 6
    # a review threshold per number of graded examples, each fitted on new questions
    counts = [n for n, _ in t.review_examples]
    assert counts and counts == sorted(counts) and counts[0] == 1
    assert all(0.5 < threshold <= 1 for _, threshold in t.review_examples)


def test_each_key_shape_gets_its_blend() -> None:
    """With graded examples the neighbour blend; without, the base blend for a key of several
    references and the single blend for a key of one (whose score also moves with the key's
    length)."""
    stack = artifact.load().stack
    assert stack.single is not None
    p = np.full(4, 0.6)
    short, long_ = ("Ice is less dense than water.",), (" ".join(["word"] * 60),)
    keys = [short, short, (short[0], "It floats because it is lighter."), long_]
    with_examples = np.array([True, False, False, False])
    scores = stacked(stack, p, p, with_examples, keys)

    def blend(weights: tuple[float, ...], length: float = 0.0) -> float:
        w_ce, w_tree, bias, *terms = weights
        z = (w_ce + w_tree) * logit(np.array([0.6]))[0] + bias
        if terms:
            w_k, w_ce_k, w_tree_k = terms
            z += length * (w_k + (w_ce_k + w_tree_k) * logit(np.array([0.6]))[0])
        return float(1 / (1 + np.exp(-z)))

    assert scores[0] == pytest.approx(blend(stack.neighbour))
    assert scores[1] == pytest.approx(blend(stack.single, float(np.log1p(6))))  # six words
    assert scores[2] == pytest.approx(blend(stack.base))
    assert scores[3] == pytest.approx(blend(stack.single, float(np.log1p(60))))
    assert scores[1] != pytest.approx(scores[3])


def test_metrics_file_has_the_figures() -> None:
    metrics = json.loads((artifact.MODEL_DIR / artifact.METRICS_FILE).read_text("utf-8"))
    assert metrics["version"] == artifact.load().version
    figures = metrics["figures"]
    for name in ("scientsbank_unseen_answers", "beetle_unseen_answers"):
        assert 0.5 < figures[name]["macro_f1"] <= 1 and 0.5 < figures[name]["accuracy"] <= 1
        assert "macro_f1_if_score_ge_0.5" in figures[name]  # beside the verdict figure
    new = figures["new_questions"]
    # questions no model saw: well above always answering the majority class (about 0.36)
    assert new["scientsbank_macro_f1"] > 0.5 and new["beetle_macro_f1"] > 0.6
    assert 0.3 < new["mohler_pearson"] < 1
    assert figures["scientsbank_unseen_answers"]["macro_f1"] > metrics["floors"]["scientsbank"]


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    shipped = artifact.load()
    saved = artifact.save(shipped, tmp_path)
    again = artifact.load(tmp_path)
    assert again.version == saved.version == shipped.version  # the version is content-derived
    assert again.thresholds == shipped.thresholds and again.stack == shipped.stack
    x = np.random.default_rng(0).uniform(size=(5, len(ALL_FEATURES)))
    x[0, len(BASE_FEATURES) :] = np.nan
    assert np.array_equal(again.models.neighbour.predict(x), shipped.models.neighbour.predict(x))
