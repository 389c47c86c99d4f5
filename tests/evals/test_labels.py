"""``tutor eval agreement``: existing labels, with missing values, grouped, against a truth."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import SHARED_DIR
from tutor.cli import app
from tutor.evals.labels import label_agreement

KHAN = SHARED_DIR / "data" / "khan-saq"
needs_khan = pytest.mark.skipif(not KHAN.is_dir(), reason="../shared/data/khan-saq is absent")
runner = CliRunner()


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_missing_labels_are_left_out_where_a_figure_needs_complete_rows(tmp_path: Path) -> None:
    path = write(tmp_path / "l.csv", "id,a,b,c,truth\n1,1,1,1,1\n2,0,0,NA,0\n3,0,1,1,1\n4,,0,0,0\n")
    figures = label_agreement(path, ["a", "b", "c"], truth="truth")["overall"]
    assert figures["items"] == 4 and figures["complete_items"] == 2
    assert figures["all_agree_rate"] == 0.5  # rows 1 and 3
    assert figures["missing_labels"] == {"a": 1, "b": 0, "c": 1}
    assert figures["vs_truth"]["majority"]["accuracy"] == 1.0
    assert figures["vs_truth"]["a"]["n"] == 3


def test_a_missing_column_is_named(tmp_path: Path) -> None:
    path = write(tmp_path / "l.csv", "id,a,b\n1,1,1\n")
    result = runner.invoke(app, ["eval", "agreement", str(path), "--raters", "a,x"])
    assert result.exit_code == 1
    assert "no column 'x'" in result.stderr


@needs_khan
def test_khan_human_raters_agree_at_fleiss_kappa_088() -> None:
    result = runner.invoke(
        app,
        ["eval", "agreement", str(KHAN / "human_labels.csv"), "--raters",
         "human_1,human_2,human_3", "--truth", "human_avg", "--majority", "human_avg", "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    overall = json.loads(result.stdout)["overall"]
    assert overall["fleiss_kappa"] == pytest.approx(0.8815, abs=1e-4)
    assert overall["krippendorff_alpha"] == pytest.approx(0.8815, abs=1e-3)
    assert overall["all_agree_rate"] == pytest.approx(729 / 800, abs=1e-4)
    # the data dictionary says human_avg is the majority vote: it is, on every row
    assert overall["majority_column"]["matches_on_all_rows"] == 800


@needs_khan
def test_khan_llm_all_runs_agree_rates() -> None:
    humans = KHAN / "human_labels.csv"
    common = ["--raters", "llm_1,llm_2,llm_3", "--majority", "llm_avg", "--truth", "human_avg",
              "--truth-file", str(humans), "--key", "response_id"]  # fmt: skip
    original = label_agreement(
        KHAN / "llm_labels.csv", ["llm_1", "llm_2", "llm_3"], truth="human_avg",
        truth_file=humans, key="response_id", group_by=["model_name", "rubric_type"],
        majority="llm_avg",
    )  # fmt: skip
    overall = original["overall"]
    assert overall["items"] == 26_400 and overall["complete_items"] == 26_391  # 9 rows hold NA
    assert overall["all_agree_rate"] == pytest.approx(0.9201, abs=1e-4)
    # llm_avg is the majority on every complete row; the 7 rows with no label at all hold 0
    assert overall["majority_column"]["matches_on_complete_rows"] == 26_391
    assert overall["majority_column"]["matches_on_all_rows"] == 26_393
    assert len(original["groups"]) == 33  # 11 models x 3 rubrics
    result = runner.invoke(
        app, ["eval", "agreement", str(KHAN / "llm_labels_new_models.csv"), *common, "--json"]
    )
    assert result.exit_code == 0, result.output
    new = json.loads(result.stdout)["overall"]
    assert new["complete_items"] == 9_594
    assert new["all_agree_rate"] == pytest.approx(0.9679, abs=1e-4)
