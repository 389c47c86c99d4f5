"""Is a candidate new? A normalised-text hash and embedding similarity against what exists.

"What exists" is every corpus item, every stored variant (draft, published or rejected: a
teacher's rejection should not be regenerated either) and every variant accepted earlier in
the same run. The unit compared is the question as a learner sees it: stem plus options.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from tutor.corpus import Item
from tutor.retrieval import Embedder
from tutor.retrieval.embedder import Vectors
from tutor.variants import text

ItemLike = Item | Mapping[str, Any]


@dataclass(frozen=True)
class Novelty:
    duplicate_of: str | None  # the id whose normalised question is identical
    nearest: str | None  # the most similar known question
    similarity: float  # cosine similarity to ``nearest`` (0 when nothing is known)


class NoveltyIndex:
    """Known questions by id: their fingerprints and embedding vectors. Thread-safe."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder
        self._ids: list[str] = []
        self._vectors: Vectors | None = None
        self._hashes: dict[str, str] = {}
        self._lock = threading.Lock()

    def __contains__(self, key: object) -> bool:
        return key in self._ids

    def __len__(self) -> int:
        return len(self._ids)

    def copy(self) -> NoveltyIndex:
        """An independent index that starts with what this one knows."""
        other = NoveltyIndex(self.embedder)
        with self._lock:
            other._ids = list(self._ids)
            other._hashes = dict(self._hashes)
            other._vectors = None if self._vectors is None else self._vectors.copy()
        return other

    def add_many(self, entries: Iterable[tuple[str, ItemLike]]) -> None:
        new = [(key, item) for key, item in entries if key not in self._ids]
        if not new:
            return
        vectors = self.embedder.embed([text.question_text(item) for _, item in new])
        with self._lock:
            keep = [n for n, (key, _) in enumerate(new) if key not in self._ids]
            for n in keep:
                key, item = new[n]
                self._hashes.setdefault(text.fingerprint(item), key)
                self._ids.append(key)
            rows = vectors[keep]
            self._vectors = rows if self._vectors is None else np.vstack([self._vectors, rows])

    def add(self, key: str, item: ItemLike) -> None:
        self.add_many([(key, item)])

    def check(self, item: Item) -> Novelty:
        digest = text.fingerprint(item)
        vector = self.embedder.embed([text.question_text(item)])[0]
        with self._lock:
            duplicate = self._hashes.get(digest)
            if self._vectors is None:
                return Novelty(duplicate, None, 0.0)
            sims = self._vectors @ vector
            best = int(np.argmax(sims))
            return Novelty(duplicate, self._ids[best], round(float(sims[best]), 4))
