"""The offline embedder's token states are what its sentence vectors pool."""

from __future__ import annotations

import numpy as np

from tutor.retrieval import MiniLMEmbedder
from tutor.retrieval.embedder import FP32


def test_sentence_vectors_are_the_normalised_mean_of_the_token_states(
    embedder: MiniLMEmbedder,
) -> None:
    texts = ["Tokens, not words.", "A longer sentence about context windows and their cost."]

    states = embedder.token_states(texts)
    pooled = np.stack([rows.mean(axis=0) for _, rows in states])
    pooled /= np.linalg.norm(pooled, axis=1, keepdims=True)

    assert [pieces[0] for pieces, _ in states] == ["[CLS]", "[CLS]"]
    assert [pieces[-1] for pieces, _ in states] == ["[SEP]", "[SEP]"]
    assert len(states[0][0]) < len(states[1][0])  # padding dropped
    assert np.allclose(pooled, embedder.embed(texts), atol=1e-5)
    assert embedder.token_states([]) == []


def test_one_pass_gives_the_sentence_vectors_and_the_token_states() -> None:
    """The grader embeds a text it needs both ways once: the sentence vectors pooled from that
    pass are embed()'s (bit for bit on the int8 file, which runs one text per call; within
    float noise on the fp32-compute file, which pads batches of 16), and the token states are
    token_states()'s, in the order given."""
    texts = ["A longer sentence about context windows and their cost.", "Tokens.", "x y z"]
    for embedder, tolerance in ((MiniLMEmbedder(), 0.0), (MiniLMEmbedder(name=FP32), 1e-5)):
        sentences, states = embedder.embed_with_tokens(texts)

        assert np.abs(sentences - embedder.embed(texts)).max() <= tolerance
        for (pieces, rows), (want_pieces, want_rows) in zip(
            states, embedder.token_states(texts), strict=True
        ):
            assert pieces == want_pieces
            assert np.abs(rows - want_rows).max() <= 1e-5
        assert [p[1] for p, _ in states] == ["a", "token", "x"]  # order kept, not by length
        assert embedder.embed_with_tokens(texts, tokens=False)[1] == []
