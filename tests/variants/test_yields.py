"""``tutor variants report``: per lesson, how many offline template variants pass validation and
how far they move from their parent, without storing any."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tutor.cli import app
from tutor.config import get_settings
from tutor.store import list_variants, open_database

runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path: Path, indexed_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    target = tmp_path / "data"
    shutil.copytree(indexed_data_dir / "chroma", target / "chroma")
    monkeypatch.setenv("TUTOR_DATA_DIR", str(target))
    get_settings.cache_clear()
    return target


def test_the_report_counts_each_lessons_variants_and_stores_none(data_dir: Path) -> None:
    result = runner.invoke(app, ["variants", "report", "--lesson", "prompt-basics", "--json"])

    assert result.exit_code == 0, result.output
    (lesson,) = json.loads(result.stdout)
    assert lesson["lesson"] == "prompt-basics" and lesson["items"] == 8
    assert 0 < lesson["accepted"] <= lesson["candidates"]
    assert lesson["accepted"] + sum(lesson["rejected"].values()) == lesson["candidates"]
    kinds = lesson["by_kind"].values()
    assert sum(k["tried"] for k in kinds) == lesson["candidates"]
    assert sum(k["accepted"] for k in kinds) == lesson["accepted"]
    similarity = lesson["similarity_to_parent"]
    assert 0 < similarity["min"] <= similarity["median"] <= similarity["max"] < 0.985
    assert 0 < lesson["new_words_median"] < 1
    with open_database(get_settings()) as database:
        assert list_variants(database) == []


def test_an_unknown_lesson_is_one_error_line(data_dir: Path) -> None:
    result = runner.invoke(app, ["variants", "report", "--lesson", "nope"])
    assert result.exit_code == 1
    assert "error: no lesson 'nope'" in result.output and "Traceback" not in result.output
