"""Naming the common mistakes an answer states (tutor.grading.mistakes), through the grader."""

from __future__ import annotations

import pytest

from tutor.corpus import Corpus
from tutor.grading import GradeRequest, OfflineGrader, Verdict
from tutor.grading.features import EmbeddingTable
from tutor.grading.mistakes import (
    Omission,
    omission,
    parts,
    proposition,
    rejects,
    stated_mistakes,
    with_parts,
    words_said,
)
from tutor.grading.rubric import merge_examples, request_for, written_examples
from tutor.retrieval import MiniLMEmbedder

QUESTION = (
    "Explain why a language model cannot reliably tell the developer's instructions from "
    "instructions hidden in the data it processes."
)
REFERENCE = (
    "Instructions and data arrive as one sequence of tokens with no enforced boundary, and the "
    "model is trained to follow instructions wherever they appear. Delimiters and system prompts "
    "are conventions the model usually respects, not a mechanism it must obey."
)
CHANNEL = (
    "Claiming the model has a separate protected channel for system instructions that data "
    "cannot affect."
)
DELIMITERS = "Claiming delimiters fully solve the problem."


def named(grader: OfflineGrader, answer: str) -> list[str]:
    request = GradeRequest(question=QUESTION, references=[REFERENCE], answer=answer,
                           common_mistakes=[CHANNEL, DELIMITERS])  # fmt: skip
    return grader.grade_many([request])[0].mistakes


def test_a_mistake_is_the_claim_without_the_teachers_lead_in() -> None:
    assert proposition(DELIMITERS) == "delimiters fully solve the problem"
    assert proposition("Thinking that the window covers input only.") == (
        "the window covers input only"
    )
    assert proposition("Delimiters fully solve it.") == "Delimiters fully solve it"


def test_a_long_sentence_is_read_in_its_parts() -> None:
    found = parts("Everything is one token stream, so the model obeys it; delimiters help a bit.")
    assert "Everything is one token stream, so the model obeys it; delimiters help a bit." in found
    assert "delimiters help a bit." in found
    assert "Everything is one token stream" in found


@pytest.mark.parametrize(
    ("sentence", "rejected"),
    [
        ("There is no protected channel for the system prompt.", True),
        ("A common belief is that delimiters solve it, and that belief is wrong.", True),
        ("The system prompt has a protected channel of its own.", False),
    ],
)
def test_a_sentence_that_negates_or_calls_a_claim_wrong_rejects_it(
    sentence: str, rejected: bool
) -> None:
    assert rejects(sentence, proposition(CHANNEL)) is rejected


def test_a_mistake_stated_in_one_clause_of_a_longer_answer_is_named(
    grader: OfflineGrader,
) -> None:
    """The whole answer's vector is closer to the reference (it was missed before)."""
    answer = (
        "Everything the model reads arrives as one stream of tokens. But the system prompt "
        "travels on its own protected channel, which text in the data cannot reach."
    )
    assert named(grader, answer) == [CHANNEL]


def test_naming_a_mistake_to_reject_it_is_not_stating_it(grader: OfflineGrader) -> None:
    answer = (
        "There is no protected channel for the system prompt: it, the user's text and the "
        "documents all become one token stream, and the model follows instructions wherever "
        "they appear."
    )
    assert named(grader, answer) == []


def test_the_reference_states_no_mistake(grader: OfflineGrader) -> None:
    assert named(grader, REFERENCE) == []


def test_a_part_that_says_the_mistakes_words_states_it_where_its_vector_is_nearer_the_key(
    grader: OfflineGrader,
) -> None:
    # the clause's vector is nearer the key's "Delimiters and system prompts are conventions"
    # (the topic) than the mistake's; its words are the mistake's: delimiters, solves and an
    # overclaim ("completely" for "fully"), against the key part's delimiters alone
    clause = "and anyway wrapping the data in delimiters completely solves injection"
    assert words_said(clause, proposition(DELIMITERS)) == 3
    assert words_said(clause, "Delimiters and system prompts are conventions") == 1
    answer = (
        "The system prompt travels on its own protected channel that the data can never touch, "
        f"{clause}."
    )
    assert named(grader, answer) == [CHANNEL, DELIMITERS]
    # the same words said to deny the mistake state nothing
    assert named(grader, "Wrapping the data in delimiters never completely solves injection.") == []


@pytest.mark.parametrize(
    ("answer", "pending"),
    [
        (  # a part states the delimiters mistake, the whole answer none
            "Instructions and data are one token sequence with no enforced boundary. Still, "
            "putting the document between delimiters completely solves the problem.",
            True,
        ),
        ("Delimiters fully solve the problem.", False),  # the whole answer is the mistake
        (REFERENCE, True),
    ],
)
def test_part_matches_looked_for_after_the_whole_answer_are_the_full_match(
    grader: OfflineGrader, grader_embedder: MiniLMEmbedder, answer: str, pending: bool
) -> None:
    """What the grader does (whole-answer match first, parts once the verdict is known)
    names the same mistakes as one full match."""
    table, mistakes = EmbeddingTable(grader_embedder), [CHANNEL, DELIMITERS]
    at = grader.thresholds.mistake
    full = stated_mistakes(answer, mistakes, [REFERENCE], table, whole_similarity=at)
    first = stated_mistakes(answer, mistakes, [REFERENCE], table, whole_similarity=at,
                            parts_too=False)  # fmt: skip
    assert first.parts_pending is pending
    assert first.whole == full.whole
    assert with_parts(first, answer, mistakes, [REFERENCE], table) == full


WINDOW_QUESTION = (
    'A developer says "my prompt is only 2,000 tokens, so the 8,000-token window is irrelevant '
    'to me". Explain what actually counts toward the context window.'
)
WINDOW_KEY = (
    "Everything in the request counts: system prompt, the whole conversation history, pasted "
    "documents, tool definitions and results, plus the tokens the model generates in its "
    "answer. So the request and the output together must fit in the 8,000 tokens."
)
FORGETS_OUTPUT = "Forgetting that the output tokens also consume the window."


def test_a_mistake_of_leaving_something_out_is_read_as_what_it_leaves_out() -> None:
    assert omission(FORGETS_OUTPUT) == Omission(None, "the output tokens also consume the window")
    assert omission("Retrying without a limit.") == Omission("Retrying", "limit")
    assert omission("Randomising order once without checking consistency of verdicts.") == (
        Omission("Randomising order once", "consistency of verdicts")
    )
    assert omission(CHANNEL) is None and omission(DELIMITERS) is None


def test_an_answer_that_leaves_the_point_out_makes_that_mistake(grader: OfflineGrader) -> None:
    def graded(answer: str) -> tuple[str, list[str]]:
        request = GradeRequest(question=WINDOW_QUESTION, references=[WINDOW_KEY], answer=answer,
                               common_mistakes=[CHANNEL, FORGETS_OUTPUT])  # fmt: skip
        grade = grader.grade_many([request])[0]
        return grade.verdict.value, grade.mistakes

    verdict, named = graded("The system prompt and the earlier turns of the chat count too.")
    assert verdict != "correct" and named == [FORGETS_OUTPUT]
    # said: not named, whatever the verdict
    _, named = graded(
        "The system prompt and the earlier turns count too, and the output tokens the model "
        "writes also use up the window."
    )
    assert named == []


# ftp-04's three failures, each given the other kind of gap and the other remedy
SWAPPED_REMEDIES = (
    "(a) Behaviour gap: fine-tune the model on the new prices. (b) Knowledge gap: use RAG over "
    "the 5,000 approved replies so it finds the right tone. (c) Behaviour gap: fine-tune it to "
    "always name a policy."
)


def test_an_answer_stating_two_listed_mistakes_is_not_graded_correct(
    grader: OfflineGrader, starter_corpus: Corpus
) -> None:
    """Each part states one mistake, the whole answer none: with the item's graded answers it
    scored ``correct`` 0.79 before. Two part matches cap it to the middle of the partial band
    (one alone does not: right answers part-match a mistake too), and both are named; the
    guard's second opinion gives the same score, and the key stays correct."""
    _, item = starter_corpus.item("ftp-04")
    examples = merge_examples(written_examples(item))
    swapped, key = (request_for(item, text, examples) for text in (SWAPPED_REMEDIES, item.answer))
    swapped_grade, key_grade = grader.grade_many([swapped, key])
    t = grader.thresholds

    assert swapped_grade.verdict is Verdict.PARTIALLY_CORRECT
    assert swapped_grade.score == pytest.approx((t.correct + t.incorrect) / 2)
    assert set(swapped_grade.mistakes) == set(item.common_mistakes[:2])
    assert grader.score_many([swapped])[0].score == swapped_grade.score
    assert key_grade.verdict is Verdict.CORRECT and key_grade.mistakes == []


def test_the_guard_does_not_look_for_two_mistakes_where_its_window_holds_either_score(
    grader: OfflineGrader, starter_corpus: Corpus
) -> None:
    """A correct model grade's window holds the middle of the partial band: the cap cannot
    change the guard's outcome, so the part matches (a MiniLM pass per sentence and clause)
    are skipped there and the score is marked inexact; a window without the middle gets the
    exact score."""
    _, item = starter_corpus.item("ftp-04")
    request = request_for(item, SWAPPED_REMEDIES, merge_examples(written_examples(item)))
    exact = grader.score_many([request])[0]
    holds, misses = grader.guard_scores([request, request], [(0.4, 1.4), (0.6, 1.4)])

    assert not holds.exact and 0.4 <= holds.score <= 1.4
    assert misses.exact and (misses.verdict, misses.score) == (exact.verdict, exact.score)
