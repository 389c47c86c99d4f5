"""The held-out fold of questions stays the one the shipped cross-encoder never saw."""

from __future__ import annotations

import json

from tutor.config import get_settings
from tutor.grading.cross_encoder import MODEL_DIR, SETTINGS_FILE
from tutor.grading.datasets import AsagRow, corpus_rows
from tutor.grading.holdout import held_out_rows


def rows(dataset: str, questions: range, per: int = 2) -> list[AsagRow]:
    return [
        AsagRow(dataset, f"{dataset}:{q}", f"question {q}", (f"key {q}",), f"answer {q}.{a}", 1.0)
        for q in questions
        for a in range(per)
    ]


def test_an_item_written_since_training_moves_no_question_between_folds() -> None:
    public, ours = rows("scientsbank", range(40)), rows("corpus", range(10))
    trained = {r.question_id for r in ours}
    held, seen = held_out_rows(public, ours, 5, 0, 0, trained)
    added = rows("corpus", range(10, 11))  # a new item: one more question id to shuffle
    held_after, seen_after = held_out_rows(public, ours + added, 5, 0, 0, trained)
    assert held_after == held + added  # no model saw it: held out, with the fold
    assert seen_after == seen
    # without the record, the shuffle moves public questions the model trained on
    moved, _ = held_out_rows(public, ours + added, 5, 0, 0)
    assert {r.question_id for r in moved} - {r.question_id for r in held_after}


def test_the_shipped_model_records_the_corpus_questions_it_drew_its_folds_over() -> None:
    settings = json.loads((MODEL_DIR / SETTINGS_FILE).read_text("utf-8"))
    recorded = set(settings["corpus_questions"])
    now = {r.question_id for r in corpus_rows(get_settings().corpus_dir)}
    assert len(recorded) == 47 and recorded <= now  # items are added, never renamed
