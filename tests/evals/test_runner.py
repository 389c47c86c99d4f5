"""Runs resume after an interruption, record failures as unscored, and refuse mixed runs."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

import pytest

from tests.evals.conftest import ScriptedGrader
from tutor.errors import BadRequestError, ConfigurationError, LLMUnavailableError
from tutor.evals.cases import Scheme
from tutor.evals.harness import load_cases
from tutor.evals.results import RESULTS, Manifest, RunDir
from tutor.evals.runner import run
from tutor.evals.variants import Plan, Variant, build
from tutor.grading.models import Grade, GradeRequest

MANIFEST = Manifest(dataset="tiny", grader="scripted", version="scripted@1", scheme="verdict")


def variants(dataset: Path) -> list[Variant]:
    return build(load_cases(str(dataset)), Scheme("verdict"), Plan(checks=frozenset()))


def test_a_rerun_skips_every_graded_answer(dataset: Path, tmp_path: Path) -> None:
    run_dir, plan = RunDir(tmp_path / "run"), variants(dataset)
    run_dir.start(MANIFEST)
    grader = ScriptedGrader()
    results, stats = asyncio.run(run(grader, plan, run_dir, repeats=2))
    assert stats.graded == len(plan) * 2 and len(grader.calls) == len(plan) * 2
    again = ScriptedGrader()
    results2, stats2 = asyncio.run(run(again, plan, run_dir, repeats=2))
    assert again.calls == [] and stats2.skipped == len(plan) * 2
    assert [r.id for r in results2] == [r.id for r in results]


def test_an_interrupted_run_resumes_where_it_stopped(dataset: Path, tmp_path: Path) -> None:
    run_dir, plan = RunDir(tmp_path / "run"), variants(dataset)
    run_dir.start(MANIFEST)
    asyncio.run(run(ScriptedGrader(), plan[:6], run_dir))
    path = run_dir.file(RESULTS)
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(lines[:5]) + "\n" + lines[5][:40], encoding="utf-8")  # torn line
    run_dir.start(MANIFEST)  # as a rerun of the command does
    grader = ScriptedGrader()
    results, stats = asyncio.run(run(grader, plan, run_dir))
    assert stats.skipped == 5 and len(grader.calls) == len(plan) - 5
    assert all(r.grade is not None for r in results)
    assert len(run_dir.results()) == len(plan)


class Flaky(ScriptedGrader):
    """Fails every batch holding the answer "It encrypts the user's messages."."""

    async def grade(self, requests: Sequence[GradeRequest], *, repeat: int = 0) -> list[Grade]:
        if any("encrypts" in r.answer for r in requests):
            raise LLMUnavailableError("every model failed")
        return await super().grade(requests, repeat=repeat)


def test_a_failed_answer_is_unscored_then_retried(dataset: Path, tmp_path: Path) -> None:
    run_dir, plan = RunDir(tmp_path / "run"), variants(dataset)
    run_dir.start(MANIFEST)
    results, stats = asyncio.run(run(Flaky(batch_size=1), plan, run_dir))
    failed = [r for r in results if r.grade is None]
    assert stats.failed == 1 and [r.case for r in failed] == ["q2-d"]
    assert failed[0].error == "every model failed"
    grader = ScriptedGrader()
    results, _ = asyncio.run(run(grader, plan, run_dir))
    assert grader.calls == [("It encrypts the user's messages.", 0)]
    assert all(r.grade is not None for r in results)


class Misconfigured(ScriptedGrader):
    async def grade(self, requests: Sequence[GradeRequest], *, repeat: int = 0) -> list[Grade]:
        raise ConfigurationError("set OPENAI_API_KEY")


def test_a_configuration_error_stops_the_run(dataset: Path, tmp_path: Path) -> None:
    run_dir = RunDir(tmp_path / "run")
    run_dir.start(MANIFEST)
    with pytest.raises(ConfigurationError, match="OPENAI_API_KEY"):
        asyncio.run(run(Misconfigured(), variants(dataset), run_dir))


def test_a_run_folder_of_another_grader_is_not_mixed_in(dataset: Path, tmp_path: Path) -> None:
    run_dir = RunDir(tmp_path / "run")
    run_dir.start(MANIFEST)
    asyncio.run(run(ScriptedGrader(), variants(dataset)[:2], run_dir))
    other = MANIFEST.model_copy(update={"version": "scripted@2"})
    with pytest.raises(BadRequestError, match=r"another version.*--fresh"):
        run_dir.start(other)
    run_dir.start(other, fresh=True)
    assert run_dir.results() == {}


def test_an_edited_answer_is_graded_again_and_an_edited_label_counts(
    dataset: Path, tmp_path: Path
) -> None:
    run_dir = RunDir(tmp_path / "run")
    run_dir.start(MANIFEST)
    cases = load_cases(str(dataset))
    asyncio.run(run(ScriptedGrader(), build(cases, Scheme("verdict"), Plan(checks=frozenset())),
                    run_dir))  # fmt: skip
    edited = [
        c.model_copy(update={"answer": "Now it says alpha."}) if c.id == "q1-d"
        else c.model_copy(update={"label": "partially_correct"}) if c.id == "q2-e"
        else c
        for c in cases
    ]  # fmt: skip
    grader = ScriptedGrader()
    results, _ = asyncio.run(
        run(grader, build(edited, Scheme("verdict"), Plan(checks=frozenset())), run_dir)
    )
    assert grader.calls == [("Now it says alpha.", 0)]
    assert next(r for r in results if r.case == "q2-e").truth == 1.0
