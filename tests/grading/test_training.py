"""Training-time neighbour features never see the row itself or its fold (no label leak)."""

from __future__ import annotations

import numpy as np
import pytest

from tutor.grading.datasets import AsagRow
from tutor.grading.ensemble import TreeEnsemble
from tutor.grading.training import TrainConfig, _calibrated, oof_examples


def _rows() -> list[AsagRow]:
    return [
        AsagRow("toy-train", f"toy:{q}", f"question {q}", ("ref",), f"answer {q}-{i}", i % 2)
        for q in range(3)
        for i in range(10)
    ]


def test_examples_come_from_other_folds_of_the_same_question() -> None:
    rows = _rows()
    examples = oof_examples(rows, TrainConfig(folds=5))
    for row, seen in zip(rows, examples, strict=True):
        texts = {t for t, _ in seen}
        assert row.answer not in texts
        assert all(t.startswith(f"answer {row.question_id[4:]}-") for t in texts)
        assert len(texts) == 8  # 10 answers, 5 folds of 2: the row's fold is left out whole


def test_examples_are_deterministic_and_the_sparse_copy_is_small() -> None:
    rows, config = _rows(), TrainConfig(folds=5, few_examples=(3, 5))
    assert oof_examples(rows, config) == oof_examples(rows, config)
    sparse = oof_examples(rows, config, few=True, salt=1)
    assert all(3 <= len(e) <= 5 for e in sparse)


def test_the_right_only_copy_sees_right_answers_of_other_folds_alone() -> None:
    rows, config = _rows(), TrainConfig(folds=5, right_only_examples=(1, 3))
    right_only = oof_examples(rows, config, right_only=True, salt=2)
    for row, seen in zip(rows, right_only, strict=True):
        assert 1 <= len(seen) <= 3 and row.answer not in {t for t, _ in seen}
        assert all(score == 1 for _, score in seen)


def test_calibrating_an_expert_keeps_its_ranking_on_the_two_way_scale() -> None:
    pytest.importorskip("sklearn")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 2))
    labels = x[:, 0] + rng.normal(scale=0.5, size=300) > 1.0  # few right answers: a harsh scale
    expert = _stump_on_first_column()
    calibrated = _calibrated(expert, x, labels)
    before, after = expert.predict(x), calibrated.predict(x)
    assert np.array_equal(np.argsort(before, kind="stable"), np.argsort(after, kind="stable"))
    assert abs(after.mean() - labels.mean()) < 0.05  # now it speaks P(correct) of the 2-way set
    assert abs(before.mean() - labels.mean()) > 0.2


def _stump_on_first_column() -> TreeEnsemble:
    return TreeEnsemble(
        features=("a", "b"), baseline=0.5, depth=1,
        feature=np.array([0, 0, 0], dtype=np.int32), threshold=np.array([1.0, 0, 0]),
        missing_left=np.zeros(3, dtype=np.bool_), left=np.array([1, 0, 0], dtype=np.int32),
        right=np.array([2, 0, 0], dtype=np.int32), is_leaf=np.array([False, True, True]),
        value=np.array([0.0, 0.0, 2.0]), roots=np.array([0], dtype=np.int32),
    )  # fmt: skip
