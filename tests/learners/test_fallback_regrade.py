"""``tutor regrade --fallback``: answers graded offline while the model was down are graded by
the model once it is back; the learner sees the newer grade, the history keeps both, and
mastery is replayed in submission order."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from tutor.cli import app
from tutor.corpus import Corpus, Item
from tutor.learners import answer_item, mastery_report, override_attempt
from tutor.learners.fallback import regrade_fallback
from tutor.store import Database, create_learner, get_attempt, models, upgrade_to_head

T0 = datetime(2025, 2, 3, 10, 0, tzinfo=UTC)
STAND_IN = {"score": 0.0, "verdict": "incorrect", "engine": "offline", "flags": ["llm_unavailable"]}
MODEL_SAYS = {"score": 1.0, "verdict": "correct", "engine": "gpt-test", "flags": []}


def grader(grade: Mapping[str, Any]) -> Any:
    async def grade_with(item: Item, answer: str) -> Mapping[str, Any]:
        return grade

    return grade_with


async def answers(
    database: Database, corpus: Corpus, learner_id: str, grades: list[Mapping[str, Any]]
) -> list[str]:
    ids = []
    for n, grade in enumerate(grades):
        outcome = await answer_item(
            database, corpus, learner_id, "b-1", f"answer {n}", grader(grade),
            now=T0 + timedelta(minutes=n),
        )  # fmt: skip
        ids.append(outcome.attempt.id)
    return ids


def mastery(database: Database, corpus: Corpus, learner_id: str) -> dict[str, float]:
    return {p.concept_id: p.p_known for p in mastery_report(database, corpus, learner_id)}


async def test_a_stand_in_grade_is_replaced_by_the_models_and_mastery_replayed(
    database: Database, graph_corpus: Corpus, tmp_path: Path
) -> None:
    down = create_learner(database, "Down").id
    first, second = await answers(database, graph_corpus, down, [STAND_IN, MODEL_SAYS])
    # the same answers in a database of their own, the stand-in overridden by a teacher
    with Database(f"sqlite:///{tmp_path / 'overridden.db'}") as other:
        upgrade_to_head(other)
        twin = create_learner(other, "Down").id
        (twin_first, _) = await answers(other, graph_corpus, twin, [STAND_IN, MODEL_SAYS])
        before = mastery(other, graph_corpus, twin)
        override_attempt(
            other, graph_corpus, twin_first, teacher_key_id=None, verdict="correct", score=1.0
        )
        overridden = mastery(other, graph_corpus, twin)
    assert overridden != before

    report = await regrade_fallback(database, graph_corpus, grader(MODEL_SAYS))

    assert (report.regraded, report.still_offline, report.failed) == ([first], [], {})
    attempt = get_attempt(database, first)
    assert attempt.grade is not None and attempt.grade["engine"] == "gpt-test"
    assert attempt.score == 1.0 and attempt.verdict == "correct"
    with database.session() as session:  # the history keeps the stand-in
        (kept,) = session.scalars(select(models.ReplacedGrade)).all()
        assert (kept.attempt_id, kept.engine, kept.score) == (first, "offline", 0.0)
        assert kept.grade["flags"] == ["llm_unavailable"]
    # replayed in submission order, as a teacher's override is
    assert mastery(database, graph_corpus, down) == overridden
    assert get_attempt(database, second).grade == MODEL_SAYS  # the later answer is untouched
    again = await regrade_fallback(database, graph_corpus, grader(MODEL_SAYS))
    assert again.regraded == []  # nothing left to re-grade


async def test_while_the_model_is_still_down_the_stand_in_stays(
    database: Database, graph_corpus: Corpus
) -> None:
    learner = create_learner(database, "Ada").id
    (attempt_id,) = await answers(database, graph_corpus, learner, [STAND_IN])
    before = mastery(database, graph_corpus, learner)

    report = await regrade_fallback(database, graph_corpus, grader(STAND_IN))

    assert (report.regraded, report.still_offline) == ([], [attempt_id])
    assert get_attempt(database, attempt_id).grade == STAND_IN
    assert mastery(database, graph_corpus, learner) == before
    with database.session() as session:
        assert session.scalars(select(models.ReplacedGrade)).all() == []


def test_the_cli_says_what_regrade_fallback_needs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TUTOR_DATA_DIR", str(tmp_path))
    runner = CliRunner()

    neither = runner.invoke(app, ["regrade"])
    no_model = runner.invoke(app, ["regrade", "--fallback"])

    assert neither.exit_code != 0 and "tutor regrade --fallback" in neither.output
    assert no_model.exit_code != 0 and "set TUTOR_MODEL" in no_model.output
    assert "Traceback" not in no_model.output
