"""The offline embedder's token states are what its sentence vectors pool."""

from __future__ import annotations

import numpy as np

from tutor.retrieval import MiniLMEmbedder


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
