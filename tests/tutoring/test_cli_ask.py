"""``tutor ask`` end to end: numbered citations, JSON, and a session continued from the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tutor.cli import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def environment(indexed_data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUTOR_DATA_DIR", str(indexed_data_dir))
    monkeypatch.setenv("TUTOR_DATABASE_URL", f"sqlite:///{tmp_path / 'tutor.db'}")


def ask_json(*args: str) -> dict[str, Any]:
    result = runner.invoke(app, ["ask", *args, "--json"])
    assert result.exit_code == 0, result.output
    body: dict[str, Any] = json.loads(result.stdout)
    return body


def test_ask_prints_the_explanation_with_numbered_citations() -> None:
    result = runner.invoke(app, ["ask", "What is a context window?"])

    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("Offline answer")
    assert "[1]" in out and "[context-windows-and-tokens/" not in out.split("\n\n[1] ")[0]
    assert "[1] Context windows and tokens - " in out
    assert "(context-windows-and-tokens/" in out


def test_ask_json_is_the_explain_reply() -> None:
    body = ask_json("What does temperature do?")
    assert body["covered"] and body["engine"] == "offline" and body["prompt"]
    assert body["citations"][0]["lesson_id"] == "sampling-and-temperature"


def test_a_session_started_and_continued_from_the_cli_remembers_the_topic() -> None:
    first = ask_json("How do I get JSON output from a model reliably?", "--session", "new")
    session = first["session"]["id"]
    assert {c["lesson_id"] for c in first["reply"]["citations"]} == {"structured-output"}

    why = ask_json("why?", "--session", session)

    assert why["session"]["id"] == session and why["covered"]
    assert why["reply"]["prompt"] == "offline_follow_up@1"
    assert {c["lesson_id"] for c in why["reply"]["citations"]} == {"structured-output"}
    human = runner.invoke(app, ["ask", "what do you mean by schema?", "--session", session])
    assert human.exit_code == 0 and f"--session {session}" in human.output


def test_an_unknown_session_is_one_error_line() -> None:
    result = runner.invoke(app, ["ask", "why?", "--session", "nope"])
    assert result.exit_code == 1
    assert "error: no chat session 'nope'" in result.output and "Traceback" not in result.output
