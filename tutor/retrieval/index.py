"""The passage index in Chroma: incremental sync from a corpus, and filtered search."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import chromadb
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.api.shared_system_client import SharedSystemClient

from tutor.config import Settings
from tutor.corpus import Corpus, Lesson, Passage
from tutor.errors import BadRequestError, ConfigurationError, ServiceUnavailableError
from tutor.retrieval.chroma_function import TutorEmbeddingFunction
from tutor.retrieval.embedder import Embedder, make_embedder

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Hit:
    """A retrieved passage, with what a citation needs."""

    passage_id: str
    lesson_id: str
    lesson_title: str
    section: str
    title: str
    concepts: tuple[str, ...]
    text: str
    score: float  # cosine similarity, 1.0 = same direction


@dataclass(frozen=True)
class SyncReport:
    added: int
    updated: int
    unchanged: int
    removed: int

    @property
    def embedded(self) -> int:
        return self.added + self.updated


def open_client(settings: Settings, *, fresh: bool = False) -> ClientAPI:
    """A Chroma server when ``TUTOR_CHROMA_URL`` is set, else an embedded store on disk.

    An embedded store keeps one copy of the index per process and per path, which does not see
    what other processes (``tutor index``) wrote since; ``fresh`` opens a new copy. Collections
    already open keep the copy they were opened with (they hold it, not the path)."""
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ConfigurationError(
                f"TUTOR_CHROMA_URL={settings.chroma_url!r} is not an http(s) URL "
                "such as http://localhost:8000"
            )
        try:
            return chromadb.HttpClient(
                host=url.hostname,
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
            )
        except Exception as exc:  # chromadb raises several types for a dead server
            raise ServiceUnavailableError(
                f"cannot reach Chroma at {settings.chroma_url}: {exc}"
            ) from exc
    settings.chroma_dir.mkdir(parents=True, exist_ok=True)
    if fresh:  # forget this process's copy of the store, so the new client reads it afresh
        SharedSystemClient._identifier_to_system.pop(str(settings.chroma_dir), None)
    return chromadb.PersistentClient(path=str(settings.chroma_dir))


class PassageIndex:
    """Passages of a corpus in one Chroma collection, keyed by stable passage id."""

    def __init__(self, client: ClientAPI, embedder: Embedder, collection: str = "passages"):
        self.embedder = embedder
        self._client = client
        self._name = collection
        self.collection: Collection = client.get_or_create_collection(
            collection,
            embedding_function=TutorEmbeddingFunction(embedder),  # type: ignore[arg-type]
            metadata={"embedder": embedder.name},
        )
        built_with = (self.collection.metadata or {}).get("embedder")
        if built_with and built_with != embedder.name:
            raise ConfigurationError(
                f"the index was built with embedder {built_with!r}, not {embedder.name!r}; "
                "run `tutor index --rebuild`"
            )

    @classmethod
    def from_settings(cls, settings: Settings, embedder: Embedder | None = None) -> PassageIndex:
        embedder = embedder or make_embedder(
            settings.embedder, batch_size=settings.embed_batch_size, model=settings.embedding_model
        )
        return cls(open_client(settings), embedder, settings.collection)

    def reopened(self, settings: Settings) -> PassageIndex:
        """This index through a new client, seeing what other processes indexed since (also a
        collection dropped and built again by ``tutor index --rebuild``); same embedder."""
        return PassageIndex(open_client(settings, fresh=True), self.embedder, settings.collection)

    def count(self) -> int:
        return int(self.collection.count())

    def reset(self) -> None:
        """Drop every passage (for ``--rebuild``)."""
        self._client.delete_collection(self._name)
        self.__init__(self._client, self.embedder, self._name)  # type: ignore[misc]

    def sync(self, corpus: Corpus, progress: Progress | None = None) -> SyncReport:
        """Embed new and changed passages only, and remove passages no longer in the corpus."""
        wanted = {lesson.passage_id(p): (lesson, p) for lesson, p in corpus.passages()}
        stored = self.collection.get(include=["metadatas"])
        stored_hash = {
            pid: (meta or {}).get("hash")
            for pid, meta in zip(stored["ids"], stored["metadatas"] or [], strict=False)
        }
        changed = [
            pid for pid in wanted if stored_hash.get(pid) != _hash(self.embedder, *wanted[pid])
        ]
        removed = sorted(set(stored_hash) - set(wanted))
        if removed:
            self.collection.delete(ids=removed)
        step = 256
        for start in range(0, len(changed), step):
            batch = changed[start : start + step]
            docs = [_document(*wanted[pid]) for pid in batch]
            vectors = self.embedder.embed(docs)
            self.collection.upsert(
                ids=batch,
                documents=[wanted[pid][1].text for pid in batch],
                embeddings=vectors,
                metadatas=[_metadata(self.embedder, *wanted[pid]) for pid in batch],
            )
            if progress:
                progress(min(start + step, len(changed)), len(changed))
        added = sum(1 for pid in changed if pid not in stored_hash)
        return SyncReport(added, len(changed) - added, len(wanted) - len(changed), len(removed))

    def search(
        self,
        query: str,
        k: int = 5,
        *,
        lesson: str | None = None,
        concept: str | None = None,
        kind: str | None = None,
    ) -> list[Hit]:
        if not query.strip():
            raise BadRequestError("the search query is empty")
        if not 1 <= k <= 100:
            raise BadRequestError("k must be between 1 and 100")
        where = _where(lesson=lesson, concept=concept, kind=kind)
        vector = self.embedder.embed([query])
        found = self.collection.query(
            query_embeddings=vector,
            n_results=k,
            where=where,
            include=["documents", "metadatas", "distances"],
        )
        ids = found["ids"][0]
        docs = (found["documents"] or [[]])[0]
        metas = (found["metadatas"] or [[]])[0]
        dists = (found["distances"] or [[]])[0]
        return [
            Hit(
                passage_id=pid,
                lesson_id=str(meta["lesson_id"]),
                lesson_title=str(meta["lesson_title"]),
                section=str(meta["section"]),
                title=str(meta.get("title", "")),
                concepts=tuple(meta.get("concepts") or ()),  # type: ignore[arg-type]
                text=doc or "",
                score=round(1.0 - float(dist), 4),
            )
            for pid, doc, meta, dist in zip(ids, docs, metas, dists, strict=False)
        ]


def _document(lesson: Lesson, passage: Passage) -> str:
    """What gets embedded: the passage with its headings, which carry much of its meaning."""
    heading = " - ".join(part for part in (lesson.title, passage.title) if part)
    return f"{heading}\n{passage.text}"


def _hash(embedder: Embedder, lesson: Lesson, passage: Passage) -> str:
    meta = _base_metadata(lesson, passage)
    payload = "\x1f".join([embedder.name, _document(lesson, passage), repr(sorted(meta.items()))])
    return hashlib.sha256(payload.encode()).hexdigest()


def _base_metadata(lesson: Lesson, passage: Passage) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "lesson_id": lesson.id,
        "lesson_title": lesson.title,
        "section": passage.section.value,
        "title": passage.title,
    }
    concepts = passage.concepts or [c.id for c in lesson.concepts]
    meta["concepts"] = list(concepts)
    return meta


def _metadata(embedder: Embedder, lesson: Lesson, passage: Passage) -> dict[str, Any]:
    return {**_base_metadata(lesson, passage), "hash": _hash(embedder, lesson, passage)}


def _where(**filters: str | None) -> dict[str, Any] | None:
    clauses: list[dict[str, Any]] = []
    if filters.get("lesson"):
        clauses.append({"lesson_id": filters["lesson"]})
    if filters.get("concept"):
        clauses.append({"concepts": {"$contains": filters["concept"]}})
    if filters.get("kind"):
        clauses.append({"section": filters["kind"]})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}
