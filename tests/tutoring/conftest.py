"""A tutor on the offline engine over the real starter index, with a fresh learner store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tutor.corpus import Corpus
from tutor.engines import OfflineEngine
from tutor.retrieval import MiniLMEmbedder, PassageIndex
from tutor.store import Database, upgrade_to_head
from tutor.tutoring import Tutor


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    with Database(f"sqlite:///{tmp_path / 'tutor.db'}") as db:
        upgrade_to_head(db)
        yield db


@pytest.fixture(scope="session")
def offline_engine(embedder: MiniLMEmbedder, starter_corpus: Corpus) -> OfflineEngine:
    return OfflineEngine(embedder, starter_corpus)


@pytest.fixture
def tutor(
    offline_engine: OfflineEngine,
    starter_corpus: Corpus,
    starter_index: PassageIndex,
    database: Database,
) -> Tutor:
    return Tutor(offline_engine, starter_corpus, starter_index, database)
