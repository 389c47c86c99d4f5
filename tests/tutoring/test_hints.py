"""Hints in three levels, for every item in the corpus, never containing the answer."""

from __future__ import annotations

import re

import pytest

from tests.tutoring.fakes import ScriptedEngine
from tutor.corpus import Corpus, ItemType
from tutor.engines.lexicon import terms
from tutor.errors import NotFoundError
from tutor.retrieval import PassageIndex
from tutor.store import Database, create_learner, list_messages, submit_attempt
from tutor.tutoring import SAFE_PROMPT, Tutor, guard_for
from tutor.tutoring.leak import normalise


async def test_no_hint_at_any_level_contains_the_answer_for_any_item(
    tutor: Tutor, starter_corpus: Corpus
) -> None:
    items = starter_corpus.items()
    assert len(items) == 82
    for lesson, item in items:
        guard = guard_for(lesson, item)  # the service has run the embedding test already
        texts = []
        for level in (1, 2, 3):
            reply = await tutor.hint(item.id, level)
            hint = reply.hint
            texts.append(hint)
            where = f"{item.id} level {level}: {hint}"
            assert reply.engine == "offline" and reply.level == level, where
            assert hint.startswith(f"Offline hint, level {level}"), where
            assert f" {normalise(item.answer)} " not in f" {normalise(hint)} ", where
            if item.type is ItemType.MULTIPLE_CHOICE:
                key = item.answer_key
                assert not re.search(rf"(?i:option|answer|choice)\s+\(?{key}\b|\({key}\)", hint)
            else:
                key_words = terms(item.answer) - terms(item.stem)
                assert len(key_words & terms(hint)) < 0.5 * len(key_words), where
            assert not guard.check(hint).leaked, where
        assert len(set(texts)) == 3, f"{item.id}: the levels should differ"
        assert len(texts[2]) > len(texts[0]), f"{item.id}: level 3 should say more than level 1"


async def test_level_three_works_steps_but_not_the_last_one(tutor: Tutor) -> None:
    reply = await tutor.hint("pb-01", 3)
    assert "Step 1, Look for missing information:" in reply.hint
    assert "Step 2, Discount vague adjectives:" in reply.hint
    assert "Only option C" not in reply.hint
    assert reply.hint.endswith("Now take the last step yourself: pick the most specific prompt.")
    assert reply.prompt == "offline_hint@1" and not reply.leak_blocked


async def test_a_step_that_states_the_result_is_skipped(tutor: Tutor) -> None:
    # ctx-06's first step computes the answer's key number (about 8,000 tokens left).
    reply = await tutor.hint("ctx-06", 3)
    assert "8,000" not in reply.hint
    assert reply.leak_blocked and reply.prompt == SAFE_PROMPT


async def test_a_leaking_hint_is_replaced_by_a_safe_one_and_counted(
    starter_corpus: Corpus, starter_index: PassageIndex, database: Database
) -> None:
    engine = ScriptedEngine(hint_text="Pick option C: it has the facts.")
    tutor = Tutor(engine, starter_corpus, starter_index, database)

    reply = await tutor.hint("pb-01", 1)

    assert reply.leak_blocked and reply.prompt == SAFE_PROMPT and reply.engine == "scripted"
    assert "option C" not in reply.hint
    assert reply.hint.startswith("Hint, level 1 (a nudge): Ask which prompt")
    assert tutor.hinter.leaks_blocked == 1


async def test_with_a_session_the_hint_uses_the_attempt_and_joins_the_conversation(
    tutor: Tutor, database: Database
) -> None:
    learner = create_learner(database)
    session = await tutor.create_session(learner_id=learner.id)
    submit_attempt(database, learner.id, "pb-01", "D, because the world's best copywriter helps")

    reply = await tutor.hint("pb-01", 2, session.id)

    assert "flattering the model" in reply.hint  # the mistake closest to the attempt
    (message,) = list_messages(database, session.id)
    assert (message.role, message.content) == ("assistant", reply.hint)
    assert (message.engine, message.prompt) == ("offline", "offline_hint@1")


async def test_unknown_items_and_sessions_are_not_found(tutor: Tutor) -> None:
    with pytest.raises(NotFoundError, match="no item 'nope'"):
        await tutor.hint("nope", 1)
    with pytest.raises(NotFoundError, match="no chat session"):
        await tutor.hint("pb-01", 1, "no-such-session")
