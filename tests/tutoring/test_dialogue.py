"""Sessions with memory: follow-ups answered in the context of earlier turns and attempts."""

from __future__ import annotations

import pytest

from tests.tutoring.fakes import ScriptedEngine
from tutor.corpus import Corpus
from tutor.retrieval import PassageIndex
from tutor.store import Database, create_learner, list_messages, record_grade, submit_attempt
from tutor.tutoring import AnswerGuard, Tutor


def lessons_cited(citations: list[object]) -> set[str]:
    return {str(c["lesson_id"]) for c in citations if isinstance(c, dict)}


@pytest.mark.parametrize(
    ("question", "lesson"),
    [
        ("What does temperature do when sampling?", "sampling-and-temperature"),
        ("Why do few-shot examples help a model?", "few-shot-prompting"),
        ("How do I get JSON output from a model reliably?", "structured-output"),
    ],
)
async def test_a_why_follow_up_stays_on_the_previous_turns_topic(
    tutor: Tutor, question: str, lesson: str
) -> None:
    session = await tutor.create_session()
    first = await tutor.reply(session.id, question)
    assert first.covered and lesson in lessons_cited(first.message.citations)

    why = await tutor.reply(session.id, "why?")

    assert why.covered
    assert why.message.prompt == "offline_follow_up@1" and why.message.engine == "offline"
    assert why.message.content.startswith("Offline follow-up")
    assert why.message.citations and lessons_cited(why.message.citations) == {lesson}
    first_quoted = {c["passage_id"] + c["text"] for c in first.message.citations}
    assert why.message.content != first.message.content
    assert first_quoted  # and the follow-up does not simply repeat the first answer's sentences:
    for paragraph in first.message.content.split("\n\n")[1:-1]:
        assert paragraph not in why.message.content
    _, messages = await tutor.session(session.id)
    assert [m.role for m in messages] == ["user", "assistant", "user", "assistant"]
    assert messages[2].content == "why?"


async def test_without_history_a_bare_why_is_not_covered(tutor: Tutor) -> None:
    session = await tutor.create_session()
    reply = await tutor.reply(session.id, "why?")
    assert not reply.covered and reply.message.prompt == "not_covered@1"
    assert reply.nearest_lessons


async def test_what_do_you_mean_by_x_explains_the_term_from_the_lesson(tutor: Tutor) -> None:
    session = await tutor.create_session()
    await tutor.reply(session.id, "What are delimiters in a prompt for?")

    reply = await tutor.reply(session.id, "What do you mean by delimiters?")

    content = reply.message.content
    assert reply.covered and reply.message.prompt == "offline_follow_up@1"
    assert "Delimiters, as the course defines it: Marking where pasted data begins" in content
    cited = reply.message.citations
    assert cited and all("delimit" in str(c["text"]).lower() for c in cited)


async def test_a_new_question_in_a_session_is_explained_on_its_own(tutor: Tutor) -> None:
    session = await tutor.create_session()
    await tutor.reply(session.id, "What does temperature do when sampling?")

    reply = await tutor.reply(session.id, "How do I get JSON output from a model reliably?")

    assert reply.message.prompt == "offline_explain@1"
    assert lessons_cited(reply.message.citations) == {"structured-output"}


async def test_streamed_deltas_add_up_to_the_stored_reply(tutor: Tutor) -> None:
    session = await tutor.create_session()
    await tutor.reply(session.id, "What is a context window?")
    pending = await tutor.start_turn(session.id, "why does that matter?")

    deltas = [d async for d in pending.deltas()]

    assert len(deltas) > 3 and pending.reply is not None
    assert "".join(deltas) == pending.reply.message.content


async def test_a_follow_up_sees_the_history_and_the_learners_latest_attempt(
    starter_corpus: Corpus, starter_index: PassageIndex, database: Database
) -> None:
    engine = ScriptedEngine()
    tutor = Tutor(engine, starter_corpus, starter_index, database)
    learner = create_learner(database, "Ada")
    session = await tutor.create_session(learner_id=learner.id)
    attempt = submit_attempt(database, learner.id, "pb-02", "a role and some examples")
    record_grade(database, attempt.id, {"score": 0.2, "verdict": "incorrect"})
    await tutor.reply(session.id, "What makes a good prompt?")

    reply = await tutor.reply(session.id, "why was mine wrong?")

    assert engine.calls == ["explain", "follow_up"]
    (asked,) = engine.follow_ups
    assert asked.kind == "why"
    assert [t.role for t in asked.history] == ["learner", "tutor"]
    assert asked.history[0].content == "What makes a good prompt?"
    assert asked.attempt is not None and asked.attempt.item_id == "pb-02"
    assert asked.attempt.response == "a role and some examples"
    assert asked.attempt.verdict == "incorrect"
    assert {h.lesson_id for h in asked.passages} >= {"prompt-basics"}
    assert reply.message.prompt == "followup_why@2" and reply.message.engine == "scripted"


async def test_a_session_that_opens_with_why_about_an_attempt_follows_up_on_it(
    starter_corpus: Corpus, starter_index: PassageIndex, database: Database
) -> None:
    engine = ScriptedEngine()
    tutor = Tutor(engine, starter_corpus, starter_index, database)
    learner = create_learner(database, "Ada")
    attempt = submit_attempt(database, learner.id, "ctx-01", "C")
    record_grade(database, attempt.id, {"score": 0.0, "verdict": "incorrect"})
    session = await tutor.create_session(learner_id=learner.id)

    reply = await tutor.reply(session.id, "Why was my answer graded incorrect?")

    assert engine.calls == ["follow_up"]  # not a standalone question: the attempt is the topic
    (asked,) = engine.follow_ups
    assert asked.kind == "why" and asked.history == ()
    assert asked.attempt is not None and asked.attempt.item_id == "ctx-01"
    assert asked.passages[0].lesson_id == "context-windows-and-tokens"
    assert reply.message.prompt == "followup_why@2"


async def test_a_reply_that_would_give_away_the_attempted_items_answer_is_redacted(
    starter_corpus: Corpus, starter_index: PassageIndex, database: Database
) -> None:
    _, item = starter_corpus.item("pb-01")
    leaking = f"Good question. The best one is option {item.answer_key}. Think about the facts."
    engine = ScriptedEngine(follow_up_text=leaking)
    tutor = Tutor(engine, starter_corpus, starter_index, database)
    learner = create_learner(database)
    session = await tutor.create_session(learner_id=learner.id, item="pb-01")  # its practice
    submit_attempt(database, learner.id, "pb-01", "B")
    await tutor.reply(session.id, "What makes a prompt specific?")

    pending = await tutor.start_turn(session.id, "why?")
    sent = "".join([d async for d in pending.deltas()])

    assert pending.reply is not None and pending.reply.leak_blocked
    assert f"option {item.answer_key}" not in sent
    assert sent == pending.reply.message.content
    assert "Good question." in sent and "Think about the facts." in sent
    assert not AnswerGuard(item).check(sent).leaked
    stored = list_messages(database, session.id)[-1]
    assert stored.content == sent


async def test_the_offline_follow_up_points_at_a_common_mistake_without_the_answer(
    tutor: Tutor, database: Database, starter_corpus: Corpus
) -> None:
    learner = create_learner(database)
    session = await tutor.create_session(learner_id=learner.id)
    submit_attempt(database, learner.id, "pb-01", "D, the world's best copywriter prompt")
    await tutor.reply(session.id, "What makes a good prompt?")

    reply = await tutor.reply(session.id, "why was my answer wrong?")

    content = reply.message.content
    assert "About your attempt at pb-01" in content and "flattering the model" in content
    _, item = starter_corpus.item("pb-01")
    assert not AnswerGuard(item, tutor.index.embedder).check(content).leaked


async def test_a_follow_up_is_searched_with_the_dialogue_not_its_own_words(tutor: Tutor) -> None:
    session = await tutor.create_session()
    await tutor.reply(session.id, "What does temperature do when sampling?")

    reply = await tutor.reply(
        session.id, "Why is temperature 0 not a guarantee of identical output?"
    )

    course = reply.message.content.split("\n\n")[2]  # after the notice and the intro line
    assert "temperature 0 guarantees byte-identical output" in course
    assert course.endswith("[sampling-and-temperature/problem]")


async def test_an_offline_why_answers_in_whole_sentences_with_their_context(tutor: Tutor) -> None:
    session = await tutor.create_session()
    await tutor.reply(session.id, "How did the travel company fix its ticket router?")

    reply = await tutor.reply(session.id, "why did the prompt get shorter?")

    paragraphs = reply.message.content.split("\n\n")
    assert paragraphs[1] == "Here is the reason, in the course's words:"
    body = "\n\n".join(paragraphs[2:-1])
    assert "five dynamic examples replaced twelve static ones" in body
    shorter = body.index("The prompt also got shorter")
    assert body.index("routing accuracy on their evaluation set rose.") < shorter  # its lead-in


async def test_what_do_you_mean_by_x_is_searched_for_the_passages_that_use_x(tutor: Tutor) -> None:
    session = await tutor.create_session()
    await tutor.reply(session.id, "How should I choose few-shot examples?")

    pending = await tutor.start_turn(session.id, "what do you mean by contrastive pairs?")

    assert pending.retrieved.hits[0].passage_id == "few-shot-prompting/choosing-examples"


async def test_an_example_request_is_answered_from_the_lessons_examples(tutor: Tutor) -> None:
    session = await tutor.create_session()
    await tutor.reply(session.id, "Why do few-shot examples help a model?")
    await tutor.reply(session.id, "why?")

    pending = await tutor.start_turn(session.id, "can you give an example of that?")

    first = pending.retrieved.hits[0]
    assert first.lesson_id == "few-shot-prompting"
    assert first.section in {"scenario", "before_after", "real_example"}
