"""Query embeddings remembered in process, so a repeated question is not embedded again.

A learner's question is often searched more than once in one reply (in its lesson, then the
whole corpus; again for the lesson's key takeaways), and the same questions come back from
many learners. Embedding is most of a query's time, so :class:`QueryEmbeddingCache` keeps
the last ``size`` query vectors in a least-recently-used table keyed by embedder name and
text. It is bounded (``size`` vectors of the embedder's dimension: 1,024 MiniLM vectors take
1.5 MB) and safe to share between the service's worker threads. Passages being indexed do
not go through it: they are embedded once and would only push questions out.
"""

from __future__ import annotations

import numpy as np

from tutor.retrieval.embedder import Embedder, Vectors
from tutor.retrieval.lru import LruTable

DEFAULT_SIZE = 1024


class QueryEmbeddingCache:
    """Wraps an :class:`Embedder`; ``embed`` embeds only the texts it has not seen lately."""

    def __init__(self, embedder: Embedder, size: int = DEFAULT_SIZE) -> None:
        self.embedder = embedder
        self._vectors: LruTable[tuple[str, str], Vectors] = LruTable(size)  # size < 0: ValueError

    @property
    def name(self) -> str:
        return self.embedder.name

    @property
    def size(self) -> int:
        return self._vectors.capacity

    @property
    def hits(self) -> int:
        return self._vectors.hits

    @property
    def misses(self) -> int:
        return self._vectors.misses

    def __len__(self) -> int:
        return len(self._vectors)

    def embed(self, texts: list[str]) -> Vectors:
        """One row per text, as the embedder would return them."""
        if not texts:
            return self.embedder.embed([])
        name = self.embedder.name
        rows: dict[int, Vectors] = {}
        for i, text in enumerate(texts):
            vector = self._vectors.get((name, text))
            if vector is not None:
                rows[i] = vector
        missing = [i for i in range(len(texts)) if i not in rows]
        if missing:
            # Not under a lock: two threads may embed the same new text at once, which is
            # cheaper than making every other question wait for this one's embedding.
            fresh = self.embedder.embed([texts[i] for i in missing])
            for i, vector in zip(missing, fresh, strict=True):
                kept = np.array(vector, dtype=np.float32)
                kept.flags.writeable = False
                rows[i] = self._vectors.put((name, texts[i]), kept)
        return np.stack([rows[i] for i in range(len(texts))])
