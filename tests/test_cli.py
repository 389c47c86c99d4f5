"""The command line end to end: index, search and JSON output, errors as one line."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import CORPUS_DIR, PROJECT_ROOT
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
    assert isinstance(only, list) and {h["lesson_id"] for h in only} == {
        "context-windows-and-tokens"
    }

    (corpus / "evaluating-llm-output.yaml").unlink()  # no other lesson builds on it
    removed = invoke_json("index", str(corpus))
    assert isinstance(removed, dict) and removed["removed"] > 0 and removed["added"] == 0


def test_rebuild_reembeds_everything(data_dir: Path, tmp_path: Path) -> None:
    small = tmp_path / "small"  # two lessons that build on no other lesson
    small.mkdir()
    for name in ("prompt-basics.yaml", "evaluating-llm-output.yaml"):
        shutil.copy(CORPUS_DIR / name, small / name)
    invoke_json("index", str(small))
    rebuilt = invoke_json("index", str(small), "--rebuild")
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


SEED = PROJECT_ROOT.parent / "shared" / "seeds" / "lesson-page-finetune-vs-prompt.txt"
PAGES = Path(__file__).parent / "corpus" / "pages"


def test_import_page_writes_a_lesson_that_checks_and_indexes(
    data_dir: Path, tmp_path: Path
) -> None:
    if not SEED.is_file():
        pytest.skip("../shared/seeds is not present")
    out = tmp_path / "imported"
    result = invoke_json("import-page", str(SEED), "--out", str(out))
    assert isinstance(result, dict) and result["items"] == 5 and result["passages"] == 8
    assert (out / f"{result['lesson_id']}.yaml").is_file()
    for page in sorted(PAGES.glob("*.txt")):
        assert runner.invoke(app, ["import-page", str(page), "--out", str(out)]).exit_code == 0

    checked = runner.invoke(app, ["corpus", "check", str(out), "--json"])
    assert checked.exit_code == 0, checked.output
    assert json.loads(checked.stdout)["lessons"] == 1 + len(list(PAGES.glob("*.txt")))

    indexed = invoke_json("index", str(out))
    assert isinstance(indexed, dict) and indexed["added"] > 0
    hits = invoke_json("search", "add product info to the prompt without retraining", "-k", "1")
    assert isinstance(hits, list) and hits[0]["lesson_id"] == result["lesson_id"]

    again = runner.invoke(app, ["import-page", str(SEED), "--out", str(out)])
    assert again.exit_code == 1 and "already exists; pass --force" in again.output


def test_import_page_errors_name_the_line(tmp_path: Path) -> None:
    page = tmp_path / "broken.txt"
    page.write_text(
        "Caching in Backend\n\nThe Big Idea\n\nCache.\n\nPractice\n\nA. orphan option\n"
    )
    result = runner.invoke(app, ["import-page", str(page), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "broken.txt:9:" in result.output and "no stem before it" in result.output
    assert not (tmp_path / "out").exists()
    missing = runner.invoke(app, ["import-page", str(tmp_path / "nope.txt")])
    assert missing.exit_code == 1 and "cannot read" in missing.output


def test_import_page_refuses_a_page_over_the_size_limit(tmp_path: Path) -> None:
    page = tmp_path / "huge.txt"
    page.write_text("Caching in Backend\n\nThe Big Idea\n\n" + "word " * 500_000)
    result = runner.invoke(app, ["import-page", str(page), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "error:" in result.output and "larger than 2 MB" in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_import_page_of_an_endless_file_fails_fast() -> None:
    started = time.monotonic()
    result = runner.invoke(app, ["import-page", "/dev/zero", "--out", "/nonexistent"])
    assert result.exit_code == 1 and "larger than 2 MB" in result.output
    assert time.monotonic() - started < 10


def test_import_page_force_never_writes_through_a_symlink(tmp_path: Path) -> None:
    page = sorted(PAGES.glob("*.txt"))[0]
    out = tmp_path / "out"
    first = invoke_json("import-page", str(page), "--out", str(out))
    assert isinstance(first, dict)
    target = Path(first["path"])
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    target.unlink()
    target.symlink_to(victim)
    result = runner.invoke(app, ["import-page", str(page), "--out", str(out), "--force"])
    assert result.exit_code == 1 and "symbolic link" in result.output
    assert victim.read_text() == "precious\n" and target.is_symlink()
