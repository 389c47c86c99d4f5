"""The corpus's graded answers are the grader's examples; the eval set must not contain them,
or the corpus eval would measure the grader on answers it was shown."""

from __future__ import annotations

from pathlib import Path

import yaml

from tutor.corpus import Corpus
from tutor.grading.rubric import normalise_answer

EVAL_ANSWERS = Path(__file__).resolve().parents[2] / "evals" / "corpus" / "answers.yaml"


def _words(text: str) -> set[str]:
    return set(normalise_answer(text).split())


def test_no_graded_answer_of_the_corpus_is_an_eval_answer(starter_corpus: Corpus) -> None:
    cases = yaml.safe_load(EVAL_ANSWERS.read_text(encoding="utf-8"))["cases"]
    by_item: dict[str, list[str]] = {}
    for case in cases:
        by_item.setdefault(case["item"], []).append(case["answer"])
    items = [item for _, item in starter_corpus.items()]
    graded = [(item.id, g.answer) for item in items for g in item.graded_answers]
    assert graded  # the starter corpus grades some answers
    for item_id, answer in graded:
        for other in by_item.get(item_id, []):
            shared = _words(answer) & _words(other)
            overlap = len(shared) / max(len(_words(answer) | _words(other)), 1)
            assert overlap < 0.4, f"{item_id}: graded answer {answer!r} is close to {other!r}"
