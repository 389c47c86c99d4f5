"""The LLM engine against a mocked provider: nothing here reaches a network."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import respx

from tests.conftest import PROJECT_ROOT
from tests.engines.fake_provider import CHAT_URL, DUMMY_KEY, MODEL, FakeOpenAI
from tutor.corpus import Corpus
from tutor.engines import LLMEngine
from tutor.llm import Gateway
from tutor.prompts import PromptLibrary
from tutor.retrieval import PassageIndex
from tutor.store import Database, upgrade_to_head
from tutor.tutoring import Tutor


@pytest.fixture
def openai() -> Iterator[FakeOpenAI]:
    fake = FakeOpenAI()
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        router.post(CHAT_URL).mock(side_effect=fake)
        yield fake


@pytest.fixture
def llm_engine(monkeypatch: pytest.MonkeyPatch, openai: FakeOpenAI) -> LLMEngine:
    monkeypatch.setenv("OPENAI_API_KEY", DUMMY_KEY)
    return LLMEngine(Gateway(MODEL, max_retries=0), PromptLibrary(PROJECT_ROOT / "prompts"))


@pytest.fixture
def llm_tutor(
    llm_engine: LLMEngine, starter_corpus: Corpus, starter_index: PassageIndex, tmp_path: Path
) -> Iterator[Tutor]:
    with Database(f"sqlite:///{tmp_path / 'tutor.db'}") as database:
        upgrade_to_head(database)
        yield Tutor(llm_engine, starter_corpus, starter_index, database)
