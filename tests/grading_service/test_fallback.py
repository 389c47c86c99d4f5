"""When the model cannot grade, the offline grade stands in, and the grade says so.

The provider's HTTP edge is mocked by respx; retries are off so that an outage is one call.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import respx

from tests.grading_service.conftest import CHAT_URL, MODEL, chat, grade_json, llm_service
from tutor.config import Settings
from tutor.corpus import Corpus
from tutor.errors import LLMUnavailableError
from tutor.grading.models import Flag, Grade, GradeRequest
from tutor.grading.offline import OfflineGrader
from tutor.grading.service import GradingService
from tutor.learners import answer_item
from tutor.retrieval import MiniLMEmbedder
from tutor.store import AttemptStatus, Database, create_learner, get_attempt, upgrade_to_head

REQUEST = GradeRequest(
    question="How did you separate the salt from the water?",
    references=["The water was evaporated, leaving the salt."],
    answer="We boiled the water away and the salt stayed.",
)


def service(
    settings: Settings, offline: OfflineGrader | None, embedder: MiniLMEmbedder
) -> GradingService:
    return llm_service(settings, offline, embedder, llm_max_retries=0)


def assert_stand_in(grade: Grade) -> None:
    assert grade.engine == "offline" and grade.prompt.startswith("offline-grader@")
    assert {Flag.LLM_UNAVAILABLE, Flag.NEEDS_REVIEW} <= set(grade.flags)


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    with Database(f"sqlite:///{tmp_path / 'tutor.db'}") as db:
        upgrade_to_head(db)
        yield db


@pytest.mark.parametrize(
    "failure",
    [
        httpx.Response(503, json={"error": {"message": "overloaded"}}),
        httpx.ReadTimeout("the provider took too long"),
        httpx.ConnectError("connection refused"),
        httpx.Response(401, json={"error": {"message": "invalid api key"}}),
    ],
    ids=["503", "timeout", "unreachable", "auth"],
)
async def test_an_outage_is_graded_offline_and_says_so(
    llm_settings: Settings,
    offline: OfflineGrader,
    embedder: MiniLMEmbedder,
    provider: respx.MockRouter,
    failure: httpx.Response | Exception,
) -> None:
    route = provider.post(CHAT_URL)
    route.mock(**({"return_value": failure} if isinstance(failure, httpx.Response)
                  else {"side_effect": failure}))  # fmt: skip
    grading = service(llm_settings, offline, embedder)
    grade = await grading.grade(REQUEST)
    assert route.call_count == 1
    assert_stand_in(grade)
    assert grade.verdict == offline.grade_many([REQUEST])[0].verdict  # the offline grade itself

    route.mock(return_value=chat(grade_json("correct", 0.9)), side_effect=None)
    back = await grading.grade(REQUEST)  # the stand-in was not cached: the model grades now
    assert route.call_count == 2 and back.engine == MODEL and Flag.LLM_UNAVAILABLE not in back.flags


async def test_a_reply_invalid_after_the_repair_is_graded_offline(
    llm_settings: Settings,
    offline: OfflineGrader,
    embedder: MiniLMEmbedder,
    provider: respx.MockRouter,
) -> None:
    route = provider.post(CHAT_URL).mock(return_value=chat('{"verdict": "great"}'))
    grade = await service(llm_settings, offline, embedder).grade(REQUEST)
    assert route.call_count == 2  # the reply and its repair
    assert_stand_in(grade)


async def test_an_attempt_during_an_outage_is_graded_not_failed(
    llm_settings: Settings,
    offline: OfflineGrader,
    embedder: MiniLMEmbedder,
    starter_corpus: Corpus,
    database: Database,
    provider: respx.MockRouter,
) -> None:
    provider.post(CHAT_URL).mock(return_value=httpx.Response(503))
    learner = create_learner(database, "Ada")
    grading = service(llm_settings, offline, embedder)
    outcome = await answer_item(database, starter_corpus, learner.id, "pi-02",
                                "Instructions and data share one token stream.",
                                grading.item_grader)  # fmt: skip
    stored = get_attempt(database, outcome.attempt.id)
    assert stored.status is AttemptStatus.GRADED and stored.error is None
    assert stored.grade is not None
    assert_stand_in(Grade.model_validate(stored.grade))


async def test_without_an_offline_grader_the_outage_is_an_error(
    llm_settings: Settings, embedder: MiniLMEmbedder, provider: respx.MockRouter
) -> None:
    provider.post(CHAT_URL).mock(return_value=httpx.Response(503))
    with pytest.raises(LLMUnavailableError):
        await service(llm_settings, None, embedder).grade(REQUEST)


async def test_no_stand_in_when_the_caller_wants_the_error(
    llm_settings: Settings,
    offline: OfflineGrader,
    embedder: MiniLMEmbedder,
    provider: respx.MockRouter,
) -> None:
    provider.post(CHAT_URL).mock(return_value=httpx.Response(503))
    grading = service(llm_settings, offline, embedder)
    with pytest.raises(LLMUnavailableError):
        await grading.grade_many([REQUEST], fallback=False)


async def test_a_bug_is_raised_not_graded_offline(
    llm_settings: Settings,
    offline: OfflineGrader,
    embedder: MiniLMEmbedder,
    provider: respx.MockRouter,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    grading = service(llm_settings, offline, embedder)
    assert grading.llm is not None

    async def broken(request: GradeRequest) -> Grade:
        raise KeyError("examples")

    monkeypatch.setattr(grading.llm, "grade", broken)
    with pytest.raises(KeyError):
        await grading.grade(REQUEST)
