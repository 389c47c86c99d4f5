"""``tutor ask`` end to end: numbered citations, JSON, and a session continued from the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tutor.cli import app
from tutor.config import get_settings
from tutor.store import (
    create_chat_session,
    local_learner,
    open_database,
    record_grade,
    submit_attempt,
)

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


def practised(answer: str = "Higher temperature makes the model smarter.") -> None:
    """The local learner has just answered samp-02 (as on the practice page), graded wrong."""
    with open_database(get_settings()) as database:
        learner = local_learner(database)
        attempt = submit_attempt(database, learner, "samp-02", answer)
        record_grade(database, attempt.id, {"score": 0.0, "verdict": "incorrect"})


def test_an_item_session_opened_from_the_cli_follows_up_on_the_learners_attempt() -> None:
    practised()

    first = ask_json("why was I wrong?", "--session", "new", "--item", "samp-02")

    assert first["session"]["item"] == "samp-02"
    assert first["session"]["lesson"] == "sampling-and-temperature"
    assert "About your attempt at samp-02" in first["reply"]["content"]
    why = ask_json("why?", "--session", first["session"]["id"])
    assert "About your attempt at samp-02" in why["reply"]["content"]


def test_a_practice_session_opened_elsewhere_is_continued_from_the_cli() -> None:
    practised()
    with open_database(get_settings()) as database:  # as POST /v1/sessions {"item"} stores it
        session = create_chat_session(
            database, learner_id=local_learner(database), lesson_id=None, item_id="samp-02"
        )

    result = runner.invoke(app, ["ask", "why?", "--session", session.id])

    assert result.exit_code == 0, result.output
    assert "About your attempt at samp-02" in result.stdout
    assert f"session {session.id} (practice item samp-02)" in result.output


def test_a_plain_cli_session_sees_the_attempt_only_when_the_learner_names_it() -> None:
    practised()
    session = ask_json("What is a context window?", "--session", "new")["session"]["id"]

    why = ask_json("why?", "--session", session)
    named = ask_json("Why was my answer to samp-02 wrong?", "--session", session)

    assert "About your attempt" not in why["reply"]["content"]
    assert "About your attempt at samp-02" in named["reply"]["content"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--item", "samp-02"], "error: --item and --learner are for a session"),
        (["--session", "new", "--item", "nope-01"], "error: no item 'nope-01'"),
        (["--session", "new", "--learner", "nobody"], "error: no learner 'nobody'"),
        (
            ["--session", "new", "--item", "samp-02", "--lesson", "prompt-basics"],
            "error: item 'samp-02' is in lesson 'sampling-and-temperature'",
        ),
    ],
)
def test_a_wrong_item_or_learner_is_one_error_line(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["ask", "why?", *args])
    assert result.exit_code != 0
    assert message in result.output and "Traceback" not in result.output


def test_item_of_an_existing_session_must_match() -> None:
    session = ask_json("What is a context window?", "--session", "new")["session"]["id"]
    result = runner.invoke(app, ["ask", "why?", "--session", session, "--item", "samp-02"])
    assert result.exit_code == 1
    assert f"error: session {session} is not item 'samp-02'" in result.output
