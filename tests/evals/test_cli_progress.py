"""``tutor eval grading``'s progress bar: on a terminal's stderr only, never in what a program
reads (stdout's JSON document, the run folder's files)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.evals.conftest import ScriptedGrader
from tutor.cli import app
from tutor.cli.output import err_console

Install = Callable[[ScriptedGrader], None]


def test_the_bar_is_drawn_on_a_terminal_and_json_stays_clean(
    dataset: Path, tmp_path: Path, use_grader: Install, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_grader(ScriptedGrader())
    monkeypatch.setattr(err_console, "_force_terminal", True)  # stderr is a terminal
    monkeypatch.setattr(err_console, "is_interactive", True)
    runner = CliRunner()
    args = ["eval", "grading", str(dataset), "--checks", "none"]
    drawn = runner.invoke(app, [*args, "--report", str(tmp_path / "a")])
    assert drawn.exit_code == 0, drawn.output
    assert "grading tiny.yaml" in drawn.stderr  # the bar's line
    assert "Cohen's kappa" in drawn.stdout and "grading tiny.yaml" not in drawn.stdout
    quiet = runner.invoke(app, [*args, "--report", str(tmp_path / "b"), "--json"])
    assert quiet.exit_code == 0, quiet.output
    assert quiet.stderr == ""
    assert json.loads(quiet.stdout)["agreement"]["n"] == 13
    lines = (tmp_path / "b" / "results.jsonl").read_text(encoding="utf-8").splitlines()
    assert all(json.loads(line)["grade"] for line in lines)
