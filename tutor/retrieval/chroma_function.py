"""Our embedder as a Chroma embedding function, registered so saved collections reopen."""

from __future__ import annotations

from typing import Any

from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
from chromadb.utils.embedding_functions import register_embedding_function

from tutor.retrieval.embedder import MODEL_FILES, Embedder, MiniLMEmbedder


@register_embedding_function
class TutorEmbeddingFunction(EmbeddingFunction[Documents]):
    """Wraps an :class:`Embedder`; its config names the embedder so Chroma can rebuild it."""

    def __init__(self, embedder: Embedder | None = None) -> None:
        self.embedder: Embedder = embedder or MiniLMEmbedder()

    def __call__(self, input: Documents) -> Embeddings:
        return list(self.embedder.embed(list(input)))

    @staticmethod
    def name() -> str:
        return "tutor-embedder"

    def default_space(self) -> str:  # type: ignore[override]
        return "cosine"

    def supported_spaces(self) -> list[str]:  # type: ignore[override]
        return ["cosine"]

    def get_config(self) -> dict[str, Any]:
        return {"embedder": self.embedder.name}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> TutorEmbeddingFunction:
        # Only the offline MiniLM files can be rebuilt from config alone; other embedders are
        # passed explicitly by the index when it opens the collection.
        name = config.get("embedder")
        if name in MODEL_FILES:
            return TutorEmbeddingFunction(MiniLMEmbedder(name=name))
        return TutorEmbeddingFunction(MiniLMEmbedder())

    def validate_config_update(
        self, old_config: dict[str, Any], new_config: dict[str, Any]
    ) -> None:
        if old_config.get("embedder") != new_config.get("embedder"):
            raise ValueError("the collection was built with another embedder; re-index it")
