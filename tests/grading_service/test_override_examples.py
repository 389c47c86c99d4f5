"""Teacher overrides become graded examples of the item: the store query and the service."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import respx

from tests.grading_service.conftest import (
    CHAT_URL,
    chat,
    grade_json,
    learner_blocks,
    sent,
    without_graded_answers,
)
from tutor.config import Settings
from tutor.corpus import Corpus
from tutor.grading.cache import MemoryGradeCache
from tutor.grading.llm_grader import LLMGrader
from tutor.grading.models import Grade, GradedExample, GradeRequest
from tutor.grading.offline import OfflineGrader
from tutor.grading.rubric import ITEM_EXAMPLES, ExampleRanker, merge_examples
from tutor.grading.service import GradingService
from tutor.retrieval import MiniLMEmbedder
from tutor.store import (
    Database,
    create_learner,
    issue_api_key,
    override_grade,
    record_grade,
    submit_attempt,
    teacher_graded_answers,
    upgrade_to_head,
)

START = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    with Database(f"sqlite:///{tmp_path / 'tutor.db'}") as db:
        upgrade_to_head(db)
        yield db


class Classroom:
    """Learners answer; a teacher overrides, one minute later each time."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.learner = create_learner(database, "Ada").id
        self.teacher = issue_api_key(database, "teacher", label="Ms T").record.id
        self.clock = START

    def answer(self, item_id: str, answer: str, score: float = 0.5) -> str:
        attempt = submit_attempt(self.database, self.learner, item_id, answer).id
        record_grade(self.database, attempt, {"score": score, "verdict": "partially_correct"})
        return attempt

    def override(self, attempt_id: str, score: float) -> None:
        self.clock += timedelta(minutes=1)
        verdict = (
            "correct" if score >= 0.8 else "incorrect" if score < 0.35 else "partially_correct"
        )
        override_grade(self.database, attempt_id, teacher_key_id=self.teacher, verdict=verdict,
                       score=score, now=self.clock)  # fmt: skip


def test_the_query_gives_each_overridden_attempt_once_at_its_newest_score(
    database: Database,
) -> None:
    room = Classroom(database)
    first = room.answer("pi-02", "One token stream.")
    second = room.answer("pi-02", "Delimiters are a hard boundary.")
    room.answer("pi-02", "Never overridden.")
    other = room.answer("ctx-02", "Another item.")
    room.override(first, 0.2)
    room.override(second, 0.0)
    room.override(other, 1.0)
    room.override(first, 1.0)  # the teacher changed their mind: the newest wins
    assert teacher_graded_answers(database, "pi-02") == [
        ("One token stream.", 1.0),
        ("Delimiters are a hard boundary.", 0.0),
    ]
    assert teacher_graded_answers(database, "pi-02", limit=1) == [("One token stream.", 1.0)]
    assert teacher_graded_answers(database, "no-such-item") == []


def test_merged_examples_keep_the_first_of_each_answer_and_a_cap() -> None:
    ours = [GradedExample(answer="We evaporated it.", score=1.0)]
    teacher = [
        GradedExample(answer="  we EVAPORATED it. ", score=0.0),  # the same answer: ours stands
        GradedExample(answer="?!", score=0.0),  # nothing to compare with
        GradedExample(answer="We used a magnet.", score=0.0),
    ]
    assert merge_examples(ours, teacher) == [ours[0], teacher[2]]
    many = [GradedExample(answer=f"answer {i}", score=0.5) for i in range(ITEM_EXAMPLES + 10)]
    assert len(merge_examples(many)) == ITEM_EXAMPLES


class Spy:
    """The offline grader, recording each batch of requests it grades."""

    def __init__(self, offline: OfflineGrader, monkeypatch: pytest.MonkeyPatch) -> None:
        self.batches: list[list[GradeRequest]] = []
        real = offline.grade_many

        def grade_many(requests: Sequence[GradeRequest]) -> list[Grade]:
            self.batches.append(list(requests))
            return real(requests)

        monkeypatch.setattr(offline, "grade_many", grade_many)


async def test_overrides_reach_the_grader_and_a_new_one_regrades_the_item(
    offline: OfflineGrader,
    embedder: MiniLMEmbedder,
    starter_corpus: Corpus,
    database: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    item = without_graded_answers(starter_corpus, "pi-02")
    room = Classroom(database)
    room.override(room.answer(item.id, "Instructions and data are one token stream."), 1.0)
    spy = Spy(offline, monkeypatch)
    service = GradingService(
        offline=offline, cache=MemoryGradeCache(), ranker=ExampleRanker(embedder),
        database=database,
    )  # fmt: skip
    ours = GradedExample(answer="The model reads one stream of tokens.", score=1.0)
    answer = "Delimiters cannot stop it: the model reads one stream."
    await service.grade_item(item, answer, [ours])
    (request,) = spy.batches[-1]
    assert request.examples == [
        ours,
        GradedExample(answer="Instructions and data are one token stream.", score=1.0),
    ]

    await service.grade_item(item, answer, [ours])
    assert len(spy.batches) == 1  # cached: nothing changed

    room.override(room.answer(item.id, "Delimiters are a hard security boundary."), 0.0)
    await service.grade_item(item, answer, [ours])
    assert len(spy.batches) == 2  # a new override: graded afresh, with it
    assert [e.answer for e in spy.batches[-1][0].examples] == [
        ours.answer,
        "Delimiters are a hard security boundary.",  # the newest override first
        "Instructions and data are one token stream.",
    ]

    await GradingService(offline=offline).grade_item(item, answer)  # no database: no examples
    assert spy.batches[-1][0].examples == []


async def test_the_model_sees_the_teacher_graded_answers(
    llm_settings: Settings,
    offline: OfflineGrader,
    embedder: MiniLMEmbedder,
    starter_corpus: Corpus,
    database: Database,
    provider: respx.MockRouter,
) -> None:
    item = without_graded_answers(starter_corpus, "pi-02")
    room = Classroom(database)
    room.override(room.answer(item.id, "Delimiters are a hard security boundary."), 0.1)
    route = provider.post(CHAT_URL).mock(return_value=chat(grade_json("incorrect", 0.1)))
    service = GradingService(
        offline=offline, llm=LLMGrader.from_settings(llm_settings), cache=MemoryGradeCache(),
        ranker=ExampleRanker(embedder), database=database,
    )  # fmt: skip
    await service.item_grader(item, "Delimiters make it safe.")
    blocks = learner_blocks(sent(route))
    assert blocks == ["Delimiters are a hard security boundary.", "Delimiters make it safe."]
    assert "Score 0.1:" in sent(route)["messages"][1]["content"]


async def test_the_lesson_files_graded_answers_come_after_the_teachers(
    offline: OfflineGrader,
    embedder: MiniLMEmbedder,
    starter_corpus: Corpus,
    database: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, item = starter_corpus.item("pi-02")
    written = [GradedExample(answer=g.answer, score=g.score) for g in item.graded_answers]
    assert len(written) >= 5  # the lesson file grades answers to this item
    room = Classroom(database)
    room.override(room.answer(item.id, "Delimiters are a hard security boundary."), 0.0)
    spy = Spy(offline, monkeypatch)

    await GradingService(offline=offline).grade_item(item, "It is all one token stream.")
    assert spy.batches[-1][0].examples == written  # no database: the file's answers alone

    service = GradingService(offline=offline, ranker=ExampleRanker(embedder), database=database)
    await service.grade_item(item, "It is all one token stream.")
    assert spy.batches[-1][0].examples == [
        GradedExample(answer="Delimiters are a hard security boundary.", score=0.0),
        *written,
    ]
