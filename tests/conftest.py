"""Shared fixtures: real Chroma in temporary folders, one embedder per test session."""

from __future__ import annotations

import os

# litellm's calls through httpx, not its default aiohttp transport, so that respx (which sees
# httpx only) stands in for providers; set before anything imports litellm
os.environ["DISABLE_AIOHTTP_TRANSPORT"] = "True"

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import CHROMA_URL, drop_template
from tutor.config import PROJECT_ROOT, Settings, get_settings
from tutor.corpus import Corpus, load_corpus
from tutor.retrieval import MiniLMEmbedder, PassageIndex, open_client
from tutor.retrieval.embedder import embedder_named

CORPUS_DIR = PROJECT_ROOT / "corpus"
SHARED_DIR = PROJECT_ROOT.parent / "shared"


@pytest.fixture(autouse=True)
def _no_stray_config(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never read a developer's .env or TUTOR_* variables, and never call a real LLM."""
    import os

    for name in list(os.environ):
        if name.startswith("TUTOR_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("TUTOR_DATA_DIR", "/nonexistent-set-by-a-fixture")
    monkeypatch.chdir(PROJECT_ROOT)
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def embedder() -> MiniLMEmbedder:
    return MiniLMEmbedder()


@pytest.fixture(scope="session")
def grader_embedder() -> MiniLMEmbedder:
    """The embedder the shipped offline grader was trained with (its artifact names it), which
    grading keeps whatever the default embedder is (issue 15)."""
    from tutor.grading import artifact

    return embedder_named(artifact.load().embedder)


@pytest.fixture(scope="session")
def starter_corpus() -> Corpus:
    return load_corpus(CORPUS_DIR)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", corpus_dir=CORPUS_DIR, _env_file=None)  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def indexed_data_dir(
    tmp_path_factory: pytest.TempPathFactory, embedder: MiniLMEmbedder, starter_corpus: Corpus
) -> Path:
    """A data folder whose Chroma store holds the starter corpus (built once per session)."""
    data_dir = tmp_path_factory.mktemp("indexed")
    settings = Settings(data_dir=data_dir, corpus_dir=CORPUS_DIR, _env_file=None)  # type: ignore[call-arg]
    PassageIndex(open_client(settings), embedder).sync(starter_corpus)
    return data_dir


@pytest.fixture(scope="session")
def starter_index(indexed_data_dir: Path, embedder: MiniLMEmbedder) -> PassageIndex:
    settings = Settings(data_dir=indexed_data_dir, corpus_dir=CORPUS_DIR, _env_file=None)  # type: ignore[call-arg]
    return PassageIndex(open_client(settings), embedder)


@pytest.fixture(scope="session")
def server_collection(embedder: MiniLMEmbedder, starter_corpus: Corpus) -> str | None:
    """A collection on the Chroma server (TUTOR_TEST_CHROMA_URL) holding the starter corpus,
    indexed once per test session; None without a Chroma server."""
    if CHROMA_URL is None:
        return None
    name = f"passages_{uuid.uuid4().hex[:10]}"
    settings = Settings(chroma_url=CHROMA_URL, collection=name, _env_file=None)  # type: ignore[call-arg]
    PassageIndex(open_client(settings), embedder, settings.collection).sync(starter_corpus)
    return name


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Iterator[Path]:
    """A writable copy of the starter corpus."""
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS_DIR, target)
    yield target


def pytest_sessionfinish() -> None:
    drop_template()  # the migrated Postgres database the servers suites copy (tests/servers.py)
