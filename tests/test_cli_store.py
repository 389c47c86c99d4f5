"""``tutor migrate``, and text the store cannot keep as one ``error:`` line (real SQLite)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tutor.cli import app
from tutor.config import Settings
from tutor.store import head_revision, list_api_keys, list_learners, open_database

runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TUTOR_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def test_migrate_brings_the_store_to_head_once(data_dir: Path) -> None:
    first = runner.invoke(app, ["migrate", "--json"])
    assert first.exit_code == 0, first.output
    head = head_revision()
    assert json.loads(first.stdout) == {"from": None, "to": head, "head": head}
    again = runner.invoke(app, ["migrate"])
    assert again.exit_code == 0 and f"already at revision {head}" in again.output


@pytest.mark.parametrize(
    ("option", "text", "reason"),
    [
        ("--name", "Ada\x00", "name contains a NUL character (\\u0000), which cannot be stored"),
        ("--label", "tablet \udcff", "label contains an unpaired surrogate"),
    ],
)
def test_unstorable_text_is_one_error_line_and_stores_nothing(
    data_dir: Path, option: str, text: str, reason: str
) -> None:
    result = runner.invoke(app, ["keys", "create", "--role", "learner", option, text])
    assert result.exit_code == 1
    assert f"error: {reason}" in result.output and "Traceback" not in result.output
    with open_database(Settings(data_dir=data_dir, _env_file=None)) as database:  # type: ignore[call-arg]
        assert list_api_keys(database) == [] and list_learners(database) == []
