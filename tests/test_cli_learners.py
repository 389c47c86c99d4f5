"""``tutor keys`` and ``tutor fit`` against a real SQLite store."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tutor.cli import app
from tutor.config import Settings
from tutor.store import Role, find_api_key, is_local_mode, list_api_keys, open_database

runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TUTOR_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def test_learner_key_is_printed_once_and_stored_hashed(data_dir: Path) -> None:
    result = runner.invoke(app, ["keys", "create", "--role", "learner", "--json"])
    assert result.exit_code == 0, result.output
    issued = json.loads(result.stdout)
    assert issued["role"] == "learner" and issued["learner_id"]
    assert issued["key"].startswith("tutor_")

    database = open_database(Settings(data_dir=data_dir, _env_file=None))  # type: ignore[call-arg]
    try:
        record = find_api_key(database, issued["key"])
        assert record is not None and record.role is Role.LEARNER
        assert record.learner_id == issued["learner_id"]
    finally:
        database.dispose()
    assert issued["key"].encode() not in (data_dir / "tutor.db").read_bytes()

    teacher = runner.invoke(app, ["keys", "create", "--role", "teacher", "--json"])
    assert json.loads(teacher.stdout)["learner_id"] is None

    revoked = runner.invoke(app, ["keys", "revoke", issued["id"]])
    assert revoked.exit_code == 0 and "revoked learner key" in revoked.output
    database = open_database(Settings(data_dir=data_dir, _env_file=None))  # type: ignore[call-arg]
    try:
        assert find_api_key(database, issued["key"]) is None
    finally:
        database.dispose()


def test_key_errors_are_one_line(data_dir: Path) -> None:
    unknown = runner.invoke(app, ["keys", "create", "--role", "teacher", "--learner", "nobody"])
    assert unknown.exit_code == 1 and "error: no learner 'nobody'" in unknown.output
    bad_id = runner.invoke(app, ["keys", "create", "--role", "learner", "--learner", "a b"])
    assert bad_id.exit_code == 1 and "error: learner id 'a b' cannot be created" in bad_id.output
    bad_role = runner.invoke(app, ["keys", "create", "--role", "wizard"])
    assert bad_role.exit_code == 2 and "wizard" in bad_role.output


def test_fit_with_no_attempts_keeps_defaults(data_dir: Path) -> None:
    result = runner.invoke(app, ["fit", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {}


def test_serve_refuses_a_network_address_while_no_key_exists(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In-process, serve never replaces the process (it did: the malloc-arena re-exec turned
    the test run itself into a new pytest run)."""

    def replaced(*args: object) -> None:
        raise AssertionError("tutor serve replaced the calling process")

    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    monkeypatch.setattr(os, "execve", replaced)
    refused = runner.invoke(app, ["serve", "--host", "0.0.0.0", "--port", "1"])
    assert refused.exit_code == 1
    assert "refusing to serve on 0.0.0.0 without API keys" in refused.output
    assert "tutor keys create --role admin" in refused.output
    assert "Traceback" not in refused.output


def test_learner_views_show_mastery_and_the_next_item_with_its_reason(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.conftest import CORPUS_DIR

    monkeypatch.setenv("TUTOR_CORPUS_DIR", str(CORPUS_DIR))
    issued = json.loads(
        runner.invoke(
            app, ["keys", "create", "--role", "learner", "--name", "Ann", "--json"]
        ).stdout
    )
    learner = issued["learner_id"]

    chosen = runner.invoke(app, ["learner", "next", learner, "--json"])
    assert chosen.exit_code == 0, chosen.output
    nxt = json.loads(chosen.stdout)
    assert nxt["mode"] == "learn" and "prerequisites" in nxt["reason"] and nxt["stem"]
    mastery = json.loads(runner.invoke(app, ["learner", "mastery", learner, "--json"]).stdout)
    assert nxt["concept_id"] in {row["concept_id"] for row in mastery}
    assert not any(row["mastered"] for row in mastery)
    listed = json.loads(runner.invoke(app, ["learner", "list", "--json"]).stdout)
    assert [row["name"] for row in listed] == ["Ann"]
    keys = json.loads(runner.invoke(app, ["keys", "list", "--json"]).stdout)
    assert [(k["role"], k["learner_id"]) for k in keys] == [("learner", learner)]
    assert issued["key"] not in runner.invoke(app, ["keys", "list"]).output

    unknown = runner.invoke(app, ["learner", "mastery", "nobody"])
    assert unknown.exit_code == 1 and "no learner 'nobody'" in unknown.output


def test_the_last_admin_key_is_kept_and_reset_local_reopens_local_mode(data_dir: Path) -> None:
    admin = json.loads(runner.invoke(app, ["keys", "create", "--role", "admin", "--json"]).stdout)
    runner.invoke(app, ["keys", "create", "--role", "learner"])
    refused = runner.invoke(app, ["keys", "revoke", admin["id"]])
    assert refused.exit_code == 1 and "error:" in refused.output
    assert "last admin key" in refused.output and "tutor keys reset-local" in refused.output

    unconfirmed = runner.invoke(app, ["keys", "reset-local"], input="n\n")
    assert unconfirmed.exit_code != 0
    database = open_database(Settings(data_dir=data_dir, _env_file=None))  # type: ignore[call-arg]
    try:
        assert not is_local_mode(database)
        reset = runner.invoke(app, ["keys", "reset-local", "--yes", "--json"])
        assert reset.exit_code == 0, reset.output
        assert json.loads(reset.stdout)["revoked"] == 2
        assert is_local_mode(database)
        assert all(k.revoked for k in list_api_keys(database))
    finally:
        database.dispose()


def test_keys_revoke_prints_json(data_dir: Path) -> None:
    created = runner.invoke(app, ["keys", "create", "--role", "teacher", "--json"])
    issued = json.loads(created.stdout)
    result = runner.invoke(app, ["keys", "revoke", issued["id"], "--json"])
    assert result.exit_code == 0, result.output
    revoked = json.loads(result.stdout)
    assert revoked["id"] == issued["id"] and revoked["role"] == "teacher"
    assert revoked["revoked"] is True


def test_a_learner_key_creates_a_schools_own_learner_id(data_dir: Path) -> None:
    def create(*args: str) -> dict[str, str]:
        result = runner.invoke(app, ["keys", "create", "--role", "learner", *args, "--json"])
        assert result.exit_code == 0, result.output
        issued: dict[str, str] = json.loads(result.stdout)
        return issued

    assert create("--learner", "s-1042", "--name", "Ann")["learner_id"] == "s-1042"
    assert create("--learner", "s-1042")["learner_id"] == "s-1042"  # a second key, same learner
    listed = json.loads(runner.invoke(app, ["learner", "list", "--json"]).stdout)
    assert [(r["id"], r["name"]) for r in listed] == [("s-1042", "Ann")]
    renamed = runner.invoke(app, ["keys", "create", "--role", "learner", "--learner", "s-1042",
                                  "--name", "Bob"])  # fmt: skip
    assert renamed.exit_code == 1 and "already exists" in renamed.output
    local = create("--learner", "local")["learner_id"]  # the single-user learner, as elsewhere
    listed = json.loads(runner.invoke(app, ["learner", "list", "--json"]).stdout)
    assert (local, "local learner") in [(r["id"], r["name"]) for r in listed]


def test_learner_quiz_shows_the_summary_and_says_when_the_lesson_is_too_small(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Issue 14: a lesson with fewer items than quiz questions repeats some; the summary says so.
    from tests.conftest import CORPUS_DIR
    from tutor.corpus import load_corpus
    from tutor.learners import start_quiz

    monkeypatch.setenv("TUTOR_CORPUS_DIR", str(CORPUS_DIR))
    created = runner.invoke(app, ["keys", "create", "--role", "learner", "--json"])
    learner = json.loads(created.stdout)["learner_id"]
    database = open_database(Settings(data_dir=data_dir, _env_file=None))  # type: ignore[call-arg]
    try:
        quiz = start_quiz(database, load_corpus(CORPUS_DIR), learner, "few-shot-prompting")
    finally:
        database.dispose()

    shown = runner.invoke(app, ["learner", "quiz", quiz.id, "--json"])
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.stdout)
    assert data["status"] == "active" and data["current"] == quiz.questions[0].item_id
    assert data["summary"]["lesson_items"] == 8
    assert "only 8 practice items for 10 questions" in data["summary"]["note"]
    plain = runner.invoke(app, ["learner", "quiz", quiz.id], env={"COLUMNS": "200"})
    assert plain.exit_code == 0 and "only 8 practice items for 10 questions" in plain.output
    missing = runner.invoke(app, ["learner", "quiz", "nope"])
    assert missing.exit_code == 1 and "no quiz 'nope'" in missing.output
