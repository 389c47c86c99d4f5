"""Which passages each lesson and concept has: one small record per filter, beside the index.

Chroma answers a ``where`` filter by scanning the collection first (about 30-50 ms at 100k
passages before any vector is compared, ``benchmarks/retrieval_scale.py``), while fetching
records by id costs well under a millisecond. So ``sync`` also writes, in a sibling collection
``<collection>-filters``, one *manifest* per lesson (``lesson:<id>``) and per concept
(``concept:<id>``): the ids, sections, concepts and content hashes of its passages, and a
digest of all that. A filtered search reads one manifest by id and ranks the passages it
lists (:mod:`tutor.retrieval.exact_search`). The manifests live in Chroma, so every process
and replica sees the same ones; an index written before manifests existed has none, and its
filtered searches use Chroma's filter until ``tutor index`` writes them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.errors import NotFoundError

Entry = tuple[str, str, tuple[str, ...]]  # passage id, section, concepts


@dataclass(frozen=True)
class Manifest:
    key: str
    digest: str  # changes whenever a listed passage, its text or its metadata changes
    entries: tuple[Entry, ...]


def lesson_key(lesson: str) -> str:
    return f"lesson:{lesson}"


def concept_key(concept: str) -> str:
    return f"concept:{concept}"


def build_manifests(records: Iterable[tuple[str, Mapping[str, Any]]]) -> dict[str, Manifest]:
    """The manifests of passages given as (id, metadata as the index stores it)."""
    listed: dict[str, list[tuple[Entry, str]]] = {}
    for pid, meta in records:
        concepts = tuple(str(c) for c in meta.get("concepts") or ())
        entry = (pid, str(meta.get("section", "")), concepts)
        content = str(meta.get("hash", ""))
        keys = [lesson_key(str(meta["lesson_id"]))] + [concept_key(c) for c in concepts]
        for key in keys:
            listed.setdefault(key, []).append((entry, content))
    manifests = {}
    for key, rows in listed.items():
        rows.sort()
        digest = hashlib.sha256(json.dumps(rows).encode()).hexdigest()[:32]
        manifests[key] = Manifest(key, digest, tuple(entry for entry, _ in rows))
    return manifests


class ManifestStore:
    """The manifests of one index, in the Chroma collection ``<collection>-filters``."""

    def __init__(self, client: ClientAPI, collection: str) -> None:
        self._client = client
        self.name = f"{collection}-filters"
        self._collection: Collection | None = None

    def _open(self, create: bool) -> Collection | None:
        if self._collection is None:
            if create:
                self._collection = self._client.get_or_create_collection(
                    self.name, embedding_function=None, metadata={"holds": "filter manifests"}
                )
            else:
                try:
                    self._collection = self._client.get_collection(
                        self.name, embedding_function=None
                    )
                except NotFoundError:
                    return None
        return self._collection

    def read(self, key: str) -> Manifest | None:
        """The manifest (with no entries when no passage has that lesson or concept), or None
        when the index has no manifests (it was written before they existed)."""
        collection = self._open(create=False)
        if collection is None:
            return None
        try:
            got = collection.get(ids=[key], include=["documents", "metadatas"])
        except NotFoundError:  # dropped since (tutor index --rebuild): look again next time
            self._collection = None
            return None
        if not got["ids"]:
            return Manifest(key, "", ())
        meta = (got["metadatas"] or [{}])[0] or {}
        entries = json.loads((got["documents"] or [""])[0] or "[]")
        return Manifest(
            key, str(meta.get("digest", "")), tuple((p, s, tuple(c)) for p, s, c in entries)
        )

    def digest(self, key: str) -> str | None:
        """Only the manifest's digest (what a cached block is checked against): "" when no
        passage has that lesson or concept, None when the index has no manifests."""
        collection = self._open(create=False)
        if collection is None:
            return None
        try:
            got = collection.get(ids=[key], include=["metadatas"])
        except NotFoundError:
            self._collection = None
            return None
        if not got["ids"]:
            return ""
        return str(((got["metadatas"] or [{}])[0] or {}).get("digest", ""))

    def write(self, manifests: Mapping[str, Manifest]) -> None:
        """Make the stored manifests these: write the changed ones, drop the others."""
        collection = self._open(create=True)
        assert collection is not None
        stored = collection.get(include=["metadatas"])
        digests = {
            key: (meta or {}).get("digest")
            for key, meta in zip(stored["ids"], stored["metadatas"] or [], strict=False)
        }
        changed = [m for key, m in manifests.items() if digests.get(key) != m.digest]
        gone = sorted(set(digests) - set(manifests))
        if gone:
            collection.delete(ids=gone)
        step = 1000
        for start in range(0, len(changed), step):
            batch = changed[start : start + step]
            collection.upsert(
                ids=[m.key for m in batch],
                embeddings=np.ones((len(batch), 1), dtype=np.float32),  # never searched
                documents=[json.dumps([list(e) for e in m.entries]) for m in batch],
                metadatas=[{"digest": m.digest} for m in batch],
            )

    def drop(self) -> None:
        if self._open(create=False) is not None:
            self._client.delete_collection(self.name)
        self._collection = None
