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

import threading
from collections import OrderedDict

import numpy as np

from tutor.retrieval.embedder import Embedder, Vectors

DEFAULT_SIZE = 1024


class QueryEmbeddingCache:
    """Wraps an :class:`Embedder`; ``embed`` embeds only the texts it has not seen lately."""

    def __init__(self, embedder: Embedder, size: int = DEFAULT_SIZE) -> None:
        if size < 0:
            raise ValueError("the query cache size cannot be negative")
        self.embedder = embedder
        self.size = size
        self._vectors: OrderedDict[tuple[str, str], Vectors] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @property
    def name(self) -> str:
        return self.embedder.name

    def __len__(self) -> int:
        return len(self._vectors)

    def embed(self, texts: list[str]) -> Vectors:
        """One row per text, as the embedder would return them."""
        name = self.embedder.name
        rows: dict[int, Vectors] = {}
        with self._lock:
            for i, text in enumerate(texts):
                vector = self._vectors.get((name, text))
                if vector is not None:
                    self._vectors.move_to_end((name, text))
                    rows[i] = vector
            self.hits += len(rows)
            self.misses += len(texts) - len(rows)
        missing = [i for i in range(len(texts)) if i not in rows]
        if missing:
            # Outside the lock: two threads may embed the same new text at once, which is
            # cheaper than making every other question wait for this one's embedding.
            fresh = self.embedder.embed([texts[i] for i in missing])
            with self._lock:
                for i, vector in zip(missing, fresh, strict=True):
                    kept = np.array(vector, dtype=np.float32)
                    kept.flags.writeable = False
                    rows[i] = kept
                    if self.size:
                        self._vectors[(name, texts[i])] = kept
                        self._vectors.move_to_end((name, texts[i]))
                while len(self._vectors) > self.size:
                    self._vectors.popitem(last=False)
        if not texts:
            return self.embedder.embed([])
        return np.stack([rows[i] for i in range(len(texts))])
