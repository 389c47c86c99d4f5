"""Training-time neighbour features never see the row itself or its fold (no label leak)."""

from __future__ import annotations

from tutor.grading.datasets import AsagRow
from tutor.grading.training import TrainConfig, oof_examples


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
