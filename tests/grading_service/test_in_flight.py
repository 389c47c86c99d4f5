"""Identical grade requests are graded once, with the caches off too (issue 15).

The provider is respx at its HTTP edge; the offline grader (the guard's second opinion) is
the real artifact. The calls counted are the provider route's.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest
import respx
from typer.testing import CliRunner

from tests.grading_service.conftest import CHAT_URL, MODEL, chat, grade_json, learner_blocks
from tutor.cli import app
from tutor.cli.output import err_console
from tutor.config import Settings
from tutor.grading.llm_grader import LLMGrader
from tutor.grading.models import GradeRequest
from tutor.grading.offline import OfflineGrader
from tutor.grading.rubric import ExampleRanker
from tutor.grading.service import GradingService
from tutor.retrieval import MiniLMEmbedder

QUESTION = "How did you separate the salt from the water?"
REFERENCE = "The water was evaporated, leaving the salt."
SAME = "We heated the water until it evaporated and the salt stayed."


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, offline: OfflineGrader) -> Path:
    """``tutor`` on the model with both caches off."""
    for name, value in {
        "OPENAI_API_KEY": "sk-test-not-a-real-key-1234567890", "TUTOR_MODEL": MODEL,
        "TUTOR_LLM_CACHE": "off", "TUTOR_GRADE_CACHE": "off", "TUTOR_LLM_MAX_RETRIES": "0",
        "TUTOR_DATA_DIR": str(tmp_path / "data"),
    }.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    return tmp_path


def _write(path: Path, answers: list[str]) -> Path:
    rows = [{"id": f"a{i}", "question": QUESTION, "reference_answer": REFERENCE,
             "student_answer": answer} for i, answer in enumerate(answers)]  # fmt: skip
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _grades(out: Path) -> dict[str, dict[str, object]]:
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    return {row.pop("id"): row for row in rows}


def test_identical_answers_in_a_batch_make_one_provider_call(
    cli_env: Path, provider: respx.MockRouter
) -> None:
    route = provider.post(CHAT_URL).mock(return_value=chat(grade_json("correct", 0.9)))
    same = [SAME, SAME.upper(), f"  {SAME}  ", SAME.replace(" ", "   ")] * 25  # 100, normalised
    source = _write(cli_env / "in.jsonl", [*same, "We used a sieve.", "Filter paper."])
    out = cli_env / "out.jsonl"
    result = CliRunner().invoke(app, ["grade", "--batch", str(source), "--out", str(out),
                                      "--concurrency", "50", "--json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert route.call_count == 3  # the 100 alike once, and the two others
    graded = {block for call in route.calls
              for block in learner_blocks(json.loads(call.request.content))}  # fmt: skip
    assert len(graded) == 3
    grades = _grades(out)
    assert len(grades) == 102 and len({json.dumps(grades[f"a{i}"]) for i in range(100)}) == 1
    report = json.loads(result.stdout)  # stdout is the JSON document alone
    assert report["graded"] == 102 and report["failed"] == {}


async def test_concurrent_identical_requests_share_one_call_with_caches_off(
    llm_settings: Settings,
    offline: OfflineGrader,
    embedder: MiniLMEmbedder,
    provider: respx.MockRouter,
) -> None:
    route = provider.post(CHAT_URL).mock(return_value=chat(grade_json("partially_correct", 0.6)))
    settings = llm_settings.model_copy(update={"llm_cache": "off"})
    service = GradingService(offline=offline, llm=LLMGrader.from_settings(settings), cache=None,
                             ranker=ExampleRanker(embedder))  # fmt: skip
    request = GradeRequest(question=QUESTION, references=[REFERENCE], answer=SAME)
    other = request.model_copy(update={"answer": "We poured it through a sieve."})
    alike = [service.grade(request) for _ in range(20)]
    grades = await asyncio.gather(*alike, service.grade(other))
    assert route.call_count == 2
    assert len({g.model_dump_json() for g in grades[:20]}) == 1
    await service.grade(request)  # nothing in flight now and no cache: graded again
    assert route.call_count == 3


def test_the_progress_bar_goes_to_a_terminal_and_never_to_stdout(
    cli_env: Path, provider: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.25)  # the bar redraws 10 times a second
        return chat(grade_json("incorrect", 0.1))

    provider.post(CHAT_URL).mock(side_effect=slow)
    monkeypatch.setattr(err_console, "_force_terminal", True)  # stderr is a terminal
    monkeypatch.setattr(err_console, "is_interactive", True)
    source = _write(cli_env / "in.jsonl", [f"Answer {i}: it boiled." for i in range(5)])
    runner = CliRunner()
    drawn = runner.invoke(app, ["grade", "--batch", str(source), "--out",
                                str(cli_env / "a.jsonl"), "--concurrency", "1"])  # fmt: skip
    assert drawn.exit_code == 0, drawn.output
    assert "grading (openai/gpt-4o-mini)" in drawn.stderr  # the bar, on stderr
    assert "answers/s" in drawn.stderr and "tokens" in drawn.stderr  # 340 tokens per answer
    assert drawn.stdout.strip().startswith("graded 5 of 5")
    assert "grading (" not in drawn.stdout
    quiet = runner.invoke(app, ["grade", "--batch", str(source), "--out",
                                str(cli_env / "b.jsonl"), "--json"])  # fmt: skip
    assert quiet.exit_code == 0, quiet.output
    assert quiet.stderr == "" and json.loads(quiet.stdout)["graded"] == 5
