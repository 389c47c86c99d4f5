"""The command line end to end: index, search and JSON output, errors as one line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import CORPUS_DIR
from tutor.cli import app

runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TUTOR_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def invoke_json(*args: str) -> object:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_index_then_search_with_json(data_dir: Path, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS_DIR, corpus)
    first = invoke_json("index", str(corpus))
    assert isinstance(first, dict) and first["added"] == first["total"] > 0
    assert (data_dir / "chroma").is_dir()

    again = invoke_json("index", str(corpus))
    assert isinstance(again, dict) and again["added"] == again["updated"] == 0

    hits = invoke_json("search", "why would I fine-tune a model instead of prompting?", "-k", "3")
    assert isinstance(hits, list) and len(hits) == 3
    assert hits[0]["lesson_id"] == "fine-tuning-vs-prompting"

    only = invoke_json("search", "tokens", "--lesson", "context-windows-and-tokens")
    assert isinstance(only, list) and {h["lesson_id"] for h in only} == {"context-windows-and-tokens"}

    first_lesson = sorted(corpus.glob("*.yaml"))[0]
    first_lesson.unlink()
    removed = invoke_json("index", str(corpus))
    assert isinstance(removed, dict) and removed["removed"] > 0 and removed["added"] == 0


def test_rebuild_reembeds_everything(data_dir: Path) -> None:
    invoke_json("index")
    rebuilt = invoke_json("index", "--rebuild")
    assert isinstance(rebuilt, dict) and rebuilt["added"] == rebuilt["total"]


def test_errors_are_one_line_not_a_traceback(data_dir: Path, tmp_path: Path) -> None:
    empty = runner.invoke(app, ["search", "   "])
    assert empty.exit_code == 1
    assert "error: the search query is empty" in empty.output
    assert "Traceback" not in empty.output

    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "x.yaml").write_text("id: [unclosed\n")
    failed = runner.invoke(app, ["index", str(bad)])
    assert failed.exit_code == 1
    assert "x.yaml:" in failed.output and "not valid YAML" in failed.output


def test_bad_chroma_url_is_a_configuration_error(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TUTOR_CHROMA_URL", "chroma:8000")
    result = runner.invoke(app, ["search", "tokens"])
    assert result.exit_code == 1
    assert "is not an http(s) URL" in result.output
