"""An embedder that counts its model passes, for tests of how often a text goes through MiniLM."""

from __future__ import annotations

from collections import Counter

from tutor.retrieval import MiniLMEmbedder
from tutor.retrieval.embedder import Vectors


class CountingMiniLM(MiniLMEmbedder):
    """MiniLM that counts each text it runs through the model."""

    def __init__(self, name: str) -> None:
        super().__init__(name=name)
        self.passes: Counter[str] = Counter()

    def embed_with_tokens(
        self, texts: list[str], *, tokens: bool = True
    ) -> tuple[Vectors, list[tuple[list[str], Vectors]]]:
        self.passes.update(texts)
        return super().embed_with_tokens(texts, tokens=tokens)
