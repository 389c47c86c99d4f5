"""The portable tree ensemble walks trees like scikit-learn does, NaN included."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from tutor.grading.ensemble import Blend, TreeEnsemble


def _stump() -> TreeEnsemble:
    # Tree 0: x0 <= 0.5 (NaN goes right) ? -1 : +1.  Tree 1: a single leaf of +0.5.
    return TreeEnsemble(
        features=("a", "b"),
        baseline=0.0,
        depth=1,
        feature=np.array([0, 0, 0, 0], dtype=np.int32),
        threshold=np.array([0.5, 0, 0, 0]),
        missing_left=np.array([False, False, False, False]),
        left=np.array([1, 0, 0, 0], dtype=np.int32),
        right=np.array([2, 0, 0, 0], dtype=np.int32),
        is_leaf=np.array([False, True, True, True]),
        value=np.array([0.0, -1.0, 1.0, 0.5]),
        roots=np.array([0, 3], dtype=np.int32),
    )


def test_predict_follows_thresholds_and_missing_values() -> None:
    x = np.array([[0.2, 9.0], [0.9, 9.0], [np.nan, 9.0]])
    raw = np.log(_stump().predict(x) / (1 - _stump().predict(x)))
    assert np.allclose(raw, [-0.5, 1.5, 1.5])


def test_arrays_round_trip() -> None:
    ensemble = _stump()
    again = TreeEnsemble.from_arrays(ensemble.to_arrays("m_"), "m_")
    x = np.array([[0.2, 0.0], [0.7, 1.0]])
    assert again.features == ("a", "b")
    assert np.array_equal(again.predict(x), ensemble.predict(x))


def test_wrong_width_is_refused() -> None:
    with pytest.raises(ValueError, match="2 feature columns"):
        _stump().predict(np.zeros((1, 3)))


def test_matches_scikit_learn() -> None:
    sklearn = pytest.importorskip("sklearn.ensemble")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 3))
    x[::5, 1] = np.nan
    y = ((x[:, 0] + np.nan_to_num(x[:, 1])) > 0).astype(int)
    model = sklearn.HistGradientBoostingClassifier(max_iter=20, random_state=0).fit(x, y)
    ours = TreeEnsemble.from_sklearn(model, ("a", "b", "c"))
    assert np.allclose(ours.predict(x), model.predict_proba(x)[:, 1])


def test_blend_averages_its_members_and_round_trips() -> None:
    stump = _stump()
    shifted = replace(stump, baseline=1.0)
    blend = Blend((stump, shifted), (0.25, 0.75))
    x = np.array([[0.2, 0.0], [0.9, 1.0], [np.nan, 0.0]])
    assert np.allclose(blend.predict(x), 0.25 * stump.predict(x) + 0.75 * shifted.predict(x))
    again = Blend.from_arrays(blend.to_arrays("base_"), "base_")
    assert again.weights == (0.25, 0.75) and again.trees == 4
    assert np.array_equal(again.predict(x), blend.predict(x))
    assert np.array_equal(Blend.of(stump).predict(x), stump.predict(x))


def test_blend_refuses_bad_weights_and_mixed_features() -> None:
    with pytest.raises(ValueError, match="sum to 1"):
        Blend((_stump(), _stump()), (0.5, 0.6))
    with pytest.raises(ValueError, match="same features"):
        Blend((_stump(), replace(_stump(), features=("b", "a"))), (0.5, 0.5))
