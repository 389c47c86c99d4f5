"""The grade and LLM reply caches live in the service's database, shared by replicas.

Each "replica" here is its own grading service with its own ``Database`` on one URL (SQLite,
and Postgres with ``-m servers``). A changed model, API base, prompt version or grader version
never serves an older entry; ``off`` really is off. The provider is mocked with respx.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import respx

from tests.grading_service.conftest import CHAT_URL, MODEL, chat, grade_json
from tests.servers import DATABASE_BACKENDS, database_url
from tutor.config import Settings
from tutor.grading import service as service_module
from tutor.grading.cache import DatabaseGradeCache, cache_from_settings
from tutor.grading.llm_grader import LLMGrader
from tutor.grading.models import GradeRequest, Verdict
from tutor.grading.service import GradingService
from tutor.llm import DatabaseCache
from tutor.store import Database

REQUEST = GradeRequest(
    question="How did you separate the salt from the water?",
    references=["The water was evaporated, leaving the salt."],
    answer="We boiled the water away and the salt stayed.",
)
OTHER_BASE = "http://127.0.0.1:9/v1"


@pytest.fixture(params=DATABASE_BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with database_url(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, db_url: str) -> Settings:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key-1234567890")
    return Settings(  # type: ignore[call-arg]
        data_dir=tmp_path / "data", model=MODEL, database_url=db_url, _env_file=None
    )


OPEN: list[Database] = []


@pytest.fixture(autouse=True)
def _close_databases() -> Iterator[None]:
    yield
    while OPEN:
        OPEN.pop().dispose()


def replica(settings: Settings, **changes: Any) -> GradingService:
    """A grading service as a replica builds it (its own connection pool), without the offline
    grader (these grades are the model's)."""
    settings = Settings(**{**settings.model_dump(), **changes, "_env_file": None})
    database = Database.from_settings(settings)
    OPEN.append(database)
    return GradingService(
        offline=None,
        llm=LLMGrader.from_settings(settings, database=database),
        cache=cache_from_settings(settings, database),
    )


@pytest.fixture
def provider() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        router.post(CHAT_URL).mock(return_value=chat(grade_json("correct", 0.9)))
        router.post(f"{OTHER_BASE}/chat/completions").mock(
            return_value=chat(grade_json("incorrect", 0.1))
        )
        yield router


def calls(provider: respx.MockRouter) -> int:
    return sum(route.call_count for route in provider.routes)


async def test_a_grade_given_by_one_replica_is_reused_by_another(
    settings: Settings, provider: respx.MockRouter
) -> None:
    first = await replica(settings).grade(REQUEST)
    assert calls(provider) == 1
    other = replica(settings)
    shouted = REQUEST.model_copy(update={"answer": "we BOILED the water away and the salt stayed."})
    again = await other.grade(shouted)
    assert calls(provider) == 1 and again == first  # the same normalised answer: from the table
    assert isinstance(other.cache, DatabaseGradeCache) and len(other.cache) == 1
    gateway = other.llm.gateways[0] if other.llm else None
    assert gateway is not None and isinstance(gateway.cache, DatabaseCache)
    assert len(gateway.cache) == 1  # the model's reply, for any other prompt that sends it


async def test_a_changed_model_api_base_prompt_or_grader_never_gets_an_old_grade(
    settings: Settings, provider: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    graded = await replica(settings).grade(REQUEST)
    assert calls(provider) == 1 and graded.engine == MODEL

    other_model = await replica(settings, model="openai/gpt-4o").grade(REQUEST)
    assert calls(provider) == 2 and other_model.engine == "openai/gpt-4o"

    other_base = await replica(settings, api_base=OTHER_BASE).grade(REQUEST)
    assert calls(provider) == 3 and other_base.verdict is Verdict.INCORRECT  # its own reply

    older_prompt = replica(settings)
    assert older_prompt.llm is not None
    older_prompt.llm = LLMGrader(older_prompt.llm.gateways, older_prompt.llm.library, 1)
    graded_v1 = await older_prompt.grade(REQUEST)
    assert calls(provider) == 4 and graded_v1.prompt == "grade_answer@1"

    monkeypatch.setattr(service_module, "DETECTOR", "attacks@999")  # a new grader version
    await replica(settings, llm_cache="off").grade(REQUEST)
    assert calls(provider) == 5

    monkeypatch.undo()
    await replica(settings).grade(REQUEST)
    assert calls(provider) == 5  # nothing changed: the first grade, from the table


async def test_off_really_is_off(settings: Settings, provider: respx.MockRouter) -> None:
    first = await replica(settings).grade(REQUEST)  # cached in both tables
    assert calls(provider) == 1

    no_grade_cache = replica(settings, grade_cache="off")
    assert no_grade_cache.cache is None
    await no_grade_cache.grade(REQUEST)
    assert calls(provider) == 1  # the model's reply still came from the LLM cache ...
    ledger = no_grade_cache.llm.gateways[0].ledger if no_grade_cache.llm else None
    assert ledger is not None and [r.cached for r in ledger.records] == [True]  # ... regraded

    both_off = replica(settings, grade_cache="off", llm_cache="off")
    again = await both_off.grade(REQUEST)
    assert calls(provider) == 2  # the cached grade outlives neither setting
    assert again.verdict is first.verdict
    await both_off.grade(REQUEST)
    assert calls(provider) == 3
