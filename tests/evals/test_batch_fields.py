"""``tutor eval grading`` reads the files ``tutor grade --batch`` reads, and ``--map`` renames
the fields of JSONL rows and YAML cases as it renames CSV columns."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from tests.evals.conftest import ScriptedGrader
from tutor.cli import app
from tutor.errors import BadRequestError
from tutor.evals.datasets import load_dataset, parse_map
from tutor.grading.batch.rows import read_answers

runner = CliRunner()
Install = Callable[[ScriptedGrader], None]

ASAG_ROWS = [
    {
        "id": "b1",
        "question_id": "q1",
        "question": "Why does the bulb light?",
        "reference_answer": "The alpha circuit is closed.",
        "reference_answers_all": [
            {"id": "r1", "category": "BEST", "text": "The alpha circuit is closed."},
            {"id": "r2", "category": "GOOD", "text": "There is a closed alpha path."},
        ],
        "student_answer": "Because the alpha circuit is closed.",
        "label": "correct",
        "label_scheme": "2way",
    },
    {
        "id": "b2",
        "question_id": "q1",
        "question": "Why does the bulb light?",
        "reference_answer": "The alpha circuit is closed.",
        "student_answer": "The battery is new.",
        "label": "incorrect",
        "label_scheme": "2way",
    },
]


def write_jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_a_grade_batch_file_is_an_eval_dataset_without_a_map(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "asag.jsonl", ASAG_ROWS)
    assert [r.id for r in read_answers(path)] == ["b1", "b2"]  # what grade --batch reads
    first, second = load_dataset(path)
    assert first.answer == "Because the alpha circuit is closed."
    assert first.references == ["The alpha circuit is closed.", "There is a closed alpha path."]
    assert second.references == ["The alpha circuit is closed."]
    assert (first.question_id, first.label, second.label) == ("q1", "correct", "incorrect")


def test_eval_grading_grades_a_grade_batch_file(tmp_path: Path, use_grader: Install) -> None:
    use_grader(ScriptedGrader())
    path = write_jsonl(tmp_path / "asag.jsonl", ASAG_ROWS)
    result = runner.invoke(app, ["eval", "grading", str(path), "--report", str(tmp_path / "run"),
                                 "--checks", "none", "--json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert figures["agreement"]["n"] == 2 and figures["agreement"]["accuracy"] == 1.0


def test_the_names_a_row_gives_win_over_the_batch_names(tmp_path: Path) -> None:
    row = {**ASAG_ROWS[1], "answer": "It is alpha.", "reference": "Closed alpha circuit."}
    (case,) = load_dataset(write_jsonl(tmp_path / "both.jsonl", [row]))
    assert (case.answer, case.references) == ("It is alpha.", ["Closed alpha circuit."])


SHEET_ROWS = [
    {"n": "s1", "Prompt": "Why?", "Key": "Because alpha.", "Alt": "Since alpha.",
     "Response": "It is alpha.", "Mark": 1},
    {"n": "s2", "Prompt": "Why?", "Key": "Because alpha.", "Alt": "",
     "Response": "No idea.", "Mark": 0},
]  # fmt: skip
MAP = "id=n,question=Prompt,reference=Key+Alt,answer=Response,label=Mark"


def check_mapped(cases: list) -> None:  # type: ignore[type-arg]
    assert [c.id for c in cases] == ["s1", "s2"]
    assert cases[0].references == ["Because alpha.", "Since alpha."]
    assert cases[1].references == ["Because alpha."]
    assert [c.answer for c in cases] == ["It is alpha.", "No idea."]
    assert [c.label for c in cases] == [1, 0]


def test_map_renames_jsonl_fields(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "sheet.jsonl", SHEET_ROWS)  # type: ignore[arg-type]
    check_mapped(load_dataset(path, mapping=parse_map(MAP)))


@pytest.mark.parametrize("shape", ["cases", "list"])
def test_map_renames_yaml_fields(tmp_path: Path, shape: str) -> None:
    path = tmp_path / "sheet.yaml"
    data: object = {"cases": SHEET_ROWS} if shape == "cases" else SHEET_ROWS
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    check_mapped(load_dataset(path, mapping=parse_map(MAP)))


def test_map_renames_yaml_groups(tmp_path: Path) -> None:
    path = tmp_path / "groups.yaml"
    group = {"id": "g1", "Prompt": "Why?", "Key": "Because alpha.", "Mark": "correct",
             "answers": ["It is alpha.", "Alpha, that is why."]}  # fmt: skip
    path.write_text(yaml.safe_dump({"groups": [group]}), encoding="utf-8")
    mapping = parse_map("question=Prompt,reference=Key,answer=Response,label=Mark")
    cases = load_dataset(path, mapping=mapping)
    assert [(c.id, c.group, c.answer) for c in cases] == [
        ("g1-1", "g1", "It is alpha."),
        ("g1-2", "g1", "Alpha, that is why."),
    ]


def test_a_yaml_dataset_of_the_wrong_shape_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("just a sentence\n", encoding="utf-8")
    with pytest.raises(BadRequestError, match="a YAML dataset is a list of cases"):
        load_dataset(path)
