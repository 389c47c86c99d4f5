"""``tutor variants``: generate drafts, list the queue, publish and reject, report per lesson, in a
fresh data dir."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tutor.cli import app
from tutor.config import get_settings
from tutor.store import list_variants, open_database

runner = CliRunner()


def run_json(*args: str) -> Any:
    result = runner.invoke(app, ["variants", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_generate_list_publish_and_reject(data_dir: Path) -> None:
    generated = run_json("pb-01", "--n", "3")

    assert len(generated["accepted"]) == 3
    assert isinstance(generated["rejected"], dict)
    first, second, _ = generated["accepted"]
    assert first["status"] == "draft" and first["parent_item_id"] == "pb-01"
    assert first["provenance"]["prompt"] == "offline-templates@1"
    assert (data_dir / "tutor.db").is_file()

    drafts = run_json("list", "--status", "draft")
    assert [v["id"] for v in drafts] == [v["id"] for v in generated["accepted"]]

    published = run_json("publish", first["id"])
    assert published["status"] == "published"
    rejected = run_json("reject", second["id"])
    assert rejected["status"] == "rejected"
    assert [v["id"] for v in run_json("list", "--status", "published")] == [first["id"]]
    assert len(run_json("list", "--status", "draft")) == 1

    # a published variant is an item to grade against; a rejected one is not
    variant, refused = first["item"], second["item"]
    answer = variant["answer_key"] or variant["answer"]
    graded = runner.invoke(app, ["grade", "--item", variant["id"], "--answer", answer, "--json"])
    assert graded.exit_code == 0, graded.output
    assert json.loads(graded.stdout)["verdict"] == "correct"
    unknown = runner.invoke(app, ["grade", "--item", refused["id"], "--answer", answer])
    assert unknown.exit_code == 1 and f"no item {refused['id']!r}" in unknown.output


def test_the_table_and_the_counts_are_printed(data_dir: Path) -> None:
    result = runner.invoke(app, ["variants", "ctx-02", "--n", "2"])

    assert result.exit_code == 0, result.output
    assert "accepted variants of ctx-02" in result.stdout
    assert "2 stored as drafts; rejected:" in result.stderr


def test_unknown_ids_are_one_error_line(data_dir: Path) -> None:
    result = runner.invoke(app, ["variants", "no-such-item"])
    assert result.exit_code == 1
    assert "no item 'no-such-item'" in result.stderr

    result = runner.invoke(app, ["variants", "publish", "nope"])
    assert result.exit_code == 1
    assert "no variant 'nope'" in result.stderr


def test_an_empty_index_says_how_to_fix_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUTOR_DATA_DIR", str(tmp_path / "empty"))
    get_settings.cache_clear()

    result = runner.invoke(app, ["variants", "pb-01"])

    assert result.exit_code == 1
    assert "run `tutor index` first" in result.stderr


@pytest.mark.slow  # `make test-slow`: ~15-40 s on 2 cores
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
