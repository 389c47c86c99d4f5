"""Item difficulty: starts from the label, moves Elo-style with answers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tutor.corpus import Corpus, Difficulty
from tutor.learners import Catalog, Knowledge
from tutor.learners.difficulty import initial_rating, k_factor, label_for, rating_change

NOW = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


def test_labels_start_on_the_logit_scale() -> None:
    assert [initial_rating(d) for d in Difficulty] == [-1.0, 0.0, 1.0]
    assert [label_for(r) for r in (-1.2, 0.1, 0.9)] == list(Difficulty)


def test_an_unexpected_success_makes_an_item_easier_and_a_failure_harder() -> None:
    assert rating_change(0, expected=0.3, score=1.0) < 0
    assert rating_change(0, expected=0.9, score=0.0) > 0
    assert rating_change(0, expected=0.5, score=0.5) == 0


def test_well_known_items_move_less() -> None:
    assert k_factor(0) > k_factor(20) > k_factor(200) > 0
    assert abs(rating_change(100, 0.3, 1.0)) < abs(rating_change(0, 0.3, 1.0))


def test_observing_answers_moves_the_items_rating(graph_corpus: Corpus) -> None:
    catalog = Catalog.from_corpus(graph_corpus)
    knowledge = Knowledge(catalog)
    assert knowledge.rating("b-3") == 1.0  # the hard item, from its label
    seen = knowledge.observe("b-3", 1.0, NOW)  # a beginner gets the hard item right
    assert seen.rating[1] < seen.rating[0] == 1.0
    assert knowledge.rating("b-3") == pytest.approx(seen.rating[1])
    before = knowledge.rating("b-1")
    knowledge.observe("b-1", 0.0, NOW)  # and the easy one wrong
    assert knowledge.rating("b-1") > before
