"""Batch grading through the model: concurrent, and a failed answer is retried by the next run."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import respx

from tests.grading_service.conftest import CHAT_URL, chat, grade_json, learner_blocks, llm_service
from tutor.config import Settings
from tutor.grading.batch import AnswerRow, grade_file
from tutor.grading.offline import OfflineGrader
from tutor.retrieval import MiniLMEmbedder


def row(row_id: str, answer: str) -> AnswerRow:
    return AnswerRow(
        id=row_id, question="How did you separate the salt from the water?",
        reference_answer="The water was evaporated, leaving the salt.", student_answer=answer,
    )  # fmt: skip


async def test_a_failed_answer_is_reported_not_written_and_retried(
    llm_settings: Settings,
    offline: OfflineGrader,
    embedder: MiniLMEmbedder,
    provider: respx.MockRouter,
    tmp_path: Path,
) -> None:
    def reply(request: httpx.Request) -> httpx.Response:
        broken = "sieve" in learner_blocks(json.loads(request.content))[-1]
        return chat('{"verdict": "great"}' if broken else grade_json("correct", 0.9))

    route = provider.post(CHAT_URL).mock(side_effect=reply)
    rows = [row(f"r{i}", f"We evaporated the water ({i}).") for i in range(6)]
    rows.append(row("bad", "We used a sieve."))
    out = tmp_path / "out.jsonl"
    service = llm_service(llm_settings, offline, embedder)
    report = await grade_file(service, rows, out, concurrency=4)
    assert report.graded == 6 and list(report.failed) == ["bad"]
    assert "did not produce a valid GradeOutput" in report.failed["bad"]
    assert route.call_count == 6 + 2  # the bad one: first reply and the repair
    written = [json.loads(line)["id"] for line in out.read_text().splitlines()]
    assert sorted(written) == [f"r{i}" for i in range(6)]

    route.mock(side_effect=lambda request: chat(grade_json("incorrect", 0.1)))
    again = await grade_file(service, rows, out, concurrency=4)
    assert again.skipped == 6 and again.graded == 1 and again.failed == {}
    assert len(out.read_text().splitlines()) == 7
