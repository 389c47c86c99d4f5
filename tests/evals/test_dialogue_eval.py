"""The dialogue eval set and its figures (``tutor eval dialogue``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tutor.config import PROJECT_ROOT
from tutor.corpus import Corpus
from tutor.errors import BadRequestError
from tutor.evals.dialogue import TurnResult, check, figures, load_dialogues

DIALOGUES = PROJECT_ROOT / "evals" / "dialogues"


def test_the_set_has_60_dialogues_with_labelled_follow_ups_and_attempt_turns(
    starter_corpus: Corpus,
) -> None:
    dialogues = load_dialogues(DIALOGUES, starter_corpus)
    turns = [t for d in dialogues for t in d.turns]
    assert len(dialogues) >= 60
    assert sum(1 for t in turns if t.answers) >= 100
    assert sum(1 for t in turns if not t.attempt) >= 100  # must not pull in an attempt
    assert any(t.attempt for t in turns)


def test_a_label_that_is_not_a_passage_is_refused(starter_corpus: Corpus, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "dialogues:\n  - id: x\n    turns:\n      - learner: What is RAG?\n"
        "      - learner: why?\n        answers: [retrieval-augmented-generation/nope]\n"
    )
    with pytest.raises(BadRequestError, match="no passage 'retrieval-augmented-generation/nope'"):
        load_dialogues(bad, starter_corpus)


def test_figures_count_hits_and_wrong_attempts() -> None:
    def turn(answers: tuple[str, ...], ranked: tuple[str, ...], attempt: str | None) -> TurnResult:
        return TurnResult("d", 1, "why?", answers, ranked, True, False, attempt)

    results = [
        turn(("a/x",), ("a/x", "a/y"), None),
        turn(("a/z",), ("a/x", "a/y", "a/z"), None),
        turn(("a/q",), ("a/x", "a/y", "a/z", "a/q"), "samp-02"),
        turn((), ("a/x",), None),
    ]
    found = figures(results)
    assert found["follow_ups"]["hit_at_1"] == pytest.approx(1 / 3)
    assert found["follow_ups"]["hit_at_3"] == pytest.approx(2 / 3)
    assert found["attempts"]["wrong"] == 1 and found["attempts"]["wrong_rate"] == 0.25
    outcomes = check(found, {"--min-hit3": 0.9, "--max-wrong-attempt": 0.0, "--min-hit1": None})
    assert [o.passed for o in outcomes] == [False, False]
