"""Token-level alignment: contextual MiniLM token vectors matched both ways."""

from __future__ import annotations

import os

import numpy as np

from tests.counting import CountingMiniLM
from tutor.grading.features import (
    BASE_FEATURES,
    EmbeddingTable,
    GradingCase,
    extract,
    parallel_passes,
)
from tutor.retrieval import MiniLMEmbedder

QUESTION = "Why does a metal spoon feel colder than a wooden spoon in the same room?"
REFERENCE = "Metal conducts heat away from your hand faster than wood does."


def _features(embedder: MiniLMEmbedder, answer: str) -> dict[str, float]:
    row = extract([GradingCase(QUESTION, (REFERENCE,), answer)], EmbeddingTable(embedder),
                  neighbours=False)[0]  # fmt: skip
    return dict(zip(BASE_FEATURES, row.tolist(), strict=True))


def test_token_vectors_are_unit_rows_for_content_pieces(embedder: MiniLMEmbedder) -> None:
    vectors = EmbeddingTable(embedder).tokens("The metal conducts heat.")
    assert vectors.shape == (3, 384)  # metal, conducts, heat: no stopwords, no [CLS]/[SEP], no "."
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_a_paraphrase_aligns_better_than_a_wrong_answer(embedder: MiniLMEmbedder) -> None:
    same = _features(embedder, REFERENCE)
    paraphrase = _features(embedder, "Heat flows out of the hand more quickly into metal.")
    wrong = _features(embedder, "Because wood is heavier than metal.")
    assert same["tok_align_recall"] > 0.99 and same["tok_align_missed"] == 0.0
    for name in ("tok_align_recall", "tok_align_key_recall", "tok_align_f1"):
        assert same[name] > paraphrase[name] > wrong[name], name
    assert paraphrase["tok_align_missed"] < wrong["tok_align_missed"]


def test_a_texts_token_pass_also_gives_its_sentence_vector(embedder: MiniLMEmbedder) -> None:
    """The answer, question and references go through MiniLM once: the sentence vector the
    table keeps from their token pass is the one embed() gives."""
    table = EmbeddingTable(embedder)
    table.add_tokens([REFERENCE, QUESTION])

    assert len(table) == 2  # both sentence vectors are held without another embed() call
    assert np.array_equal(table[[QUESTION, REFERENCE]], embedder.embed([QUESTION, REFERENCE]))


def test_rows_added_a_few_at_a_time_read_back_as_the_embedders(embedder: MiniLMEmbedder) -> None:
    table = EmbeddingTable(embedder)
    texts = [f"word{i}" for i in range(100)]
    for start in range(0, len(texts), 7):  # the table grows in place past its first room
        table.add(texts[start : start + 7])

    assert len(table) == 100 and table.nbytes >= 100 * 384 * 4
    assert np.array_equal(table[texts[::-1]], embedder.embed(texts[::-1]))


def test_a_view_for_answers_keeps_the_answers_vectors_out_of_the_table(
    embedder: MiniLMEmbedder,
) -> None:
    """The answer's vectors live as long as its view (and in the small recent tier); the
    reference's are kept in the table. What the view reads is the embedder's either way."""
    answer = "Heat flows out of the hand more quickly into metal."
    table = EmbeddingTable(embedder, recent_bytes=0)  # no recent tier: only the view holds them
    view = table.for_answers([answer])
    view.add_tokens([answer, REFERENCE])

    assert len(table) == 1 and np.array_equal(table[[REFERENCE]], embedder.embed([REFERENCE]))
    held = table.nbytes
    assert np.array_equal(view[[answer, REFERENCE]], embedder.embed([answer, REFERENCE]))
    assert np.array_equal(view.tokens(answer), EmbeddingTable(embedder).tokens(answer))
    assert len(table) == 1 and table.nbytes == held  # reading the view kept nothing more


def test_the_recent_tier_keeps_answers_up_to_its_bound(embedder: MiniLMEmbedder) -> None:
    """A recent answer's token pass is found by the next view (a service ranks an answer's
    examples, then grades it); past the bound the least recently used are dropped."""
    answers = [f"Metal takes the heat away, reason number {n}." for n in range(6)]
    one = EmbeddingTable(embedder).for_answers(answers[:1]).tokens(answers[0]).nbytes
    table = EmbeddingTable(embedder, recent_bytes=3 * one + one // 2)
    for answer in answers:
        table.for_answers([answer]).add_tokens([answer])

    assert len(table) == 0 and 2 * one < table.nbytes <= 3 * one + one // 2
    for answer in answers[-2:]:  # still held: the next view reads them without a pass
        view = table.for_answers([answer])
        assert np.array_equal(view.tokens(answer), EmbeddingTable(embedder).tokens(answer))


def test_a_table_embedding_on_two_threads_holds_what_one_thread_does(
    grader_embedder: MiniLMEmbedder,
) -> None:
    """The grader's table embeds a call's new texts on every core (its embedder runs one text
    per call): each text once, and the same vectors as one thread gives."""
    assert parallel_passes(grader_embedder) == min(4, os.cpu_count() or 1)
    words = [f"word{i}" for i in range(9)]
    sentences = [REFERENCE, QUESTION, "Heat flows out of the hand more quickly into metal."]
    minilm = CountingMiniLM(grader_embedder.name)
    two, one = EmbeddingTable(minilm, parallel=2), EmbeddingTable(grader_embedder)
    for table in (two, one):
        table.add(words)
        table.add_tokens(sentences)

    assert set(minilm.passes.values()) == {1} and len(minilm.passes) == 12
    assert np.array_equal(two[words + sentences], one[words + sentences])
    for text in sentences:
        assert np.array_equal(two.tokens(text), one.tokens(text))


def test_each_new_graded_example_goes_through_minilm_once(
    grader_embedder: MiniLMEmbedder,
) -> None:
    """A graded example's sentence vector and, when it is nearest to an answer, its token
    vectors come from one pass; the features are those of a table that held the examples'
    sentence vectors already and ran the nearest ones again for their tokens."""
    examples = (("Metal moves heat away from the hand faster than wood.", 1.0),
                ("The metal is colder than the wood.", 0.0),
                ("Wood is a worse conductor, so less heat leaves the hand.", 1.0),
                ("Metal spoons are heavier.", 0.0))  # fmt: skip
    answers = ("Heat leaves your hand faster into metal.", "It is colder.")
    cases = [GradingCase(QUESTION, (REFERENCE,), answer, examples) for answer in answers]
    minilm = CountingMiniLM(grader_embedder.name)
    rows = extract(cases, EmbeddingTable(minilm, parallel=2))
    warm = EmbeddingTable(grader_embedder)
    warm.add([t for t, _ in examples])

    assert [minilm.passes[t] for t, _ in examples] == [1] * len(examples)
    np.testing.assert_array_equal(rows, extract(cases, warm))
    assert not np.isnan(rows[:, -3:]).any()  # the nearest examples' token alignment ran
