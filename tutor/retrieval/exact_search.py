"""Exact search within a filter: the passages a manifest lists, ranked by cosine similarity.

A lesson holds a few hundred passages at most, so ranking all of them with one matrix product
is both exact and cheaper than Chroma's filtered query. Their vectors are fetched by id once
per manifest digest and kept in a :class:`PassageBlocks` cache, bounded by the number of
passages it holds (1.5 KB each with MiniLM's 384 dimensions: 50,000 take 75 MB), with the
text and metadata of the passages searches have returned (about 1 KB each; a search fetches
only those it lacks). A digest changes whenever a listed passage does, so a block is never
staler than the manifest that names it; a block no manifest names any more just ages out, and
the cache outlives a re-index (the service's reload keeps it: only changed lessons are fetched
again).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from chromadb.api.models.Collection import Collection

from tutor.retrieval.embedder import Vectors
from tutor.retrieval.lru import LruTable
from tutor.retrieval.manifests import Manifest

DEFAULT_PASSAGES = 50_000


@dataclass(frozen=True)
class Block:
    """The vectors of one manifest's passages, row i for ``ids[i]`` (a passage deleted since
    the manifest was written has no row)."""

    ids: tuple[str, ...]
    vectors: Vectors
    listed: Mapping[str, tuple[str, tuple[str, ...]]]  # the manifest's section and concepts
    # Text and metadata of the passages searches returned, filled as they are fetched: they
    # hold as long as the digest does.
    records: dict[str, tuple[str, Mapping[str, Any]]] = field(default_factory=dict)


class PassageBlocks:
    """Blocks by manifest digest, least recently used first out, bounded by the passages they
    hold; safe across threads."""

    def __init__(self, max_passages: int = DEFAULT_PASSAGES) -> None:
        self._blocks: LruTable[str, Block] = LruTable(max_passages, lambda b: len(b.ids))

    @property
    def max_passages(self) -> int:
        return self._blocks.capacity

    def cached(self, digest: str, collection: Collection) -> Block | None:
        # Keyed by the collection too: `tutor index --rebuild` makes a new one whose vectors
        # may differ a little for the same texts (and so the same digests).
        return self._blocks.get(f"{collection.id}:{digest}")

    def block(self, manifest: Manifest, collection: Collection) -> Block:
        """The manifest's block, fetched from ``collection`` unless it is cached."""
        found = self.cached(manifest.digest, collection)
        if found is not None:
            return found
        block = self._fetch(manifest, collection)
        return self._blocks.put(f"{collection.id}:{manifest.digest}", block)

    def clear(self) -> None:
        self._blocks.clear()

    @staticmethod
    def _fetch(manifest: Manifest, collection: Collection) -> Block:
        ids = [pid for pid, _, _ in manifest.entries]
        got = collection.get(ids=ids, include=["embeddings"])
        vectors = np.asarray(got["embeddings"], dtype=np.float32).reshape(len(got["ids"]), -1)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        vectors = vectors / np.clip(norms, 1e-12, None)  # cosine, as Chroma's space is
        vectors.flags.writeable = False
        listed = {pid: (section, concepts) for pid, section, concepts in manifest.entries}
        return Block(tuple(got["ids"]), vectors, listed)


def rank(block: Block, query: Vectors, k: int, keep: Sequence[bool]) -> list[tuple[int, float]]:
    """The k best rows of ``block`` among those ``keep`` marks: (row, cosine distance)."""
    rows = np.flatnonzero(np.asarray(keep, dtype=bool))
    if not len(rows):
        return []
    q = query.reshape(-1).astype(np.float32)
    q = q / max(float(np.linalg.norm(q)), 1e-12)
    distances = 1.0 - block.vectors[rows] @ q
    order = np.argsort(distances, kind="stable")[:k]
    return [(int(rows[i]), float(distances[i])) for i in order]
