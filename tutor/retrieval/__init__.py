"""Passage retrieval: an offline embedder and a Chroma-backed index."""

from tutor.retrieval.embedder import Embedder, MiniLMEmbedder, make_embedder
from tutor.retrieval.index import Hit, PassageIndex, SyncReport, open_client

__all__ = [
    "Embedder",
    "Hit",
    "MiniLMEmbedder",
    "PassageIndex",
    "SyncReport",
    "make_embedder",
    "open_client",
]
