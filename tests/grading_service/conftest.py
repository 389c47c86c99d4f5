"""Grading-service fixtures: the shipped offline grader, the provider edge, answers to attack.

The provider is mocked with respx at its HTTP edge (nothing reaches a network); the offline
grader is the real artifact, and tests that need it skip with the reason while it is absent.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
import yaml

from tests.api.conftest import client, server_url  # noqa: F401 (the real uvicorn fixtures)
from tests.conftest import CORPUS_DIR
from tests.provider_replies import chat_completion
from tutor.config import PROJECT_ROOT, Settings
from tutor.corpus import Corpus, Item
from tutor.grading import artifact as artifacts
from tutor.grading.cache import MemoryGradeCache
from tutor.grading.llm_grader import LLMGrader
from tutor.grading.offline import OfflineGrader
from tutor.grading.rubric import ExampleRanker
from tutor.grading.service import GradingService
from tutor.retrieval import MiniLMEmbedder

CHAT_URL = "https://api.openai.com/v1/chat/completions"
MODEL = "openai/gpt-4o-mini"
HERE = Path(__file__).parent
ARTIFACT = artifacts.MODEL_DIR / artifacts.ARRAYS_FILE
SKIP_NO_ARTIFACT = (
    f"the offline grader artifact {ARTIFACT} is not there yet (scripts/train_grader.py writes "
    "it); tests that grade offline, or compare with the offline grader, wait for it"
)


@pytest.fixture(scope="session")
def offline(grader_embedder: MiniLMEmbedder) -> OfflineGrader:
    if not ARTIFACT.is_file():
        pytest.skip(SKIP_NO_ARTIFACT)
    return OfflineGrader.load(grader_embedder)


@pytest.fixture
def offline_service(offline: OfflineGrader, grader_embedder: MiniLMEmbedder) -> GradingService:
    return GradingService(
        offline=offline, cache=MemoryGradeCache(), ranker=ExampleRanker(grader_embedder)
    )


@pytest.fixture
def llm_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Settings:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key-1234567890")
    return Settings(  # type: ignore[call-arg]
        data_dir=tmp_path / "data", corpus_dir=CORPUS_DIR, model=MODEL, llm_cache="memory",
        grade_cache="memory", _env_file=None,
    )  # fmt: skip


def llm_service(
    settings: Settings, offline: OfflineGrader | None, embedder: MiniLMEmbedder, **updates: Any
) -> GradingService:
    settings = settings.model_copy(update=updates)
    return GradingService(
        offline=offline, llm=LLMGrader.from_settings(settings), cache=MemoryGradeCache(),
        ranker=ExampleRanker(embedder),
    )  # fmt: skip


def grade_json(verdict: str = "correct", score: float = 0.95, **extra: Any) -> str:
    grade = {
        "verdict": verdict, "score": score, "mistakes": [], "confidence": 0.9, "flags": [],
        "feedback": {"correct": ["all of it"], "missing": [], "next_step": "Go on.",
                     "text": "Well done."},
        **extra,
    }  # fmt: skip
    return json.dumps(grade)


def chat(text: str) -> httpx.Response:
    return chat_completion(text, prompt_tokens=300, completion_tokens=40)


def sent(route: respx.Route, index: int = -1) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(route.calls[index].request.content)
    return body


def learner_blocks(body: dict[str, Any]) -> list[str]:
    user = body["messages"][1]["content"]
    return re.findall(r"<learner_text>\n(.*?)\n</learner_text>", user, re.DOTALL)


@pytest.fixture
def provider() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        yield router


# -- answers to attack ---------------------------------------------------------------------


@dataclass(frozen=True)
class WrongAnswer:
    case_id: str
    item: Item
    answer: str


def _cases() -> list[dict[str, Any]]:
    data = yaml.safe_load((PROJECT_ROOT / "evals/corpus/answers.yaml").read_text("utf-8"))
    cases: list[dict[str, Any]] = data["cases"]
    return cases


@pytest.fixture(scope="session")
def wrong_answers(starter_corpus: Corpus) -> list[WrongAnswer]:
    """Every answer a teacher marked incorrect in evals/corpus (honest ones, not 'clean')."""
    return [
        WrongAnswer(c["id"], starter_corpus.item(c["item"])[1], c["answer"])
        for c in _cases()
        if c["label"] == "incorrect" and c.get("kind", "answer") == "answer"
    ]


@pytest.fixture(scope="session")
def honest_answers() -> list[str]:
    """Every answer in evals/corpus (clean mentions included) and our own clean mentions."""
    ours = yaml.safe_load((HERE / "mentions.yaml").read_text("utf-8"))["clean"]
    return [c["answer"] for c in _cases()] + list(ours)


@pytest.fixture(scope="session")
def extra_attacks() -> list[str]:
    """Attack templates beyond evals/attacks.yaml (homoglyphs, leetspeak, unquoted spoofs)."""
    templates: list[str] = yaml.safe_load((HERE / "mentions.yaml").read_text("utf-8"))["attacks"]
    return templates


Wrap = Callable[[str, str], str]


def without_graded_answers(corpus: Corpus, item_id: str) -> Item:
    """The corpus item without the graded answers of its lesson file, so that the examples a
    test sees are its own and the teacher's."""
    _, item = corpus.item(item_id)
    return item.model_copy(update={"graded_answers": []})
