"""Which practice attempt a turn is about: its own session, or named or quoted, and recent."""

from __future__ import annotations

from datetime import timedelta

from tests.tutoring.fakes import ScriptedEngine
from tutor.corpus import Corpus
from tutor.retrieval import PassageIndex
from tutor.store import Database, create_learner, submit_attempt
from tutor.store.models import utcnow
from tutor.tutoring import Tutor


def _tutor(corpus: Corpus, index: PassageIndex, database: Database) -> tuple[Tutor, ScriptedEngine]:
    engine = ScriptedEngine()
    return Tutor(engine, corpus, index, database), engine


async def test_a_thread_that_named_the_attempt_keeps_it_until_a_new_question(
    starter_corpus: Corpus, starter_index: PassageIndex, database: Database
) -> None:
    tutor, engine = _tutor(starter_corpus, starter_index, database)
    learner = create_learner(database)
    submit_attempt(database, learner.id, "samp-02", "It makes the model smarter.")
    session = await tutor.create_session(learner_id=learner.id)

    await tutor.reply(session.id, "Why was my answer wrong?")
    await tutor.reply(session.id, "why?")
    await tutor.reply(session.id, "What is a context window?")
    await tutor.reply(session.id, "why?")

    attempts = [f.attempt.item_id if f.attempt else None for f in engine.follow_ups]
    assert attempts == ["samp-02", "samp-02", None]


async def test_quoting_the_items_question_names_it(
    starter_corpus: Corpus, starter_index: PassageIndex, database: Database
) -> None:
    tutor, engine = _tutor(starter_corpus, starter_index, database)
    learner = create_learner(database)
    submit_attempt(database, learner.id, "ctx-01", "C")
    submit_attempt(database, learner.id, "samp-02", "It makes the model smarter.")
    session = await tutor.create_session(learner_id=learner.id)
    _, item = starter_corpus.item("ctx-01")
    quote = " ".join(item.stem.split()[:8])

    await tutor.reply(session.id, "What is a context window?")
    await tutor.reply(session.id, f'and what about "{quote}"?')

    (asked,) = engine.follow_ups
    assert asked.attempt is not None and asked.attempt.item_id == "ctx-01"


async def test_an_old_attempt_is_not_context_even_when_named(
    starter_corpus: Corpus, starter_index: PassageIndex, database: Database
) -> None:
    tutor, engine = _tutor(starter_corpus, starter_index, database)
    learner = create_learner(database)
    submit_attempt(
        database, learner.id, "samp-02", "It makes it smarter.", now=utcnow() - timedelta(hours=3)
    )
    session = await tutor.create_session(learner_id=learner.id)

    await tutor.reply(session.id, "What does temperature do?")
    await tutor.reply(session.id, "why was my answer to samp-02 wrong?")

    assert all(f.attempt is None for f in engine.follow_ups)


async def test_the_items_session_sees_only_that_items_attempt(
    starter_corpus: Corpus, starter_index: PassageIndex, database: Database
) -> None:
    tutor, engine = _tutor(starter_corpus, starter_index, database)
    learner = create_learner(database)
    submit_attempt(database, learner.id, "samp-02", "It makes the model smarter.")
    session = await tutor.create_session(learner_id=learner.id, item="samp-02")
    submit_attempt(database, learner.id, "ctx-01", "C")  # a later attempt at another item

    await tutor.reply(session.id, "why?")

    (asked,) = engine.follow_ups
    assert asked.attempt is not None and asked.attempt.item_id == "samp-02"
    assert session.lesson_id == "sampling-and-temperature" and session.item_id == "samp-02"
