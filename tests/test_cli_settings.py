"""A ``TUTOR_*`` setting that does not validate is one ``error:`` line, not a stack trace."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tutor.cli import app
from tutor.config import Settings

runner = CliRunner()


def test_a_bad_setting_is_one_error_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TUTOR_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TUTOR_GRADE_CACHE", "redis")
    result = runner.invoke(app, ["learner", "list"])
    assert result.exit_code == 1
    assert result.output.strip() == (
        "error: TUTOR_GRADE_CACHE='redis': Input should be 'database', 'memory' or 'off'"
    )


def test_the_old_cache_value_sqlite_means_the_database(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TUTOR_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TUTOR_LLM_CACHE", "sqlite")
    monkeypatch.setenv("TUTOR_GRADE_CACHE", "sqlite")
    result = runner.invoke(app, ["learner", "list"])
    assert result.exit_code == 0, result.output
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert (settings.llm_cache, settings.grade_cache) == ("database", "database")
