"""The passage index in Chroma: incremental sync from a corpus, and filtered search."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Mapping
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
from tutor.retrieval.embedder import Embedder, Vectors, make_embedder
from tutor.retrieval.exact_search import DEFAULT_PASSAGES, PassageBlocks, rank
from tutor.retrieval.filters import PassageFilter
from tutor.retrieval.lru import LruTable
from tutor.retrieval.manifests import ManifestStore, build_manifests, concept_key, lesson_key
from tutor.retrieval.query_cache import DEFAULT_SIZE, QueryEmbeddingCache

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
    """Passages of a corpus in one Chroma collection, keyed by stable passage id.

    Query vectors are kept in a :class:`QueryEmbeddingCache` of ``query_cache`` entries (0: off),
    and as many search results in an :class:`~tutor.retrieval.lru.LruTable` (cleared when this index
    changes).
    A search filtered by lesson or concept ranks the passages of that filter's manifest
    (:mod:`tutor.retrieval.manifests`), whose vectors are cached for up to ``block_passages``
    passages; ``manifests=False``, an index without manifests and a filter on the kind alone
    use Chroma's filtered query. ``paths`` counts which way filtered searches went
    (``manifest`` or ``chroma_filter``).
    """

    def __init__(
        self,
        client: ClientAPI,
        embedder: Embedder,
        collection: str = "passages",
        *,
        query_cache: int = DEFAULT_SIZE,
        manifests: bool = True,
        block_passages: int = DEFAULT_PASSAGES,
    ):
        self.embedder = embedder
        self.queries = QueryEmbeddingCache(embedder, query_cache)
        self.results: LruTable[tuple[str, int, PassageFilter], tuple[Hit, ...]] = LruTable(
            query_cache
        )
        self.manifests = ManifestStore(client, collection)
        self.use_manifests = manifests
        self.paths: Counter[str] = Counter()
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
        self.blocks = PassageBlocks(block_passages)

    @classmethod
    def from_settings(cls, settings: Settings, embedder: Embedder | None = None) -> PassageIndex:
        embedder = embedder or make_embedder(
            settings.embedder, batch_size=settings.embed_batch_size, model=settings.embedding_model
        )
        return cls(
            open_client(settings), embedder, settings.collection,
            query_cache=settings.query_cache_size,
            block_passages=settings.filter_cache_passages,
        )  # fmt: skip

    def reopened(self, settings: Settings) -> PassageIndex:
        """This index through a new client, seeing what other processes indexed since (also a
        collection dropped and built again by ``tutor index --rebuild``); same embedder."""
        fresh = PassageIndex(
            open_client(settings, fresh=True), self.embedder, settings.collection,
            manifests=self.use_manifests, block_passages=self.blocks.max_passages,
        )  # fmt: skip
        fresh.queries = self.queries  # the same embedder: the query vectors still hold
        fresh.blocks = self.blocks  # by manifest digest: unchanged lessons' blocks still hold
        return fresh

    def count(self) -> int:
        return int(self.collection.count())

    def reset(self) -> None:
        """Drop every passage (for ``--rebuild``)."""
        self._client.delete_collection(self._name)
        self.manifests.drop()
        self.__init__(  # type: ignore[misc]
            self._client, self.embedder, self._name, query_cache=self.queries.size,
            manifests=self.use_manifests, block_passages=self.blocks.max_passages,
        )  # fmt: skip

    def sync(self, corpus: Corpus, progress: Progress | None = None) -> SyncReport:
        """Embed new and changed passages only, and remove passages no longer in the corpus."""
        self.results.clear()  # also if the sync fails halfway
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
        self.manifests.write(
            build_manifests((pid, _metadata(self.embedder, *wanted[pid])) for pid in wanted)
        )
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
        chosen = PassageFilter(lesson or None, concept or None, kind or None)
        key = (query, k, chosen)
        found = self.results.get(key)
        if found is None:
            found = self.results.put(key, tuple(self._search(query, k, chosen)))
        return list(found)  # the caller's own list: the cached tuple stays as it was

    def _search(self, query: str, k: int, chosen: PassageFilter) -> list[Hit]:
        vector = self.queries.embed([query])
        if chosen:
            hits = self._from_manifest(vector, k, chosen)
            if hits is not None:
                self.paths["manifest"] += 1
                return hits
            self.paths["chroma_filter"] += 1
        found = self.collection.query(
            query_embeddings=vector,
            n_results=k,
            where=chosen.where(),
            include=["documents", "metadatas", "distances"],
        )
        ids = found["ids"][0]
        docs = (found["documents"] or [[]])[0]
        metas = (found["metadatas"] or [[]])[0]
        dists = (found["distances"] or [[]])[0]
        return [
            _hit(pid, doc, meta, dist)
            for pid, doc, meta, dist in zip(ids, docs, metas, dists, strict=False)
        ]

    def _from_manifest(self, vector: Vectors, k: int, chosen: PassageFilter) -> list[Hit] | None:
        """The filter's exact top k among the passages its lesson's or concept's manifest
        lists; None when there is no manifest to read (Chroma's filter answers instead)."""
        if not self.use_manifests or not (chosen.lesson or chosen.concept):
            return None
        key = lesson_key(chosen.lesson) if chosen.lesson else concept_key(str(chosen.concept))
        digest = self.manifests.digest(key)
        if digest is None:
            return None
        block = self.blocks.cached(digest, self.collection) if digest else None
        if block is None:
            manifest = self.manifests.read(key)
            if manifest is None:
                return None
            if not manifest.entries:
                return []
            block = self.blocks.block(manifest, self.collection)
        keep = [chosen.admits_entry(*block.listed[pid]) for pid in block.ids]
        best = rank(block, vector, k, keep)
        if not best:
            return []
        missing = [block.ids[row] for row, _ in best if block.ids[row] not in block.records]
        if missing:
            got = self.collection.get(ids=missing, include=["documents", "metadatas"])
            docs, metas = got["documents"] or [], got["metadatas"] or []
            for pid, doc, meta in zip(got["ids"], docs, metas, strict=False):
                block.records[pid] = (doc or "", meta or {})
        hits = []
        for row, dist in best:
            doc, meta = block.records.get(block.ids[row], ("", {}))
            if not meta or not chosen.admits(meta):
                return None  # changed since its manifest was written: let Chroma filter
            hits.append(_hit(block.ids[row], doc, meta, dist))
        return hits


def _hit(pid: str, doc: str | None, meta: Mapping[str, Any], dist: float) -> Hit:
    return Hit(
        passage_id=pid,
        lesson_id=str(meta["lesson_id"]),
        lesson_title=str(meta["lesson_title"]),
        section=str(meta["section"]),
        title=str(meta.get("title", "")),
        concepts=tuple(meta.get("concepts") or ()),
        text=doc or "",
        score=round(1.0 - float(dist), 4),
    )


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
