"""Variant tests run on the starter corpus, the session's real Chroma index and a fresh SQLite
store; the API tests use the real uvicorn server of tests/api."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import client, server_url
from tutor.config import Settings, get_settings
from tutor.corpus import Corpus, Item
from tutor.retrieval import MiniLMEmbedder, PassageIndex
from tutor.store import Database, open_database
from tutor.variants import (
    Candidate,
    EmbeddingKeyChecker,
    GenerationRequest,
    NoveltyIndex,
    VariantService,
)

__all__ = ["ScriptedGenerator", "client", "server_url"]


class ScriptedGenerator:
    """Proposes exactly the candidates it was given (a fake generator for the pipeline)."""

    engine = "scripted"
    prompt = "scripted@1"

    def __init__(self, candidates: Sequence[Candidate]) -> None:
        self._candidates = list(candidates)

    async def candidates(self, request: GenerationRequest) -> Sequence[Candidate]:
        return self._candidates


@pytest.fixture
def data_dir(tmp_path: Path, indexed_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh data folder holding a copy of the session's passage index."""
    target = tmp_path / "data"
    shutil.copytree(indexed_data_dir / "chroma", target / "chroma")
    monkeypatch.setenv("TUTOR_DATA_DIR", str(target))
    get_settings.cache_clear()
    return target


@pytest.fixture(scope="session")
def corpus_questions(embedder: MiniLMEmbedder, starter_corpus: Corpus) -> NoveltyIndex:
    """The corpus items embedded once per session; each service gets its own copy."""
    known = NoveltyIndex(embedder)
    known.add_many((f"item:{item.id}", item) for _, item in starter_corpus.items())
    return known


@pytest.fixture
def database(settings: Settings) -> Iterator[Database]:
    db = open_database(settings)
    yield db
    db.dispose()


@pytest.fixture
def offline_service(
    settings: Settings,
    starter_corpus: Corpus,
    starter_index: PassageIndex,
    database: Database,
    corpus_questions: NoveltyIndex,
) -> VariantService:
    return VariantService.from_settings(
        settings,
        corpus=starter_corpus,
        index=starter_index,
        database=database,
        novelty=corpus_questions.copy(),
    )


@pytest.fixture
def scripted_service(
    starter_corpus: Corpus,
    starter_index: PassageIndex,
    database: Database,
    corpus_questions: NoveltyIndex,
) -> Callable[[Sequence[Candidate]], VariantService]:
    """A service whose generator proposes the given candidates, checked offline."""

    def make(candidates: Sequence[Candidate]) -> VariantService:
        return VariantService(
            corpus=starter_corpus,
            index=starter_index,
            database=database,
            generator=ScriptedGenerator(candidates),
            key_checker=EmbeddingKeyChecker(starter_index.embedder),
            novelty=corpus_questions.copy(),
        )

    return make


def variant_of(parent: Item, transformation: str = "reworded", **changes: Any) -> Candidate:
    """A candidate made from ``parent`` with ``changes`` (a new id unless one is given)."""
    raw = {**parent.model_dump(mode="json"), "id": f"{parent.id}-vtest", **changes}
    return Candidate(transformation, Item.model_validate(raw), raw)
