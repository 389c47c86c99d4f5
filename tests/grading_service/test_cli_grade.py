"""``tutor grade`` and ``tutor regrade``: the same service, from the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from tests.conftest import SHARED_DIR
from tutor.cli import app
from tutor.grading.batch import ExampleRow, label_score, load_examples
from tutor.grading.offline import OfflineGrader
from tutor.store import (
    AttemptStatus,
    Database,
    create_learner,
    get_attempt,
    submit_attempt,
    upgrade_to_head,
)
from tutor.store.models import GradeCacheEntry

runner = CliRunner()
ASAG = SHARED_DIR / "data" / "asag"
TEST_SET = ASAG / "scientsbank-test-unseen-answers.jsonl"


@pytest.fixture
def data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, offline: OfflineGrader) -> Path:
    monkeypatch.setenv("TUTOR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TUTOR_DATABASE_URL", f"sqlite:///{tmp_path / 'tutor.db'}")
    return tmp_path / "data"


def run(*args: str) -> Any:
    return runner.invoke(app, list(args))


def test_grade_an_item_and_an_ad_hoc_question(data_dir: Path) -> None:
    item = run("grade", "--item", "pi-02", "--answer", "Nothing hard-wired separates them.")
    assert item.exit_code == 0, item.output
    assert "score" in item.output and "offline-grader@" in item.output
    adhoc = run(
        "grade", "--question", "How did you separate the salt from the water?",
        "--reference", "The water was evaporated, leaving the salt.",
        "--answer", "The water was evaporated, and the salt was left.", "--json",
    )  # fmt: skip
    assert adhoc.exit_code == 0, adhoc.output
    grade = json.loads(adhoc.stdout)
    assert grade["verdict"] == "correct" and grade["engine"] == "offline"
    assert set(grade) >= {"score", "feedback", "mistakes", "confidence", "flags", "prompt"}
    with Database(f"sqlite:///{data_dir.parent / 'tutor.db'}") as database:  # graded once, cached
        assert (
            database.transaction(lambda s: s.scalar(select(func.count(GradeCacheEntry.key)))) == 2
        )


def test_usage_errors_are_one_line(data_dir: Path) -> None:
    for args, message in [
        (("grade", "--answer", "x"), "give --item ID --answer TEXT"),
        (("grade", "--item", "nope", "--answer", "x"), "no item 'nope'"),
        (("grade", "--item", "pi-02", "--answer", "x" * 5001), "the answer is 5,001 characters"),
        (("grade", "--batch", "in.jsonl"), "--batch and --out go together"),
        # a blank key graded every answer incorrect with confidence 0.93
        (
            ("grade", "--question", "Q?", "--reference", "  ", "--answer", "4"),
            "--reference cannot be blank",
        ),
        (
            ("grade", "--question", " ", "--reference", "4", "--answer", "4"),
            "--question cannot be blank",
        ),
        (("regrade",), "say which attempts: tutor regrade --pending"),
    ]:
        result = run(*args)
        assert result.exit_code == 1 and f"error: {message}" in result.output, result.output
        assert len(result.output.strip().splitlines()) <= 2


def _rows(n: int) -> list[str]:
    if not TEST_SET.is_file():
        pytest.skip(f"{TEST_SET} is absent (the public short-answer sets live in ../shared)")
    return TEST_SET.read_text(encoding="utf-8").splitlines()[:n]


def _ids(path: Path) -> list[str]:
    return [json.loads(line)["id"] for line in path.read_text(encoding="utf-8").splitlines()]


def test_batch_grades_every_row_once_and_resumes(data_dir: Path, tmp_path: Path) -> None:
    rows = _rows(12)
    source, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_text("\n".join(rows) + "\n", encoding="utf-8")
    first = run("grade", "--batch", str(source), "--out", str(out), "--json")
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["graded"] == 12
    written = out.read_text(encoding="utf-8")
    row = json.loads(written.splitlines()[0])
    assert {"id", "verdict", "score", "flags", "engine", "prompt"} <= set(row)
    out.write_text(written[: len(written) // 2], encoding="utf-8")  # interrupted mid-line
    kept = len(out.read_text(encoding="utf-8").splitlines()) - 1
    again = run("grade", "--batch", str(source), "--out", str(out), "--json")
    assert again.exit_code == 0, again.output
    report = json.loads(again.stdout)
    assert report["skipped"] == kept and report["graded"] == 12 - kept
    assert sorted(_ids(out)) == sorted(json.loads(r)["id"] for r in rows)


def test_a_bad_line_is_named_and_written_rows_stay(data_dir: Path, tmp_path: Path) -> None:
    rows = _rows(3)
    source, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert run("grade", "--batch", str(source), "--out", str(out)).exit_code == 0
    before = out.read_text(encoding="utf-8")
    bad = [*rows, '{"id": "x1", "question": "Q?", "student_answer": "A"}', "{not json"]
    source.write_text("\n".join(bad) + "\n", encoding="utf-8")
    result = run("grade", "--batch", str(source), "--out", str(out))
    assert result.exit_code == 1
    assert f"{source}:4: reference_answer: Field required" in result.output.replace("\n", "")
    assert out.read_text(encoding="utf-8") == before
    blank = '{"id": "x1", "question": "Q?", "reference_answer": " ", "student_answer": "A"}'
    source.write_text("\n".join([*rows, blank]) + "\n", encoding="utf-8")
    result = run("grade", "--batch", str(source), "--out", str(out))
    assert result.exit_code == 1
    assert f"{source}:4: reference_answer: is blank" in result.output.replace("\n", "")
    assert out.read_text(encoding="utf-8") == before


def test_graded_examples_join_rows_of_the_same_question(data_dir: Path, tmp_path: Path) -> None:
    rows = [json.loads(r) for r in _rows(4)]
    graded = [{**r, "label": "correct", "label_scheme": "2way"} for r in rows[:2]]
    graded.append({**rows[0], "id": "other", "label": 4, "label_scheme": None})
    examples = tmp_path / "graded.jsonl"
    examples.write_text("\n".join(json.dumps(g) for g in graded) + "\n", encoding="utf-8")
    source, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    args = ["grade", "--batch", str(source), "--out", str(out), "--examples", str(examples)]
    missing_scale = run(*args)
    assert missing_scale.exit_code == 1 and f"{examples}:3: label 4" in missing_scale.output
    ok = run(*args, "--label-max", "5", "--json")
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["examples"] == 3
    bank = load_examples([examples], 5.0)
    row_one = ExampleRow.model_validate({**rows[0], "label": 1})
    scores = sorted(e.score for e in bank(row_one))
    assert scores == [0.8, 1.0]  # its own id left out; 4 of 5 and "correct"


def test_labels_read_on_their_scale() -> None:
    def row(label: object, scheme: str | None) -> ExampleRow:
        return ExampleRow.model_validate({
            "id": "1", "question": "Q", "reference_answer": "R", "student_answer": "A",
            "label": label, "label_scheme": scheme,
        })  # fmt: skip

    assert label_score(row("correct", "2way")) == 1.0
    assert label_score(row("partially correct", None)) == 0.5
    assert label_score(row(3.5, "score_0_5_mean_of_two_graders")) == 0.7
    assert label_score(row("7", None), label_max=10) == 0.7
    with pytest.raises(ValueError, match=r"outside 0\.\.5"):
        label_score(row(6, "score_0_5_mean_of_two_graders"))
    with pytest.raises(ValueError, match="neither a number"):
        label_score(row("great", "2way"))


def test_regrade_finishes_pending_attempts(data_dir: Path, tmp_path: Path) -> None:
    with Database(f"sqlite:///{tmp_path / 'tutor.db'}") as database:
        upgrade_to_head(database)
        learner = create_learner(database, "Ada")
        pending = submit_attempt(database, learner.id, "pi-02", "One token stream, no boundary.")
    result = run("regrade", "--pending", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"graded": [pending.id], "failed": {}}
    with Database(f"sqlite:///{tmp_path / 'tutor.db'}") as database:
        attempt = get_attempt(database, pending.id)
    assert attempt.status is AttemptStatus.GRADED and attempt.engine == "offline"
    assert attempt.grade is not None and "feedback" in attempt.grade
